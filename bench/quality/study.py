#!/usr/bin/env python3
"""Why each learner falls short on short texts: trains SOSO with one setting changed at a
time and scores every model the peers' way (bench/peers/metrics.py: argmax of X Wn^T, NPMI
of the top-10 words), next to scikit-learn NMF and KMeans on the same documents and
vocabulary. Prints a markdown table (mean over seeds).

  python3 bench/quality/study.py CORPUS --units 6 --units 24 --seeds 3 [--only osc] > table.md
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(HERE, "..", "peers"))

from corpus import binary_l2, load_npy_vocab, read_corpus  # noqa: E402
from metrics import score  # noqa: E402

# (learner, what changes, extra options): one factor at a time from each learner's defaults.
SETTINGS = [
    ("osc", "former defaults (binary L2, sparsity 4, 20 epochs, LSA start)", []),
    ("osc", "input: IDF weights (the defaults now)", ["--idf"]),
    ("osc", "input: not normalised", ["--no-normalize"]),
    ("osc", "input: IDF, not normalised", ["--idf", "--no-normalize"]),
    ("osc", "input: IDF; eps 0.3 -> 0.001", ["--idf", "--eps-initial", "0.3"]),
    ("osc", "input: IDF; sparsity 2", ["--idf", "--sparsity", "2"]),
    ("osc", "start: random orthonormal", ["--init", "random"]),
    ("osc", "sparsity 1", ["--sparsity", "1"]),
    ("osc", "sparsity 2", ["--sparsity", "2"]),
    ("osc", "sparsity 8", ["--sparsity", "8"]),
    ("osc", "5 epochs", ["--epochs", "5"]),
    ("osc", "60 epochs", ["--epochs", "60"]),
    ("osc", "eps 0.3 -> 0.001", ["--eps-initial", "0.3"]),
    ("osc", "eps 0.03 -> 0.001", ["--eps-initial", "0.03"]),
    ("soft", "defaults (gate 4, T 1 -> 0.05, inhibitor 0.01, 30 epochs, start: documents)", []),
    ("soft", "input: IDF weights", ["--idf"]),
    ("soft", "start: LSA", ["--init", "lsa"]),
    ("soft", "start: LSA; T final 0.01; 90 epochs", ["--init", "lsa", "--t-final", "0.01", "--epochs", "90"]),
    ("soft", "start: random", ["--init", "random"]),
    ("soft", "gate 1 (hard winner)", ["--gate", "1"]),
    ("soft", "gate 2", ["--gate", "2"]),
    ("soft", "inhibitor off", ["--inhibitor", "0"]),
    ("soft", "inhibitor 0.05", ["--inhibitor", "0.05"]),
    ("soft", "T final 0.01", ["--t-final", "0.01"]),
    ("soft", "orthogonality penalty 0.1", ["--ortho-penalty", "0.1"]),
    ("soft", "batch 20", ["--batch", "20"]),
    ("soft", "10 epochs", ["--epochs", "10"]),
    ("soft", "90 epochs", ["--epochs", "90"]),
    ("hebbian", "defaults (p 2, k 2, delta 0.4, eps0 0.02, 200 epochs)", []),
    ("hebbian", "input: IDF weights", ["--idf"]),
    ("hebbian", "k 1 (no anti-Hebbian push)", ["--k", "1"]),
    ("hebbian", "delta 0.1", ["--delta", "0.1"]),
    ("hebbian", "p 3", ["--p", "3"]),
    ("hebbian", "k 1; orthogonalise every 50 batches", ["--k", "1", "--orthogonalize", "50"]),
    ("hebbian", "50 epochs", ["--epochs", "50"]),
    ("hebbian", "orthogonalise every 50 batches", ["--orthogonalize", "50"]),
]


def soso_scores(soso, corpus, units, seed, method, extra, tmp, X_cache):
    model = os.path.join(tmp, "m.soso")
    if method == "osc" and "--idf" not in extra:
        extra = extra + ["--no-idf"]  # each row states its input weighting (osc defaults to IDF)
    t0 = time.perf_counter()
    subprocess.run([soso, "train", corpus, "-o", model, "--method", method, "--units", str(units), "--seed", str(seed),
                    "--quiet"] + extra, check=True)
    secs = time.perf_counter() - t0
    npy, vt = os.path.join(tmp, "w.npy"), os.path.join(tmp, "v.txt")
    subprocess.run([soso, "export", model, "--npy", npy, "--vocab", vt], check=True)
    W, vocab = load_npy_vocab(npy, vt)
    key = tuple(vocab)
    if key not in X_cache:
        labels, texts = read_corpus(corpus)
        X_cache[key] = (binary_l2(texts, vocab), labels)
    X, labels = X_cache[key]
    s = score(X, W, labels)
    s["seconds"] = secs
    return s


def peer_scores(corpus, units, seed, name, X_cache, soso, tmp):
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.decomposition import NMF
    # The vocabulary SOSO uses with its defaults, so every row scores the same documents.
    model = os.path.join(tmp, "v.soso")
    subprocess.run([soso, "train", corpus, "-o", model, "--method", "hebbian", "--units", "2", "--epochs", "1", "--quiet"],
                   check=True)
    vt = os.path.join(tmp, "v.txt")
    subprocess.run([soso, "export", model, "--vocab", vt], check=True)
    vocab = open(vt).read().split("\n")[:-1]
    labels, texts = read_corpus(corpus)
    X = binary_l2(texts, vocab)
    t0 = time.perf_counter()
    if name == "NMF":
        W = NMF(units, init="nndsvda", max_iter=200, random_state=seed).fit(X).components_
    else:
        W = KMeans(units, n_init=1, random_state=seed).fit(X).cluster_centers_
    s = score(X, np.asarray(W), labels)
    s["seconds"] = time.perf_counter() - t0
    return s


def mean(rows, key):
    return statistics.mean(r[key] for r in rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--units", type=int, action="append")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--only", action="append", help="learners to study (default: all)")
    ap.add_argument("--soso", default=os.path.join(TOP, "build", "soso"))
    args = ap.parse_args()
    name = os.path.basename(args.corpus)
    print("| corpus | units | learner | setting | NMI | NPMI | dead | mean abs cos | train s |")
    print("|---|---|---|---|---|---|---|---|---|")
    X_cache = {}
    with tempfile.TemporaryDirectory() as tmp:
        for units in args.units or [6]:
            for peer in ("NMF", "KMeans"):
                rows = [peer_scores(args.corpus, units, s - 1, peer, X_cache, args.soso, tmp)
                        for s in range(1, args.seeds + 1)]
                print("| %s | %d | %s | scikit-learn | %.3f | %.3f | %.1f | %.3f | %.2f |" % (
                    name, units, peer, mean(rows, "nmi"), mean(rows, "npmi"), mean(rows, "dead"),
                    mean(rows, "mean_abs_cos"), mean(rows, "seconds")), flush=True)
            for method, what, extra in SETTINGS:
                if args.only and method not in args.only:
                    continue
                k = next((int(extra[i + 1]) for i, o in enumerate(extra) if o in ("--sparsity", "--gate")), 0)
                if k >= units:
                    continue
                rows = [soso_scores(args.soso, args.corpus, units, s, method, extra, tmp, X_cache)
                        for s in range(1, args.seeds + 1)]
                print("| %s | %d | %s | %s | %.3f | %.3f | %.1f | %.3f | %.2f |" % (
                    name, units, method, what, mean(rows, "nmi"), mean(rows, "npmi"), mean(rows, "dead"),
                    mean(rows, "mean_abs_cos"), mean(rows, "seconds")), flush=True)


if __name__ == "__main__":
    main()
