"""Thread scaling on a machine with more cores than the two `make bench` is run on here.

    python3 bench/scaling.py [--kernels build/bench_kernels] [--corpus build/wn-nouns.tsv]
        [--threads 2,4,8,16] [--soft-threads T,...] [--osc-threads 4,16] [--vocab VOCAB] [--commit C]
        [-o build/scaling.json]

For each thread count T, bench_kernels times the kernels (1 thread and T), Hebbian
epochs (T and 1 in turns), for --soft-threads (default: --threads) soft competition's
epochs with its defaults, and for --osc-threads osc epochs as `soso train` sets them
up; the load average before each run is kept (the idle check). With --vocab (the words of
`soso export --vocab` for the corpus) and numpy and scipy at hand, the sparse numpy
version of the Hebbian rule runs two epochs with its BLAS on all cores, the peer of the
30x goal. Writes one JSON file; the one at bench/scaling.json is what run_bench.py renders
into RESULTS.md's section on larger machines (with bench/scaling_notes.md). Nothing here needs anything but python3 and the bench_kernels binary.
"""
import argparse
import json
import os
import subprocess
import sys
import time

from machine import cpu_model, loadavg

HERE = os.path.dirname(os.path.abspath(__file__))


def kernels_run(a, part, threads, extra):
    load = round(loadavg(), 2)
    t0 = time.time()
    out = subprocess.run([a.kernels, a.corpus, "--threads", str(threads), "--units", "26"] + extra +
                         (["--docs", str(a.docs)] if a.docs else []),
                         check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    run = {"part": part, "threads": threads, "load": load, "wall_seconds": round(time.time() - t0, 2), "rows": rows}
    print(json.dumps({"part": part, "threads": threads, "load": load, "wall_seconds": run["wall_seconds"]}),
          file=sys.stderr, flush=True)
    return run


def numpy_peer(a):
    """Two epochs of the sparse numpy rule (26 units), BLAS threads as numpy finds them."""
    try:
        sys.path.insert(0, os.path.join(HERE, "peers"))
        import hebbian_numpy
        from corpus import binary_l2, read_corpus
    except ImportError as e:
        return {"skipped": str(e)}
    blas = None
    try:
        from threadpoolctl import threadpool_info
        blas = [{k: p.get(k) for k in ("internal_api", "num_threads", "version")} for p in threadpool_info()]
    except ImportError:
        pass
    vocab = open(a.vocab, encoding="utf-8").read().split("\n")[:-1]
    _, texts = read_corpus(a.corpus)
    if a.docs:
        texts = texts[:a.docs]
    X = binary_l2(texts, vocab)
    times = []
    load = round(loadavg(), 2)
    hebbian_numpy.train(X, 26, epochs=2, dense=False, time_epochs=times)
    return {"impl": "numpy sparse", "units": 26, "load": load, "seconds": times, "blas": blas}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    top = os.path.dirname(HERE)
    ap.add_argument("--kernels", default=os.path.join(top, "build", "bench_kernels"))
    ap.add_argument("--corpus", default=os.path.join(top, "build", "wn-nouns.tsv"))
    ap.add_argument("--threads", default="2,4,8,16")
    ap.add_argument("--soft-threads", help="thread counts for soft's epochs (default: --threads)")
    ap.add_argument("--osc-threads", default="4,16")
    ap.add_argument("--docs", type=int, default=0, help="keep the corpus's first D documents (tests)")
    ap.add_argument("--vocab", help="the corpus's vocabulary, one word a line, for the numpy peer")
    ap.add_argument("--commit", default="", help="the commit measured, for the record")
    # Not bench/scaling.json by default: that is the record RESULTS.md renders (pass it to replace it).
    ap.add_argument("-o", "--output", default=os.path.join(top, "build", "scaling.json"))
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",") if t]
    osc_threads = [int(t) for t in a.osc_threads.split(",") if t]
    soft_threads = [int(t) for t in (a.soft_threads if a.soft_threads is not None else a.threads).split(",") if t]
    res = {"when": time.strftime("%Y-%m-%d %H:%M"), "cpu": cpu_model(), "cores": os.cpu_count(),
           "load_start": round(loadavg(), 2), "commit": a.commit, "corpus": os.path.basename(a.corpus),
           "command": " ".join(["python3", "bench/scaling.py"] + sys.argv[1:]), "runs": []}
    for t in threads:
        res["runs"].append(kernels_run(a, "kernels", t, ["--reps", "3"]))
    for t in threads:
        res["runs"].append(kernels_run(a, "hebbian", t, ["--epochs", "4"]))
    for t in soft_threads:
        res["runs"].append(kernels_run(a, "soft", t, ["--epochs", "4", "--learner", "soft"]))
    for t in osc_threads:
        res["runs"].append(kernels_run(a, "osc", t, ["--epochs", "1", "--learner", "osc"]))
    if a.vocab:
        res["numpy"] = numpy_peer(a)
    tmp = a.output + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    os.replace(tmp, a.output)


if __name__ == "__main__":
    main()
