#!/bin/sh
# test_example.sh SOSO - installs the library into a scratch prefix, builds the README's C
# example with pkg-config, and runs it on a model trained by the CLI.
set -eu
SOSO=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The library part of `make install` (the CLI is tested elsewhere).
make -s -C "$top" install-lib PREFIX="$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
cc -std=c99 -Wall -Werror "$top/examples/encode_text.c" $(pkg-config --cflags --libs soso) -o "$tmp/encode_text"
"$SOSO" train "$top/data/wn6-1k.tsv" -o "$tmp/model.soso" --method hebbian --units 6 --epochs 30 --quiet
out=$("$tmp/encode_text" "$tmp/model.soso" "a sweet red fruit with juice")  # "a", "with": stop words
echo "$out"
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else echo "FAIL: $1"; failed=$((failed + 1)); fi; }
check "example reports known words" 'echo "$out" | grep -q "known words: 4, unknown: 0"'
check "example prints a cluster" 'echo "$out" | grep -Eq "^cluster: [0-5]$"'
check "example lists three units" '[ "$(echo "$out" | grep -c "^unit ")" -eq 3 ]'
check "example fails cleanly on a bad model" '! "$tmp/encode_text" /nonexistent.soso x 2>/dev/null'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
