// BlasCheck.swift - says when OpenBLAS runs kernels far below what the CPU can do: an
// OpenBLAS older than the CPU falls back to generic ones (on a 16-core Xeon, Debian 12's
// 0.3.21 gave sgemm 28 GFLOP/s a core against 149 with OPENBLAS_CORETYPE=SKYLAKEX;
// bench/RESULTS.md), and nothing else would tell the user.
import Foundation
import Soso

/// OpenBLAS cores whose kernels use SSE at most, and those with AVX but not AVX2.
private let sseCores: Set<String> = ["Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Core2", "Penryn",
                                     "Dunnington", "Nehalem", "Atom", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona",
                                     "Bobcat", "Nano"]
private let avxCores: Set<String> = ["Sandybridge", "Bulldozer"]

/// A warning when the CPU has AVX2 (per /proc/cpuinfo) and OpenBLAS chose one of the cores
/// above (the word before MAX_THREADS in its configuration); nil otherwise or off Linux.
func blasWarning(buildInfo: String = Soso.buildInfo, cpuFlags: Set<String>? = cpuFlags()) -> String? {
    guard let flags = cpuFlags, flags.contains("avx2") else { return nil }
    let words = buildInfo.split(separator: " ").map(String.init)
    guard let i = words.firstIndex(where: { $0.hasPrefix("MAX_THREADS") }), i > 0 else { return nil }
    let core = words[i - 1]
    guard sseCores.contains(core) || avxCores.contains(core) else { return nil }
    return "warning: OpenBLAS runs its \(core) kernels on a CPU with AVX2 (it may be older than the CPU): dense "
        + "algebra can be several times slower than it should; set OPENBLAS_CORETYPE to the nearest core it knows "
        + "(e.g. Haswell, SkylakeX; see README)"
}

/// The flags of the first CPU in /proc/cpuinfo; nil where there is none.
func cpuFlags() -> Set<String>? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("flags") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
    return nil
}
