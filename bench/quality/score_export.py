#!/usr/bin/env python3
"""Scores a SOSO model exported with `soso export` the way DATA.md scores the peers, and
optionally runs the numpy reference rule on the same documents and vocabulary.

  soso export MODEL --npy W.npy --vocab vocab.txt
  python3 bench/quality/score_export.py W.npy vocab.txt CORPUS [--reference --units 6]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))

from corpus import binary_l2, load_npy_vocab, read_corpus  # noqa: E402
from metrics import score  # noqa: E402
import hebbian_numpy  # noqa: E402


def fmt(name, s, seconds=None):
    t = "" if seconds is None else "  fit %.2f s" % seconds
    return ("%-28s NMI %.3f  ARI %.3f  purity %.3f  NPMI %.3f  mean|cos| %.3f  dead %d%s"
            % (name, s["nmi"], s["ari"], s["purity"], s["npmi"], s["mean_abs_cos"], s["dead"], t))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("npy")
    ap.add_argument("vocab")
    ap.add_argument("corpus")
    ap.add_argument("--reference", action="store_true", help="also run the numpy reference rule")
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--seeds", type=int, default=1, help="reference runs with seeds 1..N")
    args = ap.parse_args()
    W, vocab = load_npy_vocab(args.npy, args.vocab)
    labels, texts = read_corpus(args.corpus)
    X = binary_l2(texts, vocab)
    print(fmt("soso (%d units)" % W.shape[0], score(X, W, labels)))
    if args.reference:
        for seed in range(1, args.seeds + 1):
            t0 = time.perf_counter()
            Wr = hebbian_numpy.train(X, W.shape[0], epochs=args.epochs, seed=seed, dense=False)
            print(fmt("numpy reference, seed %d" % seed, score(X, Wr, labels), time.perf_counter() - t0))


if __name__ == "__main__":
    main()
