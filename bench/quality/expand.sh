#!/bin/sh
# expand.sh CORPUS UNITS SEEDS [SETTING ...] - what co-occurrence expansion of the training
# documents does. Each SETTING is one set of `soso train` options in quotes (default: none,
# i.e. the defaults, against --expand 0); every model is scored the peers' way
# (bench/quality/score_export.py: NMI / NPMI of the top 10 words, dead units) and by
# `soso eval` (the model's own encoding); prints a Markdown row per setting with the mean
# of the seeds and the training time. Needs the venv of `make bench` (PY=bench/.venv/bin/python).
set -eu
CORPUS=$1
UNITS=$2
SEEDS=$3
shift 3
[ $# -gt 0 ] || set -- "" "--expand 0"
top=$(cd "$(dirname "$0")/../.." && pwd)
SOSO=${SOSO:-$top/build/soso}
PY=${PY:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| $(basename "$CORPUS") | units | options | NMI (peers' scoring) | NPMI | dead | NMI (soso eval) | train s |"
echo "|---|---|---|---|---|---|---|---|"
for setting in "$@"; do
    : >"$tmp/rows"
    seed=1
    while [ "$seed" -le "$SEEDS" ]; do
        start=$(date +%s%N)
        # shellcheck disable=SC2086 # a setting is several options
        "$SOSO" train "$CORPUS" -o "$tmp/m.soso" --units "$UNITS" --seed "$seed" --quiet $setting
        end=$(date +%s%N)
        "$SOSO" export "$tmp/m.soso" --npy "$tmp/W.npy" --vocab "$tmp/v.txt"
        "$PY" "$top/bench/quality/score_export.py" "$tmp/W.npy" "$tmp/v.txt" "$CORPUS" |
            sed 's/.*NMI \([0-9.]*\) .*NPMI \([-0-9.]*\) .*dead \([0-9]*\).*/\1 \2 \3/' | tr '\n' ' ' >>"$tmp/rows"
        "$SOSO" eval "$tmp/m.soso" "$CORPUS" --json | "$PY" -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["nmi"], end=" ")' >>"$tmp/rows"
        echo "$(( (end - start) / 1000000 ))" >>"$tmp/rows"
        seed=$((seed + 1))
    done
    awk -v c="$(basename "$CORPUS")" -v u="$UNITS" -v s="${setting:-(defaults)}" '
        { for (i = 1; i <= NF; i++) sum[i] += $i; dead += $3 }
        END { printf "| %s | %s | %s | %.3f | %.3f | %d | %.3f | %.1f |\n", c, u, s, sum[1] / NR, sum[2] / NR, dead, sum[4] / NR, sum[5] / NR / 1000 }' "$tmp/rows"
done
