#!/bin/sh
# stack.sh CORPUS LOWER UNITS [SEEDS] - does layer-wise stacking help? For each seed:
# osc with LOWER units on the words (the lower layer), then each learner with UNITS units
# on the lower layer's codes (`soso train --input-model`), against osc with UNITS units on
# the words. Every model is scored by `soso eval` (NMI of the argmax clusters / NPMI of the
# top 10 words); prints a Markdown table with the mean of the seeds last.
set -eu
CORPUS=$1
LOWER=$2
UNITS=$3
SEEDS=${4:-3}
top=$(cd "$(dirname "$0")/../.." && pwd)
SOSO=${SOSO:-$top/build/soso}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
score() { "$SOSO" eval "$1" "$CORPUS" --json | python3 -c 'import json,sys; e=json.load(sys.stdin); print("%.3f %.3f" % (e["nmi"], e["npmi"]))'; }
echo "| seed | osc $LOWER (lower) | osc $UNITS on its codes | hebbian $UNITS on its codes | soft $UNITS on its codes | osc $UNITS on the words |"
echo "|---|---|---|---|---|---|"
seed=1
: >"$tmp/all"
while [ "$seed" -le "$SEEDS" ]; do
    "$SOSO" train "$CORPUS" -o "$tmp/lower.soso" --units "$LOWER" --seed "$seed" --quiet
    row="$(score "$tmp/lower.soso")"
    for method in osc hebbian soft; do
        "$SOSO" train "$CORPUS" -o "$tmp/upper.soso" --method "$method" --units "$UNITS" --seed "$seed" \
            --input-model "$tmp/lower.soso" --quiet
        row="$row $(score "$tmp/upper.soso")"
    done
    "$SOSO" train "$CORPUS" -o "$tmp/words.soso" --units "$UNITS" --seed "$seed" --quiet
    row="$row $(score "$tmp/words.soso")"
    echo "$row" >>"$tmp/all"
    echo "$row" | awk -v s="$seed" '{ printf "| %d |", s; for (i = 1; i < NF; i += 2) printf " %s / %s |", $i, $(i + 1); print "" }'
    seed=$((seed + 1))
done
awk '{ for (i = 1; i <= NF; i++) sum[i] += $i } END { printf "| mean |"; for (i = 1; i < NF; i += 2) printf " %.3f / %.3f |", sum[i] / NR, sum[i + 1] / NR; print "" }' "$tmp/all"
