"""What a benchmark records about the machine it ran on (run_bench.py and scaling.py)."""
import os


def loadavg():
    """The 1-minute load average: the idle check (under 0.5, nothing else was running)."""
    return os.getloadavg()[0]


def cpuinfo_field(name):
    """The first CPU's field of /proc/cpuinfo, or None."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.split(":", 1)[0].strip() == name:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_model():
    return cpuinfo_field("model name") or "unknown CPU"


# OpenBLAS's cores (openblas_get_corename) whose sgemm uses AVX-512.
AVX512_CORES = {"skylakex", "cooperlake", "sapphirerapids"}


def blas_core_env(probe):
    """The environment for a dense benchmark: OpenBLAS at its best on this CPU. Where the
    CPU has AVX-512F, OPENBLAS_CORETYPE is unset and OpenBLAS by itself picks a core
    without it (Debian 12's 0.3.21 picks Haswell on AMD's Zen 5: sgemm 120 GFLOP/s a core
    against 230 with SKYLAKEX), OPENBLAS_CORETYPE=SKYLAKEX. probe() runs OpenBLAS as it
    is and returns the core it chose. Returns (env, what probe said, or None)."""
    env = dict(os.environ)
    if "avx512f" not in (cpuinfo_field("flags") or "").split() or "OPENBLAS_CORETYPE" in env:
        return env, None
    said = probe()
    if said["blas_core"].lower() not in AVX512_CORES:
        env["OPENBLAS_CORETYPE"] = "SKYLAKEX"
    return env, said
