"""RESULTS.md's section on a machine with many cores. Its tables and figures are read from
what bench/scaling.py and bench/scaling_variants.sh wrote (bench/scaling.json,
bench/scaling_variants.jsonl); what they show, and what the files cannot say (the
machine's hypervisor, which OpenBLAS it had), is bench/scaling_notes.md, written by hand
for the recorded runs and shown after the tables."""
import json
import os
import statistics


def _one(rows, kernel, threads):
    """The first row of `kernel` on `threads` ({} if none)."""
    return next((r for r in rows if r.get("kernel") == kernel and r.get("threads") == threads), {})


def _speedup(rows, kernel, t):
    """1 thread's seconds over t threads' (None if either is missing)."""
    a, b = _one(rows, kernel, 1).get("seconds"), _one(rows, kernel, t).get("seconds")
    return a / b if a and b else None


def _epochs(rows, learner, t):
    """(median epoch on t threads, on 1, median of the pairs' ratios, pairs, and the median
    work of t 1-thread trainings side by side over one alone, None where the run has none:
    records before 2026-12-01), or None."""
    mine, one = _one(rows, learner + " epochs", t).get("seconds"), _one(rows, learner + " epochs", 1).get("seconds")
    if not mine or not one:
        return None
    pairs = list(zip(one, mine))
    side = _one(rows, learner + " epochs side by side", t).get("seconds")
    return (statistics.median(mine), statistics.median(one), statistics.median(a / b for a, b in pairs), len(pairs),
            statistics.median(t * a / c for a, c in zip(one, side)) if side else None)


def _cell(x, t):
    """A speed-up and its efficiency (speed-up per thread)."""
    return "%.2f (%.0f%%)" % (x, 100 * x / t) if x is not None else "-"


def _epoch_cell(e, t, fmt):
    if not e:
        return "-"
    return ("%s: " + fmt + " s against " + fmt + " (%d pair%s%s)") % (
        _cell(e[2], t), e[0], e[1], e[3], "s" if e[3] > 1 else "",
        "; %d 1-thread trainings side by side: %.2f" % (t, e[4]) if e[4] else "")


def _data(bench_dir):
    """(scaling.json, its runs by (part, threads), the variants' rows by label, their load
    averages by label); None without scaling.json. A file that cannot be read raises
    ValueError with the reason."""
    path = os.path.join(bench_dir, "scaling.json")
    if not os.path.exists(path):
        return None
    try:
        res = json.load(open(path))
        runs = {(r["part"], r["threads"]): r["rows"] for r in res["runs"]}
        variants, loads = {}, {}
        vpath = os.path.join(bench_dir, "scaling_variants.jsonl")
        if os.path.exists(vpath):
            for line in open(vpath):
                d = json.loads(line)
                variants.setdefault(d["label"], []).append(d["row"])
                loads.setdefault(d["label"], d.get("load"))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError("%s or scaling_variants.jsonl: %s" % (path, e))
    return res, runs, variants, loads


def _threads_table(runs):
    L = ["Speed-up over 1 thread in the same run (efficiency: speed-up per thread):", "",
         "| threads | Hopfield step | encode | orthogonalisation, 26 units | orthogonalisation, 104 units"
         " | Hebbian epoch | soft epoch | osc epoch |", "|---|---|---|---|---|---|---|---|"]
    for t in sorted({t for _, t in runs}):
        k = runs.get(("kernels", t), [])
        L.append("| %d | %s | %s | %s | %s | %s | %s | %s |" % (
            t, _cell(_one(k, "hopfield step", t).get("speedup_median"), t), _cell(_speedup(k, "encode", t), t),
            _cell(_speedup(k, "symmetric orthogonalisation", t), t),
            _cell(_speedup(k, "symmetric orthogonalisation, 4x units", t), t),
            _epoch_cell(_epochs(runs.get(("hebbian", t), []), "hebbian", t), t, "%.3f"),
            _epoch_cell(_epochs(runs.get(("soft", t), []), "soft", t), t, "%.3f"),
            _epoch_cell(_epochs(runs.get(("osc", t), []), "osc", t), t, "%.2f")))
    return L


def _variant_table(v, prefix, learner, fmt):
    """The variants' epochs of `learner` (labels PREFIX-POLICY-THREADS), by policy and threads."""
    rows = []
    for label in v:
        parts = label.split("-")
        if label.startswith(prefix + "-") and len(parts) == 3 and parts[2].isdigit():
            e = _epochs(v[label], learner, int(parts[2]))
            if e:
                rows.append((parts[1], int(parts[2]), e))
    return ["| threads | OMP_WAIT_POLICY | seconds | 1 thread | speed-up |", "|---|---|---|---|---|"] + [
        ("| %d | %s | " + fmt + " | " + fmt + " | %.2f |") % (t, pol, e[0], e[1], e[2]) for pol, t, e in sorted(rows)]


def _blas_lines(v):
    sg = {lab: _one(v.get(lab, []), "sgemm 2048", None) for lab in ("kernels16-default", "kernels16-skx")}
    if not all(sg.values()):
        return []
    shares = "; ".join("%d units, %d thread%s: %.0f%% (%.2fx the speed of OpenBLAS alone on the same shapes)" % (
        u, t, "s" if t > 1 else "", 100 * r.get("of_sgemm", 0), r.get("of_blas_same_shapes", 0))
        for lab, t in (("kernels16-skx", 1), ("kernels2-skx", 2), ("kernels16-skx", 16))
        for u, name in ((26, "symmetric orthogonalisation"), (104, "symmetric orthogonalisation, 4x units"))
        for r in [_one(v.get(lab, []), name, t)] if r)
    d, s = sg["kernels16-default"], sg["kernels16-skx"]
    return ["", "OpenBLAS sgemm 2048^3 with the kernels it chose: %.1f GFLOP/s on 1 thread, %.1f on 16; with"
            " `OPENBLAS_CORETYPE=SKYLAKEX`: %.1f and %.1f (%.1fx on 1 thread). Against the latter, the symmetric"
            " orthogonalisation reached, of the sgemm rate: %s." % (
                d["gflops_1"], d["gflops_n"], s["gflops_1"], s["gflops_n"], s["gflops_1"] / d["gflops_1"], shares)]


def goal_lines(bench_dir):
    """The two-thread goals as the many-core machine met them."""
    try:
        data = _data(bench_dir)
    except ValueError:
        return []  # lines() says why
    if not data:
        return []
    res, runs, v, loads = data
    h = _epochs(runs.get(("hebbian", 2), []), "hebbian", 2)
    hop = _one(runs.get(("kernels", 2), []), "hopfield step", 2).get("speedup_median")
    if not h or not hop:
        return []
    h2 = _epochs(v.get("hebbian-default-2", []), "hebbian", 2)
    hop2 = _one(v.get("kernels2-skx", []), "hopfield step", 2).get("speedup_median")

    def again(x, label):
        load = loads.get(label)
        return " (%.2f in the variants run, load %s before it)" % (x, "%.2f" % load if load is not None else "?") \
            if x else ""
    hs, hops = [h[2]] + ([h2[2]] if h2 else []), [hop] + ([hop2] if hop2 else [])
    return ["- The same two-thread goals on the %d-core machine (load %.2f at the start; section below): Hebbian"
            " training %.2f%s, %s; Hopfield retrieval %.2f%s, %s." % (
                res.get("cores", 0), res.get("load_start", float("nan")), h[2],
                again(h2[2] if h2 else None, "hebbian-default-2"), "met" if min(hs) >= 1.7 else "NOT met", hop,
                again(hop2, "kernels2-skx"), "met" if min(hops) >= 1.7 else "NOT met")]


def lines(bench_dir):
    try:
        data = _data(bench_dir)
    except ValueError as e:
        return ["", "## Threads on a machine with more cores", "", "Not shown: %s." % e]
    if not data:
        return []
    res, runs, v, _ = data
    load = res.get("load_start")
    L = ["", "## Threads on a machine with %s cores (bench/scaling.py)" % res.get("cores", "?"), "",
         "%s, %s cores, measured %s at %s; load %s at the start%s. `%s`. Each thread count's run also times"
         " 1 thread, so each speed-up is within one run: 1 thread's time over T threads'." % (
             res.get("cpu"), res.get("cores", "?"), res.get("when"), res.get("commit") or "an unrecorded commit",
             "%.2f" % load if load is not None else "unknown", " (idle)" if load is not None and load < 0.5 else "",
             res.get("command")), ""]
    L += _threads_table(runs)
    npy = res.get("numpy") or {}
    soso1 = [s for (p, _), rows in runs.items() if p == "hebbian" for s in _one(rows, "hebbian epochs", 1).get("seconds", [])]
    if npy.get("seconds") and soso1:
        L += ["", "The numpy peer (sparse version, %s units) there, its BLAS on %s threads, load %.2f before it: %s s"
              " an epoch; SOSO's 1-thread epochs in the same runs: %.3f to %.3f s (%.0fx to %.0fx)." % (
                  npy.get("units"), ", ".join(str(b.get("num_threads")) for b in npy.get("blas") or []) or "its default",
                  npy.get("load", float("nan")), " and ".join("%.2f" % s for s in npy["seconds"]), min(soso1),
                  max(soso1), min(npy["seconds"]) / max(soso1), max(npy["seconds"]) / min(soso1))]
    if v:
        L += ["", "`bench/scaling_variants.sh bench_kernels wn-nouns.tsv OUT` on the same kind of machine"
              " (bench/scaling_variants.jsonl):"]
        L += _blas_lines(v)
        L += ["", "osc epochs of the first 10,000 glosses (vocabulary and idf of all of them; `OPENBLAS_CORETYPE="
              "SKYLAKEX`), by threads and OpenMP wait policy, against 1 thread in the same run:", ""]
        L += _variant_table(v, "osc10k", "osc", "%.2f")
        L += ["", "Hebbian epochs of wn-nouns at 26 units (`OPENBLAS_CORETYPE=SKYLAKEX` set, which they do not use),"
              " medians of the pairs:", ""]
        L += _variant_table(v, "hebbian", "hebbian", "%.3f")
    notes = os.path.join(bench_dir, "scaling_notes.md")
    if os.path.exists(notes):
        L += [""] + open(notes).read().rstrip("\n").split("\n")
    return L
