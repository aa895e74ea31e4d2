#!/bin/sh
# compare_learners.sh CORPUS UNITS [EXTRA TRAIN OPTIONS] - trains every learner with its
# defaults on CORPUS and scores it the peers' way (bench/quality/score_export.py):
# NMI, ARI, purity, NPMI coherence, mean |cos|, dead units, plus the reconstruction
# error and the training time. Needs the venv that `make bench` makes (or numpy, scipy,
# scikit-learn on PYTHONPATH).
set -eu
CORPUS=$1
UNITS=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
SOSO=${SOSO:-$top/build/soso}
PY=${PY:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for method in hebbian osc; do
    start=$(date +%s%N)
    "$SOSO" train "$CORPUS" -o "$tmp/$method.soso" --method "$method" --units "$UNITS" --quiet "$@"
    end=$(date +%s%N)
    "$SOSO" export "$tmp/$method.soso" --npy "$tmp/$method.npy" --vocab "$tmp/$method.txt"
    score=$("$PY" "$top/bench/quality/score_export.py" "$tmp/$method.npy" "$tmp/$method.txt" "$CORPUS" | sed 's/^soso ([0-9]* units) *//')
    recon=$("$SOSO" reconstruct "$tmp/$method.soso" "$CORPUS" --json | "$PY" -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["relativeError"])')
    ms=$(( (end - start) / 1000000 ))
    printf '%-8s %4s units  %s  recon %s  train %d.%01d s\n' "$method" "$UNITS" "$score" "$recon" $((ms / 1000)) $((ms % 1000 / 100))
done
