#!/bin/sh
# test_bench.sh SOSO - the benchmark harness at a toy size: every part runs and writes a
# well-formed results file and JSON (peers needing numpy are skipped without it). No
# timing is checked.
set -eu
SOSO=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$top/bench/run_bench.py" --tiny --soso "$SOSO" --kernels "$top/build/bench_kernels" --out "$tmp/out" \
    --results "$tmp/RESULTS.md" --plots "$tmp/plots" --history "" >"$tmp/log"
python3 - "$tmp" <<'PY'
import json, os, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
r = json.load(open(os.path.join(d, "out", "results.json")))
for part in ["kernels", "hebbian", "memory", "growth-docs", "growth-vocab", "growth-units", "stream"]:
    assert r.get(part), "no %s results" % part
for rep in r["hebbian-paired"]:  # SOSO's epochs, timed in process on 2 threads and 1
    assert rep["soso_2"] > 0 and rep["soso_1"] > 0 and rep["speedup"] > 0, rep
    assert rep["side_by_side"] > 0, rep  # two 1-thread trainings at once against one alone
    # the machine's own 2-thread figures beside them (bench/ceiling.c)
    assert all(rep[k] > 0 for k in ("ceiling_compute", "ceiling_gather", "barrier_us")), rep
# the other training loops, each learner's epochs on 2 threads and 1 the same way
assert [t["learner"] for t in r["training-loops"]] == ["soft", "osc"], r["training-loops"]
assert all(t["soso_2"] > 0 and t["soso_1"] > 0 and t["speedup"] > 0 and t["side_by_side"] > 0
           for t in r["training-loops"]), r["training-loops"]
ceil = [k for k in r["kernels"] if k["kernel"] == "ceiling"]
assert len(ceil) == 1 and all(len(ceil[0][k]) == 5 and min(ceil[0][k]) > 0 for k in ("compute", "gather", "barrier_us")), ceil
orth = [k for k in r["kernels"] if k["kernel"].startswith("symmetric orthogonalisation")]
assert len(orth) == 4, orth  # two sizes, 1 and 2 threads
for k in orth:  # 3 paired ratios to sgemm (--tiny): a median within their range; OpenBLAS alone beside it
    assert k["reps"] == 3 and 0 < k["of_sgemm_min"] <= k["of_sgemm"] <= k["of_sgemm_max"], k
    assert k["blas_same_shapes_gflops"] > 0 and k["of_blas_same_shapes"] > 0, k
text = open(os.path.join(d, "RESULTS.md")).read()
assert "OpenBLAS alone on the same two shapes" in text
assert "The machine itself, measured before each Hopfield pair" in text and "the machine beside it: 2 threads" in text
assert "## Threads on a machine with 16 cores" in text  # from bench/scaling.json
assert "The other training loops, timed the same way" in text and "the other training loops: soft " in text
assert text.count("two 1-thread trainings side by side did") == 2  # the Hebbian and the other loops' goal lines
for head in ["## Kernels", "## Hebbian training per epoch", "## Associative memory", "## Peak memory of training and ranking"]:
    assert head in text, head
plots = os.listdir(os.path.join(d, "plots"))
assert plots, "no plots"
for p in plots:
    ET.parse(os.path.join(d, "plots", p))
PY
# bench/scaling.py (threads on a larger machine) at a toy size: each part at each thread
# count, 1 thread beside it, and a section that scaling_report renders from what it wrote.
mkdir "$tmp/sc"
python3 "$top/bench/scaling.py" --kernels "$top/build/bench_kernels" --corpus "$top/data/wn6-1k.tsv" --docs 300 \
    --threads 2 --osc-threads 2 -o "$tmp/sc/scaling.json" 2>"$tmp/sc.log" || { cat "$tmp/sc.log"; exit 1; }
python3 - "$tmp/sc" "$top/bench" <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[2])
import scaling_report
r = json.load(open(os.path.join(sys.argv[1], "scaling.json")))
assert [(x["part"], x["threads"]) for x in r["runs"]] == [("kernels", 2), ("hebbian", 2), ("soft", 2), ("osc", 2)], r["runs"]
kinds = {row["kernel"]: row for x in r["runs"] for row in x["rows"]}
for k in ["sgemm 2048", "hopfield step", "hebbian epochs", "soft epochs", "osc epochs", "expansion"]:
    assert k in kinds, k
for x in r["runs"][1:]:  # epochs on 2 threads and on 1, each a time per epoch
    ep = [row for row in x["rows"] if row["kernel"].endswith("epochs")]
    assert sorted(row["threads"] for row in ep) == [1, 2] and all(s > 0 for row in ep for s in row["seconds"]), ep
text = "\n".join(scaling_report.lines(sys.argv[1]))
assert "| 2 | " in text and "(1 pair; 2 1-thread trainings side by side: " in text, text
bad = os.path.join(sys.argv[1], "bad")  # a damaged record is named, not a crash of make bench
os.mkdir(bad)
open(os.path.join(bad, "scaling.json"), "w").write("{not json")
assert "Not shown" in "\n".join(scaling_report.lines(bad)) and scaling_report.goal_lines(bad) == []
PY
# --render writes the same results again from the saved rows, running nothing.
mv "$tmp/RESULTS.md" "$tmp/RESULTS.run.md"
python3 "$top/bench/run_bench.py" --render --out "$tmp/out" --results "$tmp/RESULTS.md" --plots "$tmp/plots" --history ""
cmp "$tmp/RESULTS.run.md" "$tmp/RESULTS.md" || { echo "FAIL --render differs from the run's results"; exit 1; }
# A full run without the peers' packages (-E -S: no PYTHONPATH, no site-packages) stops
# with a reason instead of dropping their parts from the results.
if python3 -E -S "$top/bench/run_bench.py" --only topics --out "$tmp/none" --results "$tmp/none.md" \
    --plots "$tmp/none" 2>"$tmp/err"; then
    echo "FAIL run_bench.py ran without numpy"; exit 1
fi
grep -q "need numpy, scipy and scikit-learn" "$tmp/err" || { echo "FAIL no reason given"; cat "$tmp/err"; exit 1; }
test ! -e "$tmp/none.md" || { echo "FAIL results written without the peers"; exit 1; }
# build/barrier_cost times both barriers (the training loops' and OpenMP's).
"$top/build/barrier_cost" 2 | python3 -c "
import json, sys
r = json.load(sys.stdin)
assert r['threads'] == 2 and r['omp_barrier_us'] > 0 and r['library_barrier_us'] > 0, r
"
# bench/phase_profile.sh builds the working tree with its timers: the patch must still apply.
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$top" apply --check "$top/bench/phase_profile.patch" || { echo "FAIL bench/phase_profile.patch no longer applies"; exit 1; }
fi
echo "6 passed, 0 failed"
