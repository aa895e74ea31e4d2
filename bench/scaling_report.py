"""RESULTS.md's section on a machine with many cores, from what bench/scaling.py and
bench/scaling_variants.sh wrote there (bench/scaling.json, bench/scaling_variants.jsonl).
Every figure is read from those files; the prose only says what they show."""
import json
import os
import statistics


def _rows(run, kernel, threads=None):
    return [r for r in run["rows"] if r.get("kernel") == kernel and (threads is None or r.get("threads") == threads)]


def _one(run, kernel, threads):
    rows = _rows(run, kernel, threads)
    return rows[0] if rows else {}


def _speedup(run, kernel, key, t, faster_is_bigger):
    a, b = _one(run, kernel, 1).get(key), _one(run, kernel, t).get(key)
    if not a or not b:
        return None
    return b / a if faster_is_bigger else a / b


def _epochs(run, learner, t):
    """Median epoch seconds on t threads and on 1, and the median of the pairs' ratios."""
    mine, one = _one(run, learner + " epochs", t).get("seconds"), _one(run, learner + " epochs", 1).get("seconds")
    if not mine or not one:
        return None
    return statistics.median(mine), statistics.median(one), statistics.median(a / b for a, b in zip(one, mine))


def _cell(x, t):
    """A speed-up and its efficiency (speed-up per thread)."""
    return "%.2f (%.0f%%)" % (x, 100 * x / t) if x is not None else "-"


def _load(path):
    return json.load(open(path)) if os.path.exists(path) else None


def _threads_table(res):
    runs = {(r["part"], r["threads"]): r for r in res["runs"]}
    ts = sorted({t for p, t in runs if p == "kernels"})
    L = ["Speed-up over 1 thread (efficiency: speed-up per thread):", "",
         "| threads | Hopfield step | encode | orthogonalisation, 26 units | orthogonalisation, 104 units"
         " | Hebbian epoch (median of 4 pairs) | osc epoch (1 pair) |", "|---|---|---|---|---|---|---|"]
    for t in ts:
        k = runs.get(("kernels", t))
        hop = _one(k, "hopfield step", t).get("speedup_median")
        enc = _speedup(k, "encode", "seconds", t, False)
        o26 = _speedup(k, "symmetric orthogonalisation", "seconds", t, False)
        o104 = _speedup(k, "symmetric orthogonalisation, 4x units", "seconds", t, False)
        h = _epochs(runs[("hebbian", t)], "hebbian", t) if ("hebbian", t) in runs else None
        o = _epochs(runs[("osc", t)], "osc", t) if ("osc", t) in runs else None
        L.append("| %d | %s | %s | %s | %s | %s | %s |" % (
            t, _cell(hop, t), _cell(enc, t), _cell(o26, t), _cell(o104, t),
            "%s: %.3f s against %.3f" % (_cell(h[2], t), h[0], h[1]) if h else "-",
            "%s: %.1f s against %.1f" % (_cell(o[2], t), o[0], o[1]) if o else "-"))
    return L


def _variants(path):
    by = {}
    for line in open(path):
        d = json.loads(line)
        by.setdefault(d["label"], []).append(d["row"])
    return by


def _variant_lines(v):
    L = []
    sg_d = next((r for r in v.get("kernels16-default", []) if r["kernel"] == "sgemm 2048"), None)
    sg_s = next((r for r in v.get("kernels16-skx", []) if r["kernel"] == "sgemm 2048"), None)
    if sg_d and sg_s:
        orth = lambda label, t, units: next((r for r in v.get(label, []) if r.get("units") == units  # noqa: E731
                                             and r["kernel"].startswith("symmetric") and r["threads"] == t), {})
        shares = "; ".join("%d units, %d thread%s: %.0f%% (%.2fx the speed of OpenBLAS alone on the same shapes)"
                           % (u, t, "s" if t > 1 else "", 100 * orth(lab, t, u).get("of_sgemm", 0),
                              orth(lab, t, u).get("of_blas_same_shapes", 0))
                           for lab, t in (("kernels16-skx", 1), ("kernels2-skx", 2), ("kernels16-skx", 16))
                           for u in (26, 104))
        L += ["", "OpenBLAS 0.3.21 (Debian 12's) is older than this CPU and ran generic kernels on it: sgemm 2048^3 at"
              " %.1f GFLOP/s on 1 thread and %.1f on 16. With `OPENBLAS_CORETYPE=SKYLAKEX` it ran %.1f and %.1f"
              " (%.1fx on one thread): on a CPU newer than its OpenBLAS, set that variable (README). Against"
              " that ceiling the symmetric orthogonalisation reached, of the sgemm rate: %s. The shares fall"
              " with threads because 26 or 104 rows of 25,880 words are too little work for 16 threads;"
              " OpenBLAS's own ssyrk and sgemm on those shapes fare about the same (the ratios in brackets)."
              % (sg_d["gflops_1"], sg_d["gflops_n"], sg_s["gflops_1"], sg_s["gflops_n"],
                 sg_s["gflops_1"] / sg_d["gflops_1"], shares)]
    osc = []
    for label in sorted((x for x in v if x.startswith("osc10k")), key=lambda x: (x.split("-")[1], int(x.split("-")[2]))):
        t = int(label.split("-")[2])
        run = {"rows": v[label]}
        e = _epochs(run, "osc", t)
        if e:
            osc.append("| %d | %s | %.2f | %.2f | %.2f |" % (t, label.split("-")[1], e[0], e[1], e[2]))
    if osc:
        L += ["", "osc epochs of the first 10,000 documents as `soso train` sets them up (with"
              " `OPENBLAS_CORETYPE=SKYLAKEX`), by thread count and OpenMP wait policy, each against 1 thread in the"
              " same run:", "", "| threads | OMP_WAIT_POLICY | seconds | 1 thread | speed-up |", "|---|---|---|---|---|"] + osc
    heb = []
    for label in sorted((x for x in v if x.startswith("hebbian-")), key=lambda x: (x.split("-")[1], int(x.split("-")[2]))):
        t = int(label.split("-")[2])
        e = _epochs({"rows": v[label]}, "hebbian", t)
        if e:
            heb.append("| %d | %s | %.3f | %.3f | %.2f |" % (t, label.split("-")[1], e[0], e[1], e[2]))
    if heb:
        L += ["", "Hebbian epochs of wn-nouns (26 units), medians of 4 pairs:", "",
              "| threads | OMP_WAIT_POLICY | seconds | 1 thread | speed-up |", "|---|---|---|---|---|"] + heb
    return L


def goal_lines(bench_dir):
    """The two-thread goals as the many-core machine met them (it was idle at the start)."""
    res = _load(os.path.join(bench_dir, "scaling.json"))
    runs = {(r["part"], r["threads"]): r for r in res["runs"]} if res else {}
    if ("hebbian", 2) not in runs or ("kernels", 2) not in runs:
        return []
    h = _epochs(runs[("hebbian", 2)], "hebbian", 2)[2]
    hop = _one(runs[("kernels", 2)], "hopfield step", 2).get("speedup_median", 0)
    vpath = os.path.join(bench_dir, "scaling_variants.jsonl")
    v = _variants(vpath) if os.path.exists(vpath) else {}
    h2 = _epochs({"rows": v.get("hebbian-default-2", [])}, "hebbian", 2)
    hop2 = next((r.get("speedup_median") for r in v.get("kernels2-skx", []) if r["kernel"] == "hopfield step"
                 and r["threads"] == 2), None)
    again = lambda x: " (%.2f in the second lease)" % x if x else ""  # noqa: E731
    return ["- The same two-thread goals on the %d-core machine (load %.2f at the start; section below): Hebbian"
            " training %.2f%s, %s; Hopfield retrieval %.2f%s, %s." % (
                res["cores"], res["load_start"], h, again(h2[2] if h2 else None),
                "met" if h >= 1.7 and (not h2 or h2[2] >= 1.7) else "NOT met", hop, again(hop2),
                "met" if hop >= 1.7 and (not hop2 or hop2 >= 1.7) else "NOT met")]


def lines(bench_dir):
    res = _load(os.path.join(bench_dir, "scaling.json"))
    if not res:
        return []
    L = ["", "## Threads on a machine with %d cores (bench/scaling.py)" % res["cores"], "",
         "%s, %d cores (KVM), measured %s at %s on a machine lent for 15 minutes; load %.2f at the start (idle)."
         " `%s` (bench_kernels and the corpus copied there). Each thread count's run also times 1 thread, so each"
         " speed-up below is within one run: 1 thread's time over T threads'." % (
             res["cpu"], res["cores"], res["when"], res["commit"], res["load_start"], res["command"]), ""]
    L += _threads_table(res)
    npy = res.get("numpy", {})
    if npy.get("seconds"):
        soso1 = [s for r in res["runs"] if r["part"] == "hebbian" for s in _one(r, "hebbian epochs", 1)["seconds"]]
        L += ["", "The numpy peer (sparse version) there, its BLAS on %s threads: %s s an epoch; SOSO's 1-thread"
              " epochs in the same runs: %.3f to %.3f s (%.0fx to %.0fx)." % (
                  ", ".join(str(b.get("num_threads")) for b in npy.get("blas") or []) or "its default",
                  " and ".join("%.2f" % s for s in npy["seconds"]), min(soso1), max(soso1),
                  min(npy["seconds"]) / max(soso1), max(npy["seconds"]) / min(soso1))]
    top = max(r["threads"] for r in res["runs"] if r["part"] == "kernels")
    k = next(r for r in res["runs"] if r["part"] == "kernels" and r["threads"] == top)
    L += ["", "What this shows. Retrieval and encoding, which never wait for each other, scale: on %d threads the"
          " Hopfield step ran %.1f times as fast as on 1 and encoding %.1f times. Training meets at a barrier every mini-batch (Hebbian: 100"
          " documents, about 60 microseconds of work on one thread) or every document (osc), and each"
          " mini-batch's update writes weight rows that the next one's scores read on other cores: on this"
          " machine, unlike the 2-vCPU one above, Hebbian epochs gained little from 2 threads and lost from 4"
          " or more, and osc epochs ran fastest on 4 to 6 threads and slower than 1 on 16. Since then (after"
          " %s) osc's per-document step takes at most sqrt(V / 700) threads, 6 on wn-nouns, whatever"
          " --threads says (results are the same for any team); that was not re-measured there, the machine"
          " having been lent for 15 minutes. Hebbian training is left as it is: its work per mini-batch is too"
          " small to split across cores that do not share a cache; a design where each thread owns a slice"
          " of the units would keep the writes local. Meanwhile `soso train` and `soso update` train"
          " Hebbian models on 2 threads unless --threads is given." % (top, _one(k, "hopfield step", top).get("speedup_median", 0),
                                               _speedup(k, "encode", "seconds", top, False) or 0, res["commit"])]
    vpath = os.path.join(bench_dir, "scaling_variants.jsonl")
    if os.path.exists(vpath):
        L += ["", "Then `bench/scaling_variants.sh bench_kernels wn-nouns.tsv OUT` on the same kind of machine"
              " (another lease, same commit's bench_kernels):"]
        L += _variant_lines(_variants(vpath))
    return L
