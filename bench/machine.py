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


def blas_core_env(core, probe):
    """The environment for a dense benchmark: OpenBLAS at its best on this CPU. Where the
    CPU has AVX-512F and OpenBLAS runs a core without it (as it picks it, or as
    OPENBLAS_CORETYPE in the environment sets it: this machine's sets Haswell, whose
    sgemm gives 120 GFLOP/s a core on its Zen 5 against 230 with SKYLAKEX), the returned
    environment sets OPENBLAS_CORETYPE=SKYLAKEX. core() names the core OpenBLAS runs as
    it is; probe() times it there and returns what it said (its row, with blas_core),
    only where it is replaced. Returns (env, that row with the environment's
    OPENBLAS_CORETYPE added, or None where nothing was changed)."""
    env = dict(os.environ)
    if "avx512f" not in (cpuinfo_field("flags") or "").split():
        return env, None
    if core().lower() in AVX512_CORES:
        return env, None
    said = probe()
    env["OPENBLAS_CORETYPE"] = "SKYLAKEX"
    return env, dict(said, env_coretype=os.environ.get("OPENBLAS_CORETYPE"))
