#!/usr/bin/env python3
"""SOSO's benchmark: SOSO and its peers on the same data in the same run, ratios first.

  bench/.venv/bin/python bench/run_bench.py [--tiny] [--only PART] [--render] [--out DIR] [--results FILE]

Runs (on WordNet glosses from Debian's wordnet-base):
  kernels  bench_kernels: sgemm rate, Hebbian step and epoch, encoding, top-k, symmetric
           orthogonalisation, Hopfield step, each with 1 and 2 threads;
  hebbian  SOSO's Hebbian training against the numpy reference rule (dense and sparse),
           time per epoch and NMI at equal epochs;
  topics   SOSO's osc/soft/hebbian against scikit-learn NMF, KMeans and
           MiniBatchDictionaryLearning at the same number of units (wn6-1k 6 and 24,
           wn-nouns 26 and 104; fit time, NMI, NPMI), and the quality goal (1.25x NMF);
  encode   documents/s against numpy dense and scipy sparse;
  memory   Hopfield queries/s against numpy dense, scipy sparse and a factored version;
  growth   time and peak memory as documents (10k .. 82k, and 1M synthetic), vocabulary
           and units grow, with log-log SVG plots.
--tiny runs every part at a toy size (used by `make test`: checks the output is
well formed; peers that need numpy are skipped when it is missing; a full or --only run
stops instead). --render rewrites RESULTS.md and the plots from the last results without
running anything. Never asserts a timing.
"""
import argparse
import json
import statistics
import math
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "peers"))
from machine import blas_core_env, cpu_model, loadavg  # noqa: E402
import scaling_report  # noqa: E402

try:  # the peers need all three (make bench installs them into bench/.venv)
    import numpy  # noqa: F401
    import scipy  # noqa: F401
    import sklearn  # noqa: F401
    HAVE_NUMPY = True
except ImportError:
    HAVE_NUMPY = False


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def timed(cmd):
    """Wall seconds and peak RSS (MiB) of a command, via GNU time when present."""
    if shutil.which("/usr/bin/time") or os.path.exists("/usr/bin/time"):
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, check=True)
        secs = time.perf_counter() - t0
        rss = int(r.stderr.strip().splitlines()[-1]) / 1024
        return secs, rss, r.stdout
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, float("nan"), r.stdout


def git_commit():
    """The checkout's commit, "+" when its code has uncommitted changes ("?" outside git)."""
    try:
        c = subprocess.run(["git", "-C", TOP, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                           check=True).stdout.strip()
        # the code only: a run rewrites RESULTS.md, the plots and the history itself
        dirty = subprocess.run(["git", "-C", TOP, "status", "--porcelain", "--untracked-files=no", "--", "csrc",
                                "include", "Sources", "bench/bench_kernels.c", "bench/run_bench.py", "bench/peers",
                                "Makefile", "Package.swift"], capture_output=True, text=True).stdout.strip()
        return c + ("+" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def epoch_cells(soso_2, soso_1, numpy, ratio, speedup):
    """A Hebbian table row's cells: SOSO's epochs, numpy's, their ratio, the speed-up."""
    return "%.4g | %.4g | %s | %s | %.2f" % (soso_2, soso_1, "%.4g" % numpy if numpy else "-",
                                             "%.1f" % ratio if ratio else "-", speedup)


# The machine's own figures for 2 threads, measured beside the goals' (bench/ceiling.h):
# total throughput of 2 threads over 1 on independent arithmetic and on scattered reads,
# and microseconds per OpenMP barrier.
CEILING_KEYS = ("ceiling_compute", "ceiling_gather", "barrier_us")


def ceiling_of(row):
    """A bench_kernels "ceiling" row's medians, under CEILING_KEYS ({} without the row)."""
    if not row:
        return {}
    return {key: statistics.median(row[name]) for key, name in zip(CEILING_KEYS, ("compute", "gather", "barrier_us"))}


def ceiling_median(rows):
    """The medians over rows (repetitions or runs) that have the ceiling figures."""
    have = [r for r in rows if r.get(CEILING_KEYS[0])]
    return {key: statistics.median(r[key] for r in have) for key in CEILING_KEYS} if have else {}


def ceiling_clause(c):
    """ "the machine beside it: ..." for a goal line, or "" without the figures."""
    if not c:
        return ""
    return ("the machine beside it: 2 threads did %.2f times the work of 1 on independent arithmetic and %.2f"
            " times on scattered reads; an OpenMP barrier took %.2f us" % (
                c["ceiling_compute"], c["ceiling_gather"], c["barrier_us"]))


def ceiling_text(c):
    """ " (the machine beside it: ...)", or "" without the figures."""
    return " (%s)" % ceiling_clause(c) if c else ""


CEILING_HEAD = "machine: 2 / 1 threads on independent arithmetic / scattered reads, us a barrier"
# Until f3bdc1b (2026-12-01 03:00) bench/ceiling.c timed each team once, 0.85 ms of work
# after idle: between the Hebbian epoch pairs it read low, which that history table says.
CEILING_NOTE = (" The machine's figures in this table before 2026-12-01 03:00 came from a shorter measure, which"
                " read low here (1.51-1.94 on independent arithmetic, median 1.72, where the present one reads"
                " 1.89-1.96 beside the same epochs; beside the Hopfield pairs it read 1.81-2.08).")


def ceiling_cell(h):
    return "%.2f / %.2f / %.2f" % tuple(h[k] for k in CEILING_KEYS) if h.get(CEILING_KEYS[0]) else "-"


# The work's own reference (bench_kernels --epochs, logged since 2026-12-01 05:40): two
# 1-thread trainings of the same kind run side by side, sharing only the documents,
# against one alone: what the machine gives this work with nothing handed between
# threads. A split of one training shares one model where they have two, so this is a
# reference for it, not a bound; what a split gets less is mostly its own cost.
SIDE_HEAD = "2 trainings side by side / 1 alone"


def side_cell(h):
    return "%.2f" % h["side_by_side"] if h.get("side_by_side") else "-"


def side_median(rows):
    """The median of rows' side-by-side figures (None where none has one)."""
    v = [r["side_by_side"] for r in rows if r.get("side_by_side")]
    return statistics.median(v) if v else None


def side_clause(v):
    """ "; two 1-thread trainings side by side did ... " for a goal line ("" without it): v
    a figure, or a text of figures (several learners')."""
    if not v:
        return ""
    return ("; two 1-thread trainings side by side did %s times the work of one alone (what this machine gives the"
            " work with nothing handed between threads, each training with its own model)" % (
                "%.2f" % v if isinstance(v, float) else v))


def goal_measures(paired):
    """The Hebbian goals' figures of one run, from its paired repetitions (hebbian-paired
    rows): medians of SOSO's epochs, numpy's, their ratios, the speed-ups and the
    machine's ceiling."""
    ratios = [r["numpy_sparse"] / r["soso_2"] for r in paired if r.get("numpy_sparse")]
    return dict({"soso_2": statistics.median(r["soso_2"] for r in paired),
                 "soso_1": statistics.median(r["soso_1"] for r in paired),
                 "numpy_sparse": statistics.median(r["numpy_sparse"] for r in paired) if ratios else None,
                 "numpy_over_soso": statistics.median(ratios) if ratios else None,
                 "speedup": statistics.median(r["speedup"] for r in paired),
                 "side_by_side": side_median(paired)}, **ceiling_median(paired))


# The kernels part's orthogonalisation rows: the model's units and 4 times as many.
ORTHO_KEYS = ("symmetric orthogonalisation", "symmetric orthogonalisation, 4x units")


def kernel_rows(kernels):
    """The kernels part's rows by (kernel, threads)."""
    return {(r.get("kernel"), r.get("threads")): r for r in kernels}


def blas_core(k):
    """The OpenBLAS core the kernels part ran (its setup row), or None."""
    return k.get(("setup", 2), {}).get("blas_core")


def blas_core_text(k):
    """Which kernels OpenBLAS ran for the kernels part, and, where the run forced them,
    what it gave with the ones it picks by itself."""
    core = blas_core(k)
    own = k.get(("sgemm 2048, own core", None))
    if not core:
        return ""
    if not own:  # only a run that forced the core keeps the core OpenBLAS picked
        return " (its %s kernels)" % core
    how = ("as this machine's environment sets it (OPENBLAS_CORETYPE=%s)" % own["env_coretype"]
           if own.get("env_coretype") else "by itself")
    return (" (its %s kernels, set by OPENBLAS_CORETYPE=SKYLAKEX, as the dense goal is read against OpenBLAS at"
            " its best on this CPU: %s it runs its %s kernels, which gave %.1f and %.1f)" % (
                core, how, own["blas_core"], own["gflops_1"], own["gflops_n"]))


def hopfield_speedup(k):
    """The Hopfield recall's 2-thread speed-up, the median of its paired repetitions
    (None without the row)."""
    return k.get(("hopfield step", 2), {}).get("speedup_median")


def threads_label(t):
    return "%d thread%s" % (t, "s" if t > 1 else "")


def kernel_goal_measures(kernels):
    """The kernel goals' figures of one run (kernels rows): the Hopfield retrieval's
    2-thread speed-up and the smallest share of sgemm's rate among the orthogonalisations."""
    k = kernel_rows(kernels)
    shares = [k[(key, t)]["of_sgemm"] for key in ORTHO_KEYS for t in (1, 2) if (key, t) in k]
    return dict({"hopfield_speedup": hopfield_speedup(k), "dense_of_sgemm": min(shares) if shares else None,
                 "sgemm_core": blas_core(k)}, **ceiling_of(k.get(("ceiling", 2))))


def cell_load(h):
    return "%.2f" % h["load"] if "load" in h else "-"


# Where the Hebbian goals fall short, what the profile says (bench/RESULTS.md quotes it).
HEBBIAN_WHY = ("what is left is bound by memory latency: each document's words' weights (104 bytes a word at 26"
               " units) are scattered over a 2.7 MB copy, more than a core's L2, and so are the changed weights."
               " Timed phase by phase in process (1 thread, 6 epochs of wn-nouns at 26 units, at 17aa030), an epoch"
               " is about 40% scores and gates, 23% gathering each changed unit's words, 8% exact row maxima where"
               " the rule's normaliser needs them, 22% applying the update (the changed weights, their transposed"
               " copy and the blocks' maxima) and 5% serial book-keeping. The ratio moves with this machine's"
               " spells on both sides: numpy's epoch took 0.58 to 0.91 s in the logged runs since 13:55, SOSO's"
               " 2-thread epoch about 0.015-0.021 s in normal spells and 0.04-0.05 s in slow ones (a barrier"
               " 0.44 us), where 2 threads run slower than 1; since 20:52, on the one-region code, 0.0134-0.0145 s"
               " and 0.033-0.035 s")
HEBBIAN_THREADS_WHY = ("a mini-batch of 100 documents is about 14 microseconds of work on 2 threads (at 26 units),"
                       " in phases with barriers between, and the phases hand data from one core to the other. Two"
                       " 1-thread trainings side by side, which hand nothing over (the column beside the speed-ups),"
                       " did 1.87-2.02 times the work of one alone in the runs of 2026-12-01 06:25 and 06:32 (each timed as"
                       " training counts its epoch; until f1a72f1 the region's wall clock, which also counted waking"
                       " the team, read 1.75-1.91): the two cores hardly slow each other on this work, so the"
                       " shortfall, a fifth of the work, is the split's own (a reference, not a bound: a split shares"
                       " one model where the two have two). Which side of 1.7 a run falls on also depends on"
                       " a state of this machine in which 1 thread alone runs slow: in 5 of the 7 repetitions of the"
                       " run of 2026-12-01 05:49, 1-thread epochs took 25.8-27.1 ms (elsewhere 19.3-21.4) and 2-thread"
                       " ones 14.2-14.7 (elsewhere 12.5-13.6), 1.81-1.86x (side by side 1.86-1.91); the runs' median"
                       " above is the measure to read. `bench/phase_profile.sh` (2026-12-01 06:29 at"
                       " 404eaa4, a normal spell; timers included) gave a batch on 1 thread 21.5 us: scores with gates"
                       " and grouping 8.5, the update's plan 0.2, gathering each changed unit's words 5.2, exact row"
                       " maxima 1.9, applying 5.6; on each of 2 threads 13.6: scores 4.6 (1.85x), plan 0.37 (each"
                       " thread works it out), gathering 3.2 (1.62x), exact maxima 1.2 (1.6x), applying 3.5 (1.59x),"
                       " book-keeping 0.05-0.09, waits at four barriers 0.6 (1.58x a batch); per epoch a serial"
                       " shuffle of 0.23-0.25 ms and folds at stop points (0.48 ms on 1 thread, 0.30 on 2). The"
                       " update's phases read and write what the other core scored from or wrote a phase before (the"
                       " changed units' rows, their block maxima, the transposed copy, the other share's grouped"
                       " entries); without the writes to the transposed copy (a test of cost only) both thread counts"
                       " got faster and the ratio stayed. Steps taken: each mini-batch in one parallel region"
                       " (e4c85cd) and the batches between two stop points back to back in one (fadbbc2), every"
                       " thread grouping its own share's gate entries and working out the update's plan itself, the"
                       " threads' scratch 128 bytes apart (4-6% each on 2 threads); units go first to the thread that"
                       " applied them last (5-6%, 776b2b1); the library's own barrier (5498306: 0.06-0.07 us for 2"
                       " threads here where libgomp's takes 0.19, build/barrier_cost; in one process, the two in"
                       " turns: 2-thread epochs 3-5% faster and 1-thread ones 1.5%, as libgomp's barrier took 0.2 us"
                       " in a team of one too, so the speed-up only rose by about 2%: 1.60 to 1.63); each unit's"
                       " documents' word lists fetched at once before its gathering (1b081e1: 1 thread 5.5 -> 4.8"
                       " us, 2 threads 3.7 -> 3.1 a batch; the speed-up the same); the next batch's cost prefix in"
                       " slices, one a thread, with the scores (404eaa4: the first thread's book-keeping 0.34 -> 0.09"
                       " us and the other's wait for it 0.40 -> 0.14, 2.4% of a batch on 2 threads). Tried and"
                       " dropped: pinning threads; the scores handed out in chunks of 8 documents (4-5% slower); each"
                       " thread only its own units (slower); one barrier fewer (no faster); the first thread's"
                       " book-keeping before the update (slower: its units went to the other core); each thread's"
                       " maxima over its units in place of every unit's state after the gathering (the exact phase"
                       " 0.05-0.1 us shorter, a whole batch within the noise). In slow spells (a barrier 0.42-0.46 us instead of 0.19) 2-thread"
                       " epochs ran slower than 1-thread ones (0.64-0.90x; every phase about 2.5 times as long on each"
                       " thread) while two trainings side by side still did 1.72-1.85 times the work of one (timed"
                       " then by the region's wall clock) and"
                       " bench/ceiling.c's independent reads gained 1.93-2.04x (the runs of 2026-12-01 05:40): what"
                       " slows there is what the cores hand each other, not either core. Before f3bdc1b one short"
                       " measure read 1.51-1.94 between the epoch pairs, and this line called the speed-up"
                       " machine-bound from it, wrongly. Training times its team and keeps the faster"
                       " (soso_model_set_team_tuning); these figures are of fixed teams")

# The Hebbian goals are summed up over the runs since the fifteenth session's one-region
# mini-batches (the first logged run with them), the earlier apart.
HEBBIAN_SINCE = ("2026-11-30 20:52", "the one-region mini-batches of e4c85cd-3bed339",
                 "older code (since 18:26 the scores, gate and lazy update of c2ea78e-17aa030), in spells of"
                 " this machine as they came")


def ortho_share(x):
    """An orthogonalisation row's share of sgemm's rate: the median of its paired
    repetitions, with their range."""
    return "%.1f%% on %s (median of %d paired repetitions, %.1f-%.1f%%)" % (
        100 * x["of_sgemm"], threads_label(x["threads"]), x["reps"], 100 * x["of_sgemm_min"], 100 * x["of_sgemm_max"])


HOPFIELD_WHY = ("the two runs below 1.7 had a static split of the queries and vCPUs running at different speeds."
                " The queries are independent and go"
                " in chunks of 16 to whichever thread is free (since ee77637; a static split before), so where the"
                " vCPUs run at about the same speed 2 threads give close to 2x (1.79-2.13 in the kernels runs of"
                " 2026-11-30 at 01:29, 03:20, 05:18, 06:15, 07:08, 07:40 and 07:49), while where one runs faster than the other"
                " a 1-thread run gets the fast one and a 2-thread run adds only the slow one's share (1.51-1.54"
                " at 06:14 and 07:02, with the static split; a vCPU at half speed caps it at 1.5x)")


# The dense-kernel goal is summed up over the runs since each paired timing waits after
# the reference sgemm (whose spinning OpenBLAS thread took a core from the 2-thread
# timing before); the runs before, apart.
DENSE_SINCE = ("2026-12-01 03:05", "the paired timings wait 0.3 s after the reference sgemm",
               "timed right after it: since 2026-11-30 16:19 against OpenBLAS's AVX-512 sgemm, before against"
               " its Haswell one")


def ortho_why(k):
    """Where the dense-kernel goal falls short, with this run's figures (kernels rows k)."""
    sg, so1, so2 = k[("sgemm 2048", None)], k[(ORTHO_KEYS[0], 1)], k[(ORTHO_KEYS[0], 2)]
    figures = ("OpenBLAS alone on the same two shapes (one ssyrk, one sgemm with an inner dimension of the units,"
               " no copies) reaches %.0f%% of its square rate on 1 thread and %.0f%% on 2 at %d units (best means"
               " above), and SOSO's orthogonalisation takes %.2f and %.2f times its time" % (
                   100 * so1["blas_same_shapes_gflops"] / sg["gflops_1"], 100 * so2["blas_same_shapes_gflops"] / sg["gflops_n"],
                   so1["units"], 1 / so1["of_blas_same_shapes"], 1 / so2["of_blas_same_shapes"]))
    if "dense avx512" not in sg.get("build", ""):
        return ("this library runs OpenBLAS's kernels here (its build line says dense openblas: the CPU has no"
                " AVX-512F, or the build is not for x86-64), and OpenBLAS packs both operands of every call, which"
                " with an inner dimension of 26 leaves it well short of its rate: " + figures)
    return ("SOSO's own AVX-512 kernels run here (the build line says dense avx512), and the shares are read"
            " against sgemm with OpenBLAS's AVX-512 kernels. " + figures + ". Since 2026-12-01 03:05 each paired"
            " timing waits 0.3 s after the reference sgemm, whose OpenBLAS thread had spun on for about 0.1 s and"
            " taken a core from the 2-thread call timed right after it (26 units on 2 threads in normal spells: by"
            " hand 79.0% of sgemm's rate with the pause and 77.4% with OpenBLAS's threads sleeping at once; the"
            " runs of 02:27-03:00 read 66.0-70.9% before it, repetitions down to 55%, the logged ones since"
            " 68.8-72.3%: less gained there than by hand). By hand (a harness of soso__gram"
            " and soso__gemm_cols_inplace on 26 and 104 rows of 25,860 columns, 2026-11-30 16:00-16:50), on 1"
            " thread the Gram matrix ran at 165-195 GFLOP/s and the product at 185-235, a whole call at 77-85% of"
            " sgemm; on 2 threads, in this machine's normal spells (a barrier 0.19 us), 71-91% by hand and 65-75% at"
            " 26 units in the logged runs of 16:28-17:04. In its slow spells"
            " (a barrier 0.44 us or more, as at 16:19 and 16:50) 2-thread calls at 26 units fell to 52-54%, as"
            " Hebbian epochs fell below 1 thread's: what the two vCPUs then share (scattered reads gained only"
            " 1.6x) is what these passes over W (2.7 MB, more than a core's L2) need. And W's rows start on 64"
            " bytes only where the vocabulary is a multiple of 16 (and W itself on 64): with both, at 25,856 words,"
            " the Gram matrix ran 14% faster"
            " than at 25,860 (copying each chunk to aligned rows cost more than it saved at 26 rows)")


# The result sections each part writes.
PARTS = ["kernels", "hebbian", "topics", "encode", "memory", "growth", "stream"]
SECTIONS = {"hebbian": ["hebbian", "hebbian-paired", "hebbian-quality", "training-loops"],
            "growth": ["growth-docs", "growth-docs-memory", "growth-vocab", "growth-units"]}


class Bench:
    def __init__(self, args):
        self.a = args
        self.soso = args.soso
        self.out = args.out
        os.makedirs(self.out, exist_ok=True)
        self.rows = {}  # section -> list of dicts

    def add(self, section, row):
        self.rows.setdefault(section, []).append(row)
        print(json.dumps({"section": section, **row}), flush=True)

    # ---- data --------------------------------------------------------------------------

    def corpora(self):
        self.small = os.path.join(TOP, "data", "wn6-1k.tsv")
        if self.a.tiny:
            self.big = self.small
            return
        self.big = os.path.join(TOP, "build", "wn-nouns.tsv")
        if not os.path.exists(self.big):
            sh([sys.executable, os.path.join(TOP, "data", "make_wordnet_corpus.py"), "wn-nouns", "-o", self.big])

    def subset(self, n):
        path = os.path.join(self.out, "docs-%d.tsv" % n)
        if not os.path.exists(path):
            with open(self.big) as f, open(path, "w") as g:
                for i, line in enumerate(f):
                    if i >= n:
                        break
                    g.write(line)
        return path

    def synthetic(self, n):
        """n documents with wn-nouns' statistics: lengths and word frequencies resampled."""
        path = os.path.join(self.out, "synthetic-%d.tsv" % n)
        if os.path.exists(path):
            return path
        rng = random.Random(7)
        docs = [re.findall(r"[a-z]+", l.split("\t", 1)[-1].lower()) for l in open(self.big)]
        words = [w for d in docs for w in d]
        with open(path, "w") as g:
            for i in range(n):
                k = len(docs[rng.randrange(len(docs))])
                g.write("synthetic\t" + " ".join(words[rng.randrange(len(words))] for _ in range(k)) + "\n")
        return path

    # ---- parts -----------------------------------------------------------------------------

    def kernels(self):
        """The kernels against OpenBLAS's sgemm at its best on this CPU (blas_core_env: the
        dense goal is no goal against kernels that leave half the CPU unused); the rate of
        the core OpenBLAS picks by itself is kept beside it."""
        units = 26 if not self.a.tiny else 8
        ask = lambda mode: json.loads(sh([self.a.kernels, self.big, "--sgemm-only", mode]).stdout)  # noqa: E731
        env, own = blas_core_env(lambda: ask("2")["blas_core"], lambda: ask("1"))
        if own:
            self.add("kernels", own)
        r = sh([self.a.kernels, self.big, "--threads", "2", "--units", str(units)] +
               (["--docs", "300", "--reps", "3"] if self.a.tiny else []), env=env)
        for line in r.stdout.splitlines():
            self.add("kernels", json.loads(line))
        self.log_run("kernels")

    def soso_epochs(self, units, learner="hebbian", e=4):
        """Seconds of SOSO's epochs on wn-nouns (Hebbian's, or another learner's), in process
        as numpy's are (bench_kernels --epochs): E epochs on 2 threads and on 1, one at a
        time in turns after an untimed one each, so that each pair of epochs sees the same
        machine, each pair followed by two 1-thread trainings side by side. Returns each
        thread count's median epoch, the median of the pairs' ratios (speedup) and of the
        work two side by side did over one alone (side_by_side)."""
        e = 1 if self.a.tiny else e
        r = sh([self.a.kernels, self.big, "--threads", "2", "--units", str(units), "--epochs", str(e),
                "--learner", learner] + (["--docs", "300"] if self.a.tiny else []))
        secs, ceiling = {}, {}
        for line in r.stdout.splitlines():
            d = json.loads(line)
            if d["kernel"] == learner + " epochs":
                secs[d["threads"]] = d["seconds"]
            elif d["kernel"] == learner + " epochs side by side":
                secs["side"], sides = d["seconds"], d["threads"]
            elif d["kernel"] == "ceiling":
                ceiling = ceiling_of(d)
        return dict({2: statistics.median(secs[2]), 1: statistics.median(secs[1]),
                     "speedup": statistics.median(a / b for a, b in zip(secs[1], secs[2])),
                     "side_by_side": statistics.median(sides * a / c for a, c in zip(secs[1], secs["side"]))}, **ceiling)

    def hebbian(self):
        """SOSO against the numpy rule as ratios of neighbouring runs: each repetition times
        SOSO's epochs on 2 and 1 threads (soso_epochs) and then one epoch of the sparse
        numpy version, and the goals take the median of the repetitions' ratios (this
        machine's speed drifts by up to 2x within minutes, the peer's, bound by memory
        bandwidth, as much as SOSO's). The table gives each one's best."""
        units = 26 if not self.a.tiny else 6
        reps = 1 if self.a.tiny else 7
        if HAVE_NUMPY:
            import hebbian_numpy
            from corpus import binary_l2, read_corpus
            vocab = self.vocab_of(self.big)
            _, texts = read_corpus(self.big)
            X = binary_l2(texts, vocab)
        paired = []
        for _ in range(reps):
            rep = self.soso_epochs(units)
            if HAVE_NUMPY:
                times = []
                hebbian_numpy.train(X, units, epochs=1, dense=False, time_epochs=times)
                rep["numpy"] = times[0]
            paired.append(rep)
            self.add("hebbian-paired", dict({"soso_2": rep[2], "soso_1": rep[1], "speedup": rep["speedup"],
                                             "side_by_side": rep["side_by_side"], "numpy_sparse": rep.get("numpy")},
                                            **{key: rep[key] for key in CEILING_KEYS if key in rep}))
        self.log_run("hebbian")
        # The other training loops on 2 threads against 1, the same way (soft: its
        # defaults; osc: as `soso train` sets it up, on the expanded documents).
        for learner, e in (("soft", 5), ("osc", 2)):
            rep = self.soso_epochs(units, learner, e)
            self.add("training-loops", dict({"learner": learner, "units": units, "epochs": 1 if self.a.tiny else e,
                                             "soso_2": rep[2], "soso_1": rep[1], "speedup": rep["speedup"],
                                             "side_by_side": rep["side_by_side"]},
                                            **{key: rep[key] for key in CEILING_KEYS if key in rep}))
        for t in (2, 1):
            self.add("hebbian", {"impl": "soso", "units": units, "threads": t,
                                 "seconds_per_epoch": min(r[t] for r in paired)})
        if not HAVE_NUMPY:
            return
        self.add("hebbian", {"impl": "numpy sparse", "units": units, "seconds_per_epoch": min(r["numpy"] for r in paired)})
        times = []  # the dense version: the best of 2 epochs (its ratio is far from any goal)
        hebbian_numpy.train(X, units, epochs=1 if self.a.tiny else 2, dense=True, time_epochs=times)
        self.add("hebbian", {"impl": "numpy dense", "units": units, "seconds_per_epoch": min(times)})
        # Quality at equal epochs, on the small corpus (cheap for numpy too).
        from metrics import score
        labels, texts = read_corpus(self.small)
        vs = self.vocab_of(self.small)
        Xs = binary_l2(texts, vs)
        e = 200 if not self.a.tiny else 5
        model = os.path.join(self.out, "q.soso")
        for seed in range(1, 2 if self.a.tiny else 6):  # one seed's NMI swings by several hundredths
            sh([self.soso, "train", self.small, "-o", model, "--method", "hebbian", "--units", "6", "--epochs", str(e),
                "--seed", str(seed), "--quiet"])
            W = self.weights_of(model)
            self.add("hebbian-quality", {"impl": "soso", "corpus": "wn6-1k", "units": 6, "epochs": e, "seed": seed,
                                         "nmi": score(Xs, W, labels)["nmi"]})
            Wn = hebbian_numpy.train(Xs, 6, epochs=e, dense=False, seed=seed)
            self.add("hebbian-quality", {"impl": "numpy", "corpus": "wn6-1k", "units": 6, "epochs": e, "seed": seed,
                                         "nmi": score(Xs, Wn, labels)["nmi"]})

    def log_run(self, part):
        """Marks this run's goal measures of a part (hebbian, kernels) for the history,
        which write() appends to once every part has run (not for --tiny)."""
        if not self.a.tiny and self.a.history:
            self.goal_runs = getattr(self, "goal_runs", []) + [
                {"part": part, "when": time.strftime("%Y-%m-%d %H:%M"), "commit": git_commit(),
                 "load": round(self.load0, 2)}]

    def append_goal_runs(self):
        """Appends this run's goal measures to the history (--history): they drift from run
        to run with this machine, so RESULTS.md shows every run, not only the last."""
        runs = getattr(self, "goal_runs", [])
        if not runs:
            return
        measures = {"hebbian": lambda: dict(goal_measures(self.rows["hebbian-paired"]), **{
                        r["learner"] + "_speedup": r["speedup"] for r in self.rows.get("training-loops", [])}),
                    "kernels": lambda: kernel_goal_measures(self.rows["kernels"])}
        hist = self.history() + [dict(r, **measures[r["part"]]()) for r in runs]
        tmp = self.a.history + ".tmp"
        with open(tmp, "w") as f:
            json.dump(hist, f, indent=1)
        os.replace(tmp, self.a.history)
        self._history, self.goal_runs = hist, []

    def vocab_of(self, corpus):
        model = os.path.join(self.out, "v.soso")
        sh([self.soso, "train", corpus, "-o", model, "--method", "hebbian", "--units", "2", "--epochs", "1", "--quiet"])
        vt = os.path.join(self.out, "v.txt")
        sh([self.soso, "export", model, "--vocab", vt])
        return open(vt).read().split("\n")[:-1]

    def weights_of(self, model):
        import numpy as np
        npy = os.path.join(self.out, "w.npy")
        sh([self.soso, "export", model, "--npy", npy])
        return np.load(npy)

    def topics(self):
        if not HAVE_NUMPY:
            return
        import numpy as np
        from corpus import binary_l2, read_corpus
        from metrics import score
        from sklearn.cluster import KMeans
        from sklearn.decomposition import NMF, MiniBatchDictionaryLearning
        cases = [(self.small, "wn6-1k", 24)] if self.a.tiny else [(self.small, "wn6-1k", 6), (self.small, "wn6-1k", 24),
                                                                (self.big, "wn-nouns", 26), (self.big, "wn-nouns", 104)]
        for corpus, name, units in cases:
            labels, texts = read_corpus(corpus)
            vocab = self.vocab_of(corpus)
            X = binary_l2(texts, vocab)
            for method in ("osc", "soft", "hebbian"):
                model = os.path.join(self.out, "t.soso")
                extra = ["--epochs", "2"] if self.a.tiny else []
                secs, _, _ = timed([self.soso, "train", corpus, "-o", model, "--method", method, "--units", str(units),
                                    "--quiet"] + extra)
                s = score(X, self.weights_of(model), labels)
                self.add("topics", {"corpus": name, "units": units, "impl": "soso " + method, "fit_seconds": secs, **s})
            peers = {
                "NMF": lambda: NMF(units, init="nndsvda", max_iter=200, random_state=0).fit(X).components_,
                "KMeans": lambda: KMeans(units, n_init=1, random_state=0).fit(X).cluster_centers_,
            }
            # Dictionary learning needs dense input: only where it fits in memory.
            if X.shape[0] * X.shape[1] <= 5e7:
                peers["MiniBatchDictionaryLearning"] = lambda: MiniBatchDictionaryLearning(
                    units, batch_size=256, max_iter=10, random_state=0).fit(X.toarray().astype(np.float32)).components_
            for pname, fit in peers.items():
                t0 = time.perf_counter()
                W = np.asarray(fit())
                secs = time.perf_counter() - t0
                self.add("topics", {"corpus": name, "units": units, "impl": pname, "fit_seconds": secs,
                                    **score(X, W, labels)})

    def encode(self):
        k = [r for r in self.rows.get("kernels", []) if r.get("kernel") == "encode"]
        for r in k:
            self.add("encode", {"impl": "soso", "threads": r["threads"], "docs_per_second": r["docs_per_second"]})
        if not HAVE_NUMPY:
            return
        import numpy as np
        from corpus import binary_l2, read_corpus
        _, texts = read_corpus(self.big)
        X = binary_l2(texts, self.vocab_of(self.big)).astype(np.float32)
        W = np.random.default_rng(0).normal(size=(26 if not self.a.tiny else 8, X.shape[1])).astype(np.float32)
        t0 = time.perf_counter()
        _ = X @ W.T
        secs = time.perf_counter() - t0
        self.add("encode", {"impl": "scipy sparse", "docs_per_second": X.shape[0] / secs})
        n = min(X.shape[0], 5000)
        Xd = X[:n].toarray()
        t0 = time.perf_counter()
        _ = Xd @ W.T
        secs = time.perf_counter() - t0
        self.add("encode", {"impl": "numpy dense (excluding densifying)", "docs_per_second": n / secs})

    def memory(self):
        dump = os.path.join(self.out, "dump")
        q = "300" if self.a.tiny else "1000"
        r = sh([self.soso, "memory", "eval", self.big, "--queries", q, "--beta", "2.5", "--beta", "10", "--json",
                "--dump", dump])
        for line in r.stdout.splitlines():
            d = json.loads(line)
            self.add("memory", {"impl": "soso", **d})
        if not HAVE_NUMPY:
            return
        r = sh([sys.executable, os.path.join(HERE, "peers", "hopfield_numpy.py"), dump, "--beta", "2.5", "--beta", "10",
                "--dense-queries", "20" if self.a.tiny else "100"])
        for line in r.stdout.splitlines():
            self.add("memory", json.loads(line))

    def growth(self):
        sizes = [100, 300] if self.a.tiny else [10000, 20000, 41000, 82115]
        for n in sizes:
            path = self.subset(n)
            model = os.path.join(self.out, "g.soso")
            secs, rss, _ = timed([self.soso, "train", path, "-o", model, "--method", "hebbian", "--units", "26", "--epochs", "3", "--quiet"])
            self.add("growth-docs", {"documents": n, "train_seconds": secs, "peak_mib": rss})
            secs, rss, _ = timed([self.soso, "memory", "eval", path, "--queries", "1000", "--beta", "10"])
            self.add("growth-docs-memory", {"documents": n, "eval_seconds": secs, "peak_mib": rss})
        if not self.a.tiny:
            path = self.synthetic(1000000)
            model = os.path.join(self.out, "g.soso")
            secs, rss, _ = timed([self.soso, "train", path, "-o", model, "--method", "hebbian", "--units", "26", "--epochs", "3", "--quiet"])
            self.add("growth-docs", {"documents": 1000000, "train_seconds": secs, "peak_mib": rss, "synthetic": True})
        for vmax in ([50, 200] if self.a.tiny else [2000, 5000, 10000, 25880]):
            model = os.path.join(self.out, "g.soso")
            secs, rss, _ = timed([self.soso, "train", self.big, "-o", model, "--method", "hebbian", "--units", "26", "--epochs", "3", "--quiet",
                                  "--max-vocab", str(vmax)])
            self.add("growth-vocab", {"words": vmax, "train_seconds": secs, "peak_mib": rss})
        for units in ([4, 8] if self.a.tiny else [16, 32, 64, 128, 256]):
            model = os.path.join(self.out, "g.soso")
            secs, rss, _ = timed([self.soso, "train", self.big, "-o", model, "--method", "hebbian", "--units", str(units), "--epochs", "3",
                                  "--quiet"])
            self.add("growth-units", {"units": units, "train_seconds": secs, "peak_mib": rss})

    def stream(self):
        """Peak memory of training on copies of the bundled corpus, loaded and streamed."""
        for copies in ([1, 3] if self.a.tiny else [1, 10, 100, 1000]):
            path = os.path.join(self.out, "copies-%d.tsv" % copies)
            if not os.path.exists(path):
                text = open(self.small).read()
                with open(path, "w") as g:
                    for _ in range(copies):
                        g.write(text)
            model = os.path.join(self.out, "s.soso")
            base = [self.soso, "train", path, "-o", model, "--method", "hebbian", "--units", "26", "--epochs", "1", "--quiet"]
            secs, rss, _ = timed(base)
            secs_s, rss_s, _ = timed(base + ["--stream", "--piece", "1000"])
            rank = [self.soso, "rank", model, path, "a tree with green leaves", "--top", "10"]
            _, rss_r, _ = timed(rank)
            _, rss_rs, _ = timed(rank + ["--stream", "--piece", "1000"])
            self.add("stream", {"documents": 1000 * copies, "copies": copies, "mib": os.path.getsize(path) / 2**20,
                                "train_seconds": secs, "peak_mib": rss, "stream_seconds": secs_s, "stream_peak_mib": rss_s,
                                "rank_peak_mib": rss_r, "rank_stream_peak_mib": rss_rs})

    # ---- report ------------------------------------------------------------------------------

    def plot(self, name, rows, xkey, ykeys, title):
        """A log-log SVG line plot of rows[xkey] against each of ykeys."""
        pts = [(r[xkey], [r[k] for k in ykeys]) for r in rows if all(r.get(k, 0) and r[k] == r[k] for k in ykeys)]
        if len(pts) < 2:
            return None
        W, H, m = 560, 360, 60
        xs = [math.log10(p[0]) for p in pts]
        ys = [math.log10(v) for p in pts for v in p[1]]
        x0, x1 = min(xs), max(xs)
        y0, y1 = min(ys), max(ys)
        if y1 - y0 < 1e-9:
            y1 = y0 + 1
        if x1 - x0 < 1e-9:
            x1 = x0 + 1
        sx = lambda v: m + (math.log10(v) - x0) / (x1 - x0) * (W - 2 * m)
        sy = lambda v: H - m - (math.log10(v) - y0) / (y1 - y0) * (H - 2 * m)
        colours = ["#1f77b4", "#d62728", "#2ca02c"]
        out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">' % (W, H),
               '<rect width="100%" height="100%" fill="white"/>',
               '<text x="%d" y="20" font-size="13">%s</text>' % (m, title),
               '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (m, H - m, W - m, H - m),
               '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (m, m, m, H - m),
               '<text x="%d" y="%d">%s (log)</text>' % (W // 2 - 40, H - 20, xkey)]
        for k, key in enumerate(ykeys):
            path = " ".join("%s%.1f,%.1f" % ("M" if i == 0 else "L", sx(p[0]), sy(p[1][k])) for i, p in enumerate(pts))
            out.append('<path d="%s" fill="none" stroke="%s" stroke-width="2"/>' % (path, colours[k]))
            for p in pts:
                out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s=%g %s=%.3g</title></circle>' % (
                    sx(p[0]), sy(p[1][k]), colours[k], xkey, p[0], key, p[1][k]))
            out.append('<text x="%d" y="%d" fill="%s">%s (log)</text>' % (W - m - 150, m + 14 * k, colours[k], key))
        for p in pts:
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%g</text>' % (sx(p[0]), H - m + 14, p[0]))
        out.append("</svg>")
        path = os.path.join(self.a.plots, name + ".svg")
        with open(path, "w") as f:
            f.write("\n".join(out) + "\n")
        return os.path.relpath(path, os.path.dirname(self.a.results))

    def write(self):
        self.append_goal_runs()
        R = self.rows
        L = ["# SOSO benchmark results", "",
             "Machine: %d cores, %s. Made by `make bench` (all parts: `bench/.venv/bin/python bench/run_bench.py`); `--only PART`"
             " re-runs parts and keeps the others. Which run measured each part, and the load average at its start"
             " (idle check: under 0.5 means the machine was otherwise idle):" % (os.cpu_count(), cpu_model()), ""]
        L += ["- %s: %s, load %.2f (`%s`)" % (", ".join(r["parts"]), r["when"], r["load"], r["command"])
              for r in R.get("_runs", [])]
        L += [""]
        k = kernel_rows(R.get("kernels", []))
        sg = k.get(("sgemm 2048", None), {})
        L += ["## Kernels (bench/bench_kernels.c)", "",
              "OpenBLAS sgemm 2048^3: %.1f GFLOP/s on 1 thread, %.1f on 2%s.%s" % (
                  sg.get("gflops_1", 0), sg.get("gflops_n", 0), blas_core_text(k),
                  " The library: %s." % sg["build"] if sg.get("build") else ""), "",
              "| kernel | 1 thread | 2 threads | speed-up | efficiency |", "|---|---|---|---|---|"]
        for name, key in [("Hebbian mini-batch of 100, dense update (s)", "hebbian step, dense update"),
                          ("Hebbian epoch, lazy update (s)", "hebbian epoch"), ("encode every document (s)", "encode"),
                          ("symmetric orthogonalisation (s)", ORTHO_KEYS[0]),
                          ("symmetric orthogonalisation, 4x units (s)", ORTHO_KEYS[1])]:
            a, b = k.get((key, 1), {}), k.get((key, 2), {})
            if a and b:
                sa, sb = a["seconds"], b["seconds"]
                L.append("| %s | %.4g | %.4g | %.2f | %.0f%% |" % (name, sa, sb, sa / sb, 50 * sa / sb))
        sp = hopfield_speedup(k)
        if sp:
            a, b = k[("hopfield step", 1)], k[("hopfield step", 2)]
            L.append("| Hopfield one-step recall (queries/s, best of 5; speed-up: median of 5 pairs) | %.0f | %.0f |"
                     " %.2f | %.0f%% |" % (a["queries_per_second"], b["queries_per_second"], sp, 50 * sp))
        for key in ORTHO_KEYS:
            so1, so = k.get((key, 1), {}), k.get((key, 2), {})
            if so1 and so:
                L += ["", "Symmetric orthogonalisation of %d units (dense): %.1f GFLOP/s on 1 thread, %.1f on 2 (best"
                      " means); %s of sgemm's rate. Flops as done: the Gram matrix's upper triangle, units (units + 1) V,"
                      " and the product, 2 units^2 V." % (so.get("units", 0), so1["gflops"], so["gflops"], " and ".join(
                          ortho_share(x) for x in (so1, so)))]
                L[-1] += (" OpenBLAS alone on the same two shapes (one ssyrk of W, one sgemm adding a %d x %d matrix"
                          " times W onto another matrix, with its own threads), the same flops: %.1f GFLOP/s on 1"
                          " thread, %.1f on 2; SOSO's orthogonalisation takes %.2f and %.2f times its time (medians"
                          " of the paired repetitions)." % (
                              so["units"], so["units"], so1["blas_same_shapes_gflops"], so["blas_same_shapes_gflops"],
                              1 / so1["of_blas_same_shapes"], 1 / so["of_blas_same_shapes"]))
        c = ceiling_of(k.get(("ceiling", 2)))
        if c:
            L += ["", "The machine itself, measured before each Hopfield pair (bench/ceiling.c; medians of 5): 2 threads"
                  " did %.2f times the work of 1 on independent arithmetic in the L1 cache and %.2f times on reads"
                  " scattered over 32 MiB a thread, and an OpenMP barrier of 2 threads took %.2f us. A speed-up goal"
                  " is read against these: the first two cap it for work that shares nothing, the third is what"
                  " each hand-over between threads costs." % tuple(c[key] for key in CEILING_KEYS)]
        L += self.kernel_history_table()
        h = R.get("hebbian", [])
        if h:
            L += ["", "## Hebbian training per epoch (wn-nouns, same rule and hyper-parameters)", "",
                  "Each figure is the best of the repetitions below (numpy dense: of 2 epochs): this machine's speed"
                  " drifts by up to 2x within minutes.", "",
                  "| implementation | seconds per epoch | best / SOSO's best (2 threads; not paired: the goals use the"
                  " paired medians below) |", "|---|---|---|"]
            soso2 = next((r["seconds_per_epoch"] for r in h if r["impl"] == "soso" and r.get("threads") == 2), None)
            for r in h:
                name = r["impl"] + (" (%d threads)" % r["threads"] if "threads" in r else "")
                L.append("| %s | %.4g | %.1f |" % (name, r["seconds_per_epoch"], r["seconds_per_epoch"] / soso2))
            hp = R.get("hebbian-paired", [])
            if hp:
                L += ["", "Repetitions, each SOSO's epochs on 2 and 1 threads in turns (in process: `bench_kernels"
                      " --epochs 4`, medians of 4 epochs, after an untimed one) and then one epoch of numpy sparse"
                      " (seconds per epoch); the goals take the median of the repetitions' ratios:", "",
                      "| soso, 2 threads | soso, 1 thread | numpy sparse | numpy / soso (2 threads) | 1 / 2 threads"
                      " (median of the epoch pairs) | %s | %s |" % (SIDE_HEAD, CEILING_HEAD), "|---|---|---|---|---|---|---|"]
                for r in hp:
                    n = r.get("numpy_sparse")
                    L.append("| %s | %s | %s |" % (epoch_cells(r["soso_2"], r["soso_1"], n, n and n / r["soso_2"],
                                                                r["speedup"]), side_cell(r), ceiling_cell(r)))
        L += self.hebbian_history_table()
        tl = R.get("training-loops", [])
        if tl:
            L += ["", "The other training loops, timed the same way (in process, `bench_kernels --epochs E --learner"
                  " L`: E epochs on 2 and 1 threads in turns after an untimed one each, %d units; soft with its"
                  " defaults, osc as `soso train` sets it up, on the documents expanded by co-occurrence):" % tl[0]["units"],
                  "", "| learner | epochs | soso, 2 threads | soso, 1 thread | 1 / 2 threads (median of the epoch"
                  " pairs) | %s | %s |" % (SIDE_HEAD, CEILING_HEAD), "|---|---|---|---|---|---|---|"]
            L += ["| %s | %d | %.4g | %.4g | %.2f | %s | %s |" % (r["learner"], r["epochs"], r["soso_2"], r["soso_1"],
                                                                r["speedup"], side_cell(r), ceiling_cell(r)) for r in tl]
        hq = R.get("hebbian-quality", [])
        if hq:
            by = {}
            for r in hq:
                by.setdefault(r["impl"], []).append(r["nmi"])
            L += ["", "Quality at equal epochs (wn6-1k, 6 units, %d epochs), NMI over seeds %s: " % (
                hq[0]["epochs"], ", ".join(str(r.get("seed", 1)) for r in hq if r["impl"] == "soso")) + "; ".join(
                "%s mean %.3f (%s)" % (impl, statistics.mean(v), " ".join("%.3f" % x for x in v))
                for impl, v in by.items()) + "."]
        t = R.get("topics", [])
        if t:
            L += ["", "## Topics against scikit-learn (same documents, same number of units)", "",
                  "| corpus | units | method | NMI | ARI | purity | NPMI | mean abs cos | dead | fit s |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
            for r in t:
                L.append("| %s | %d | %s | %.3f | %.3f | %.3f | %.3f | %.3f | %d | %.2f |" % (
                    r["corpus"], r["units"], r["impl"], r["nmi"], r["ari"], r["purity"], r["npmi"], r["mean_abs_cos"],
                    r["dead"], r["fit_seconds"]))
            L += ["", "A SOSO fit is a whole `soso train` run with its defaults (reading the corpus included; osc's "
                  "also expands the documents by co-occurrence, to hundreds of words each, and starts from LSA: "
                  "README, 'Co-occurrence expansion'); the peers' fits start from the prepared matrix."]
        e = R.get("encode", [])
        if e:
            L += ["", "## Encoding (documents/s)", "", "| implementation | documents/s |", "|---|---|"]
            for r in e:
                L.append("| %s%s | %.0f |" % (r["impl"], " (%d threads)" % r["threads"] if "threads" in r else "",
                                              r["docs_per_second"]))
        mm = R.get("memory", [])
        if mm:
            L += ["", "## Associative memory (one step, the same masked queries)", "",
                  "| implementation | beta | queries | exact | queries/s |", "|---|---|---|---|---|"]
            for r in mm:
                qps = r.get("queriesPerSecond")
                L.append("| %s | %g | %d | %.3f | %.0f |" % (r["impl"], r["beta"], r["queries"], r["exact"], qps))
        for key, x, title in [("growth-docs", "documents", "training time and peak memory as documents grow"),
                              ("growth-vocab", "words", "training time and peak memory as the vocabulary grows"),
                              ("growth-units", "units", "training time and peak memory as units grow"),
                              ("growth-docs-memory", "documents", "memory build + 1,000 recalls as documents grow")]:
            g = R.get(key, [])
            if not g:
                continue
            ykey = "train_seconds" if "train_seconds" in g[0] else "eval_seconds"
            plot = self.plot(key, g, x, [ykey, "peak_mib"], title)
            L += ["", "## " + title[0].upper() + title[1:], "", "| %s | seconds | peak MiB |" % x, "|---|---|---|"]
            for r in g:
                L.append("| %s%s | %.2f | %.0f |" % (r[x], " (synthetic)" if r.get("synthetic") else "", r[ykey], r["peak_mib"]))
            if plot:
                L += ["", "![%s](%s)" % (title, plot)]
        st = R.get("stream", [])
        if st:
            plot = self.plot("stream", st, "documents", ["peak_mib", "stream_peak_mib"],
                             "peak memory of training: loaded vs streamed (--stream --piece 1000)")
            L += ["", "## Peak memory of training and ranking: corpus loaded against corpus streamed", "",
                  "Copies of data/wn6-1k.tsv: `soso train FILE --method hebbian --units 26 --epochs 1` and `soso rank MODEL FILE QUERY`,"
                  " each with and without `--stream --piece 1000`.", "",
                  "| documents | file MiB | train loaded: peak MiB | s | train streamed: peak MiB | s |"
                  " rank loaded: peak MiB | rank streamed: peak MiB |",
                  "|---|---|---|---|---|---|---|---|"]
            for r in st:
                L.append("| %d | %.1f | %.0f | %.2f | %.0f | %.2f | %.0f | %.0f |" % (
                    r["documents"], r["mib"], r["peak_mib"], r["train_seconds"], r["stream_peak_mib"],
                    r["stream_seconds"], r["rank_peak_mib"], r["rank_stream_peak_mib"]))
            if plot:
                L += ["", "![streamed memory](%s)" % plot]
        L += self.goals()
        L += scaling_report.lines(HERE)
        L += ["", "See also `bench/MEMORY.md` (the associative memory against numpy and scipy, by hand) and"
              " `bench/quality/STUDY.md` (topic quality: settings, splits, stacking)."]
        text = "\n".join(L) + "\n"
        with open(self.a.results, "w") as f:
            f.write(text)
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump(R, f, indent=1)

    def history(self):
        """The logged runs (none for --tiny, whose figures are no measure of anything),
        read once; append_goal_runs keeps it current."""
        if getattr(self, "_history", None) is None:
            self._history = []
            if not self.a.tiny and self.a.history and os.path.exists(self.a.history):
                text = open(self.a.history).read()
                self._history = json.loads(text) if text.strip() else []
        return self._history

    def hebbian_history_table(self):
        """The Hebbian goal measures of every logged run so far (bench/goal_runs.json)."""
        heb = [h for h in self.history() if h.get("part", "hebbian") == "hebbian" and h.get("soso_2")
               and h.get("soso_1") and h.get("speedup")]  # complete entries only
        if not heb:
            return []
        return ["", "The Hebbian goals run by run (every run of this part since SOSO's epochs are timed in process;"
                    " medians of each run's repetitions; commit + means uncommitted changes to the code)."
                    + CEILING_NOTE, "",
                "| when | commit | load | soso, 2 threads | soso, 1 thread | numpy sparse | numpy / soso (2 threads)"
                " | 1 / 2 threads | %s | %s |" % (SIDE_HEAD, CEILING_HEAD), "|---|---|---|---|---|---|---|---|---|---|"] + [
            "| %s | %s | %s | %s | %s | %s |" % (h.get("when", "-"), h.get("commit", "-"), cell_load(h), epoch_cells(
                h["soso_2"], h["soso_1"], h.get("numpy_sparse"), h.get("numpy_over_soso"), h["speedup"]),
                side_cell(h), ceiling_cell(h)) for h in heb]

    def kernel_history_table(self):
        """The kernel goal measures of every logged run so far (bench/goal_runs.json)."""
        ker = [h for h in self.history() if h.get("part") == "kernels" and h.get("hopfield_speedup")]
        if not ker:
            return []
        return ["", "The kernel goals run by run (every run of this part since its paired orthogonalisation"
                    " timings, 2026-11-30 06:16; the first two logged by hand from their output; the dense share with the"
                    " OpenBLAS kernels whose sgemm it is set against, Haswell's before 16:19). The 2-thread dense"
                    " shares before 2026-12-01 03:05 were timed right after the reference sgemm, whose OpenBLAS"
                    " thread spun on for about 0.1 s and took a core (26 units on 2 threads in normal spells:"
                    " 66.0-70.9% in the runs of 02:27-03:00 before the pause, 68.8-72.3% since; by hand 79.0% with it).", "",
                "| when | commit | load | Hopfield, 2 / 1 threads (median of 5 pairs) | dense, smallest share of"
                " sgemm | %s |" % CEILING_HEAD, "|---|---|---|---|---|---|"] + [
            "| %s | %s | %s | %.2f | %s | %s |" % (h.get("when", "-"), h.get("commit", "-"), cell_load(h),
                                                  h["hopfield_speedup"], "%.1f%% (%s)" % (
                                                      100 * h["dense_of_sgemm"], h.get("sgemm_core") or "Haswell")
                                                  if h.get("dense_of_sgemm") else "-", ceiling_cell(h)) for h in ker]

    def logged(self, key, since=None, before=False):
        """The history's values of key, sorted: all, or (since a (when, label) pair) those
        logged from that time on, or with before those logged earlier."""
        return sorted(h[key] for h in self.history()
                      if h.get(key) and (not since or (h["when"] < since[0]) == before))

    def across_runs(self, key, goal, percent=False, since=None, what=""):
        """ "; [what ]over the N runs so far: median M (A to B), met in K" for a key of the
        history; with since (when, label[, what the runs before were]), over the runs since
        a change of the code, and the earlier ones apart."""
        v = self.logged(key, since)
        f = (lambda x: "%.1f%%" % (100 * x)) if percent else (lambda x: "%.2f" % x)
        summary = lambda v: "median %s (%s to %s), met in %d" % (
            f(statistics.median(v)), f(v[0]), f(v[-1]), sum(x >= goal for x in v))
        if not since:
            return "; %sover the %d runs so far: %s" % (what and what + " ", len(v), summary(v)) if len(v) >= 2 else ""
        before = self.logged(key, since, before=True)
        if not v and not before:  # no history (--tiny, or --history ""): nothing to sum up
            return ""
        return "; %sover the %d run%s since %s: %s%s" % (
            what and what + " ", len(v), "" if len(v) == 1 else "s", since[1], summary(v) if v else "none",
            "; the %d before it%s: %s" % (len(before), " (%s)" % since[2] if len(since) > 2 else "", summary(before))
            if before else "")

    def verdict(self, part, met):
        """ "met" or "NOT met", and in which run: a partial run keeps other parts' rows."""
        return "%s in the %s run of %s" % ("met" if met else "NOT met", part, self.when_of(part))

    def always_met(self, key, this_run, goal, since=None):
        """Whether this run and every logged run (since a change, with since) reached the goal."""
        return this_run >= goal and all(x >= goal for x in self.logged(key, since))

    def goals(self):
        """The speed and quality goals of the project, met or not, from this run's rows."""
        R, out = self.rows, []
        hp = R.get("hebbian-paired", [])
        ratios = sorted(r["numpy_sparse"] / r["soso_2"] for r in hp if r.get("numpy_sparse"))
        if ratios:
            ratio = statistics.median(ratios)
            out.append("- Hebbian training at least 30 times faster per epoch than the faster numpy version (sparse):"
                       " %.1f times (median of %d paired repetitions, %.1f to %.1f), %s%s%s." % (
                           ratio, len(ratios), ratios[0], ratios[-1],
                           self.verdict("hebbian", ratio >= 30) + ("" if ratio >= 30 else
                                                                   " (short by a factor %.2f)" % (30 / ratio)),
                           self.across_runs("numpy_over_soso", 30, since=HEBBIAN_SINCE),
                           ". Why: " + HEBBIAN_WHY if not self.always_met("numpy_over_soso", ratio, 30, HEBBIAN_SINCE)
                           else ""))
        speedups = sorted(r["speedup"] for r in hp)
        if speedups:
            sp = statistics.median(speedups)
            out.append("- Two threads at least 1.7 times one thread, Hebbian training: %.2f (median of %d paired"
                       " repetitions, %.2f to %.2f; load average %.2f at the start%s%s), %s%s%s." % (
                           sp, len(speedups), speedups[0], speedups[-1], self.load_of("hebbian"),
                           ceiling_text(ceiling_median(hp)), side_clause(side_median(hp)),
                           self.verdict("hebbian", sp >= 1.7), self.across_runs("speedup", 1.7, since=HEBBIAN_SINCE),
                           ". Why: " + HEBBIAN_THREADS_WHY if not self.always_met("speedup", sp, 1.7, HEBBIAN_SINCE)
                           else ""))
        tl = R.get("training-loops", [])
        if tl:
            beside = ceiling_clause(ceiling_median(tl))
            out.append("- Two threads at least 1.7 times one thread, the other training loops: %s (medians of each"
                       " learner's epoch pairs%s%s), %s%s." % (
                           ", ".join("%s %.2f" % (r["learner"], r["speedup"]) for r in tl), beside and "; " + beside,
                           side_clause(", ".join("%s %.2f" % (r["learner"], r["side_by_side"]) for r in tl)
                                       if all(r.get("side_by_side") for r in tl) else None),
                           self.verdict("hebbian", all(r["speedup"] >= 1.7 for r in tl)),
                           "".join(self.across_runs(r["learner"] + "_speedup", 1.7, what=r["learner"]) for r in tl)))
        k = kernel_rows(R.get("kernels", []))
        sp = hopfield_speedup(k)
        if sp:
            b = k[("hopfield step", 2)]
            spread = " (median of 5 paired repetitions, %.2f to %.2f)" % (b["speedup_min"], b["speedup_max"]) \
                if "speedup_min" in b else ""
            out.append("- Two threads at least 1.7 times one thread, Hopfield retrieval: %.2f%s%s, %s%s%s." % (
                sp, spread, ceiling_text(ceiling_of(k.get(("ceiling", 2)))), self.verdict("kernels", sp >= 1.7),
                self.across_runs("hopfield_speedup", 1.7),
                ". Why: " + HOPFIELD_WHY if not self.always_met("hopfield_speedup", sp, 1.7) else ""))
        out += scaling_report.goal_lines(HERE)
        so = [k.get((key, t)) for key in ORTHO_KEYS for t in (1, 2)]
        if all(so):
            worst = min(x["of_sgemm"] for x in so)
            out.append("- Dense kernels at 70%% of sgemm's rate or more (symmetric orthogonalisation): %s, %s%s%s." % (
                ", ".join("%.1f%% (%d units, %s)" % (100 * x["of_sgemm"], x.get("units", 0), threads_label(x["threads"]))
                          for x in so),
                self.verdict("kernels", worst >= 0.7),
                self.across_runs("dense_of_sgemm", 0.7, percent=True, since=DENSE_SINCE),
                ". Why: " + ortho_why(k) if not self.always_met("dense_of_sgemm", worst, 0.7, DENSE_SINCE) else ""))
        st = R.get("stream", [])
        if len(st) >= 2:
            grow = st[-1]["stream_peak_mib"] / st[0]["stream_peak_mib"]
            out.append("- Memory bounded by the model when streamed: peak %.0f MiB for %d documents against %.0f MiB for"
                       " %d (x%.2f for x%d documents; loaded: %.0f MiB), %s." % (
                           st[-1]["stream_peak_mib"], st[-1]["documents"], st[0]["stream_peak_mib"], st[0]["documents"],
                           grow, st[-1]["documents"] // st[0]["documents"], st[-1]["peak_mib"],
                           "met" if grow < 1.2 else "NOT met"))
        # Topics (issue 9): SOSO's best learner with its defaults against NMF at equal units.
        t = R.get("topics", [])
        for corpus, units in sorted({(r["corpus"], r["units"]) for r in t}, key=lambda c: (c[0], c[1])):
            rows = [r for r in t if r["corpus"] == corpus and r["units"] == units]
            nmf = next((r for r in rows if r["impl"] == "NMF"), None)
            ours = [r for r in rows if r["impl"].startswith("soso")]
            if not nmf or not ours:
                continue
            best = max(ours, key=lambda r: r["nmi"])
            ratio = best["nmi"] / nmf["nmi"]
            met = ratio >= 1.25 and best["npmi"] >= nmf["npmi"] and best["dead"] == 0
            out.append("- Topics, %s at %d units: %s NMI %.3f = %.2f x NMF's %.3f, NPMI %.3f against %.3f, %d dead: %s." % (
                corpus, units, best["impl"], best["nmi"], ratio, nmf["nmi"], best["npmi"], nmf["npmi"], best["dead"],
                "met" if met else "NOT met"))
        return ["", "## Goals", ""] + out if out else []

    def run(self):
        self.load0 = loadavg()
        parts = [p for p in PARTS if not self.a.only or p in self.a.only]
        previous = os.path.join(self.out, "results.json")
        runs = []
        if self.a.only and os.path.exists(previous):
            # A partial run keeps the other parts' rows from the last run in RESULTS.md.
            kept = json.load(open(previous))
            rerun = {p for part in self.a.only for p in SECTIONS.get(part, [part])}
            self.rows = {k: v for k, v in kept.items() if k not in rerun}
            # ... and says when each kept part ran, under what load.
            for r in kept.get("_runs", []):
                left = [p for p in r["parts"] if p not in parts]
                if left:
                    runs.append(dict(r, parts=left))
        runs.append({"parts": parts, "when": time.strftime("%Y-%m-%d %H:%M"), "load": self.load0,
                     "command": self.command()})
        self.rows["_runs"] = runs
        self.corpora()
        for part in parts:
            getattr(self, part)()
        self.write()

    def command(self):
        py = os.path.relpath(sys.executable, TOP)
        return " ".join([py if not py.startswith("..") else "python3", "bench/run_bench.py"] + (["--tiny"] if self.a.tiny else [])
                        + [x for o in (self.a.only or []) for x in ("--only", o)])

    def run_of(self, part):
        """The run that measured `part` ({} if none is recorded)."""
        return next((r for r in self.rows.get("_runs", []) if part in r["parts"]), {})

    def when_of(self, part):
        """When the run that measured `part` started (its hour and minute)."""
        return self.run_of(part).get("when", "").split(" ")[-1] or "this run"

    def load_of(self, part):
        """The load average at the start of the run that measured `part`."""
        return self.run_of(part).get("load", self.load0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--soso", default=os.path.join(TOP, "build", "soso"))
    ap.add_argument("--kernels", default=os.path.join(TOP, "build", "bench_kernels"))
    ap.add_argument("--out", default=os.path.join(TOP, "build", "bench"))
    ap.add_argument("--results", default=os.path.join(TOP, "bench", "RESULTS.md"))
    ap.add_argument("--plots", default=os.path.join(TOP, "bench", "plots"))
    ap.add_argument("--only", action="append", help="run only these parts")
    ap.add_argument("--render", action="store_true", help="rewrite the results from the last run's, run nothing")
    ap.add_argument("--history", default=os.path.join(TOP, "bench", "goal_runs.json"),
                    help="the goal measures of every run of the hebbian and kernels parts but --tiny (appended"
                         " to; empty: none)")
    args = ap.parse_args()
    if args.render:
        b = Bench(args)
        b.rows, b.load0 = json.load(open(os.path.join(args.out, "results.json"))), float("nan")
        b.write()
        return
    if not HAVE_NUMPY and not args.tiny:  # a full run without its peers would drop their parts
        sys.exit("run_bench.py: the peers need numpy, scipy and scikit-learn, missing from %s: run `make bench`"
                 " or bench/.venv/bin/python bench/run_bench.py" % sys.executable)
    os.makedirs(args.plots, exist_ok=True)
    Bench(args).run()


if __name__ == "__main__":
    main()
