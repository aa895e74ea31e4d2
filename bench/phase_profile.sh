#!/bin/sh
# phase_profile.sh [CORPUS [UNITS [THREADS [LEARNER]]]] - where a mini-batch's time goes,
# phase by phase, on each thread of a team and on 1 thread: microseconds a batch of
# scores (with the gates and the grouping of their entries), the update's plan, its
# gathering, exact maxima and applying, the first thread's book-keeping, and the waits at
# the barriers between; per epoch the serial shuffle and the folds at stop points.
#
# It builds the working tree (HEAD with any uncommitted changes to tracked files) with
# bench/phase_profile.patch (timers on the time-stamp counter, x86 only) in a temporary
# worktree and times 8 epochs (bench_kernels --epochs 8) on THREADS
# (default 2) and on 1 apart, so that no other training runs beside the 1-thread one.
# Defaults: build/wn-nouns.tsv, 26 units, hebbian (or soft). The timers add a little to
# every phase. RESULTS.md quotes its output where it explains the 2-thread speed-up.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
corpus=$(cd "$(dirname "${1:-$top/build/wn-nouns.tsv}")" && pwd)/$(basename "${1:-wn-nouns.tsv}")
units=${2:-26}
threads=${3:-2}
learner=${4:-hebbian}
tmp=$(mktemp -d)
trap 'git -C "$top" worktree remove --force "$tmp/tree" 2>/dev/null || true; rm -rf "$tmp"' EXIT
rev=$(git -C "$top" stash create) # the working tree's changes as a commit (none: HEAD)
git -C "$top" worktree add -q --detach "$tmp/tree" "${rev:-HEAD}"
cd "$tmp/tree"
git apply "$top/bench/phase_profile.patch" || { echo "phase_profile.sh: bench/phase_profile.patch no longer applies" >&2; exit 1; }
make -s lib build/bench_kernels >/dev/null
for t in "$threads" 1; do
    SOSO_PHASE_PROFILE=1 ./build/bench_kernels "$corpus" --threads "$t" --units "$units" --epochs 8 \
        --learner "$learner" 2>"$tmp/err$t" >"$tmp/out$t" || { cat "$tmp/err$t" >&2; exit 1; }
done
python3 - "$tmp" "$threads" <<'PY'
import json, sys
tmp, T = sys.argv[1], int(sys.argv[2])
team = json.loads(open("%s/err%d" % (tmp, T)).read().strip().splitlines()[-1])["phase_profile"]
one = json.loads(open("%s/err1" % tmp).read().strip().splitlines()[-1])["phase_profile"]
cols = [("1 thread", one.get("serial1", {}))] + [("thread %d of %d" % (t, T), team.get("thread%d" % t, {})) for t in range(T)]
phases = ["scores", "wait_after_scores", "plan", "gather", "wait_after_gather", "exact", "wait_after_exact", "apply",
          "book", "wait_top"]
print("| us a batch | " + " | ".join(c for c, _ in cols) + " |")
print("|---" * (len(cols) + 1) + "|")
for p in phases:
    print("| %s | %s |" % (p, " | ".join("%.2f" % c[p] if p in c else "-" for _, c in cols)))
print("| all | %s |" % " | ".join("%.2f" % sum(c.get(p, 0) for p in phases) for _, c in cols))
for name, e in (("1 thread", one.get("serial epochs")), ("%d threads" % T, team.get("team epochs"))):
    if e:
        print("Per epoch on %s: shuffle %.3f ms, folds at stop points %.3f ms (%d epochs)." % (
            name, e["shuffle_ms"], e["fold_ms"], e["epochs"]))
PY
