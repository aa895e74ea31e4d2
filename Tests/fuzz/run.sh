#!/bin/sh
# run.sh DIR SECONDS TARGET... - runs each libFuzzer target for SECONDS from a seed corpus
# of valid and broken files (written by make_seeds), keeping what it finds in DIR/corpus-T.
# Prints each target's executions and coverage, and "N passed, N failed" (a crash fails).
set -u
dir=$1
secs=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$dir/seeds"
mkdir -p "$dir/seeds/model" "$dir/seeds/memory" "$dir/seeds/vocab" "$dir/seeds/corpus"
cc -std=c99 -O1 -fopenmp -I"$top/include" -I"$top/csrc" "$top/Tests/fuzz/make_seeds.c" "$top/build/libsoso.a" -lopenblas -lm -o "$dir/make_seeds" &&
    "$dir/make_seeds" "$dir/seeds" || { echo "seed corpus failed"; exit 1; }
# A short slice of the real corpus: long inputs make each run slow and teach the fuzzer nothing new.
head -n 40 "$top/data/wn6-1k.tsv" >"$dir/seeds/corpus/wn6-40"
passed=0 failed=0
for t in "$@"; do
    mkdir -p "$dir/corpus-$t"
    log="$dir/fuzz-$t.log"
    if ASAN_OPTIONS=detect_leaks=1 OMP_NUM_THREADS=1 "$dir/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
        -max_len=8192 -artifact_prefix="$dir/" "$dir/corpus-$t" "$dir/seeds/$t" >"$log" 2>&1; then
        passed=$((passed + 1))
        runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$')
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
        echo "fuzz_$t: $runs executions in ${secs} s, $cov, corpus $(ls "$dir/corpus-$t" | wc -l) inputs"
    else
        failed=$((failed + 1))
        echo "FAIL: fuzz_$t found a crash:"
        grep -A 20 "ERROR" "$log" | head -40
        ls "$dir"/crash-* 2>/dev/null
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
