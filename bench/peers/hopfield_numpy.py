#!/usr/bin/env python3
"""One-step modern Hopfield retrieval in numpy, as a peer of `soso memory eval`.

Reads a dump written by `soso memory eval --dump DIR` (the memory's patterns and the very
queries SOSO ran), and runs p = softmax(beta X q), q' = X^T p, completed = q' >= 0.5:
- dense: X as a dense float32 N x V array (the textbook implementation);
- sparse: X as a scipy CSR matrix;
- factored: scipy CSR with the zero-score memories folded into one shared weight (the
  same algebra as SOSO's first step, in numpy).
Prints one JSON object per (implementation, beta): exact recovery, mean Hamming distance,
queries and queries per second (recall only, not loading).

  hopfield_numpy.py DIR --beta 2.5 --beta 10 [--dense-queries 200]
"""
import argparse
import json
import time

import numpy as np
import scipy.sparse as sp


def load(dirname):
    with open(dirname + "/vocab.txt", encoding="utf-8") as f:
        V = sum(1 for _ in f)
    indptr, indices = [0], []
    with open(dirname + "/patterns.txt") as f:
        for line in f:
            ids = [int(t) for t in line.split()]
            indices.extend(ids)
            indptr.append(len(indices))
    N = len(indptr) - 1
    X = sp.csr_matrix((np.ones(len(indices), dtype=np.float32), np.array(indices), np.array(indptr)), shape=(N, V))
    queries = []
    with open(dirname + "/queries.txt") as f:
        for line in f:
            t = [int(x) for x in line.split()]
            queries.append((t[0], np.array(t[1:], dtype=np.int64)))
    return X, queries


def score(completed, X, mem):
    truth = set(X.indices[X.indptr[mem]:X.indptr[mem + 1]].tolist())
    ham = len(truth.symmetric_difference(completed))
    return ham == 0, ham


def run(name, recall, X, queries, beta, limit):
    qs = queries[:limit] if limit else queries
    exact = hamming = 0
    t0 = time.perf_counter()
    outs = [recall(q, beta) for _, q in qs]
    secs = time.perf_counter() - t0
    for (mem, _), out in zip(qs, outs):
        e, h = score(set(np.nonzero(out >= 0.5)[0].tolist()), X, mem)
        exact += e
        hamming += h
    n = len(qs)
    return {"impl": name, "beta": beta, "queries": n, "exact": exact / n, "meanHamming": hamming / n,
            "seconds": secs, "queriesPerSecond": n / secs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--beta", type=float, action="append")
    ap.add_argument("--dense-queries", type=int, default=200, help="queries for the (slow) dense version; 0 = all")
    ap.add_argument("--skip-dense", action="store_true")
    args = ap.parse_args()
    X, queries = load(args.dir)
    N, V = X.shape
    XT = X.T.tocsr()

    def sparse_recall(q, beta):
        s = np.asarray(XT[q].sum(axis=0)).ravel() * beta  # rows of X^T: the query words' postings
        p = np.exp(s - s.max())
        p /= p.sum()
        return XT @ p

    colsum = np.asarray(X.sum(axis=0)).ravel()

    def factored_recall(q, beta):
        post = np.concatenate([XT.indices[XT.indptr[j]:XT.indptr[j + 1]] for j in q]) if len(q) else np.zeros(0, int)
        touched, counts = np.unique(post, return_counts=True)
        smax = counts.max() if len(counts) else 0
        w = np.exp(beta * (counts - smax))
        w0 = np.exp(-beta * smax)
        z = w.sum() + (N - len(touched)) * w0
        p, p0 = w / z, w0 / z
        return X[touched].T @ (p - p0) + p0 * colsum

    for beta in args.beta or [2.5, 10.0]:
        print(json.dumps(run("scipy-sparse", sparse_recall, X, queries, beta, 0)), flush=True)
        print(json.dumps(run("numpy-factored", factored_recall, X, queries, beta, 0)), flush=True)
    if args.skip_dense:
        return
    Xd = X.toarray()  # N x V float32

    def dense_recall(q, beta):
        qv = np.zeros(V, dtype=np.float32)
        qv[q] = 1.0
        s = (Xd @ qv) * beta
        p = np.exp(s - s.max())
        p /= p.sum()
        return Xd.T @ p

    for beta in args.beta or [2.5, 10.0]:
        print(json.dumps(run("numpy-dense", dense_recall, X, queries, beta, args.dense_queries)), flush=True)


if __name__ == "__main__":
    main()
