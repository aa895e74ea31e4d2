#!/bin/bash
# scaling_variants.sh KERNELS CORPUS OUT.jsonl - what bench/scaling.py leaves open, on a
# machine with many cores: OpenBLAS's own kernels against the ones it picks for a CPU
# newer than itself (OPENBLAS_CORETYPE), the OpenMP wait policy for Hebbian epochs, and
# the team size that runs osc epochs fastest (10,000 documents). Each line of OUT is
# {"label", "load" (the load average before the run), "row" (bench_kernels's line)}.
# bench/RESULTS.md quotes these (run_bench.py renders them with scaling.json).
K=$1; C=$2; O=$3
tag() { local label=$1; shift; local l=$(cut -d' ' -f1 /proc/loadavg)
  "$@" | while read -r line; do echo "{\"label\": \"$label\", \"load\": $l, \"row\": $line}"; done >> "$O"
  echo "$label done at ${SECONDS}s" >&2; }
cat /proc/loadavg >&2
tag "kernels16-default" $K $C --threads 16 --reps 3
export OPENBLAS_CORETYPE=SKYLAKEX
tag "kernels16-skx" $K $C --threads 16 --reps 3
tag "kernels2-skx" $K $C --threads 2 --reps 3
for pol in default passive active; do
  for t in 2 4 16; do
    if [ $pol = default ]; then unset OMP_WAIT_POLICY; else export OMP_WAIT_POLICY=$pol; fi
    tag "hebbian-$pol-$t" $K $C --threads $t --epochs 4
  done
done
unset OMP_WAIT_POLICY
for t in 2 3 4 6 8 16; do tag "osc10k-default-$t" $K $C --docs 10000 --threads $t --epochs 1 --learner osc; done
export OMP_WAIT_POLICY=passive
for t in 4 16; do tag "osc10k-passive-$t" $K $C --docs 10000 --threads $t --epochs 1 --learner osc; done
cat /proc/loadavg >&2
