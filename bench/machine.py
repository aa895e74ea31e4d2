"""What a benchmark records about the machine it ran on (run_bench.py and scaling.py)."""
import os


def loadavg():
    """The 1-minute load average: the idle check (under 0.5, nothing else was running)."""
    return os.getloadavg()[0]


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"
