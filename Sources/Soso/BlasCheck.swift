// BlasCheck.swift - says when OpenBLAS runs kernels far below what the CPU can do: an
// OpenBLAS older than the CPU falls back to generic ones (on a 16-core Xeon, Debian 12's
// 0.3.21 gave sgemm 28 GFLOP/s a core against 149 with OPENBLAS_CORETYPE=SKYLAKEX), and
// an environment may pin its AVX2 kernels on a CPU with AVX-512 (on this project's AMD
// EPYC, Haswell's gave 128 GFLOP/s a core against SkylakeX's 245; bench/RESULTS.md).
// Nothing else would tell the user.
import Foundation

/// OpenBLAS cores whose kernels use SSE at most, those with AVX but not AVX2, and those
/// with AVX2 but not AVX-512.
private let sseCores: Set<String> = ["Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Core2", "Penryn",
                                     "Dunnington", "Nehalem", "Atom", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona",
                                     "Bobcat", "Nano"]
private let avxCores: Set<String> = ["Sandybridge", "Bulldozer"]
private let avx2Cores: Set<String> = ["Haswell", "Zen", "Piledriver", "Steamroller", "Excavator"]
/// What OpenBLAS's SkylakeX kernels need of the CPU.
private let skylakeXFlags: Set<String> = ["avx512f", "avx512bw", "avx512dq", "avx512vl"]

extension Soso {
    /// A warning when OpenBLAS runs kernels far below what the CPU can do: kernels without
    /// AVX2 on a CPU with AVX2 (per the flags of /proc/cpuinfo, and the core OpenBLAS chose:
    /// the word before MAX_THREADS in its configuration). Nil otherwise, or off Linux.
    public static func blasWarning(buildInfo: String = Soso.buildInfo, cpuFlags: Set<String>? = Soso.cpuFlags())
        -> String?
    {
        guard let core = blasCore(buildInfo), let flags = cpuFlags, flags.contains("avx2"),
              sseCores.contains(core) || avxCores.contains(core) else { return nil }
        return "warning: OpenBLAS runs its \(core) kernels on a CPU with AVX2 (it may be older than the CPU): "
            + "dense algebra can be several times slower than it should; set OPENBLAS_CORETYPE to the nearest "
            + "core it knows (e.g. Haswell, SkylakeX; see README)"
    }

    /// A milder note (for `soso info`): OpenBLAS runs AVX2 kernels on a CPU with AVX-512,
    /// about half the rate of its AVX-512 ones for the products that still go to it (osc's
    /// new atoms in steps of more than 7 a document, its Gram dot products, LSA's last two
    /// products, stacking; SOSO's own kernels do the orthogonalisation, scores, LSA's sparse
    /// products and osc's other products). Nil otherwise.
    public static func blasNote(buildInfo: String = Soso.buildInfo, cpuFlags: Set<String>? = Soso.cpuFlags(),
                                coreType: String? = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]) -> String?
    {
        guard let core = blasCore(buildInfo), let flags = cpuFlags, avx2Cores.contains(core),
              skylakeXFlags.isSubset(of: flags) else { return nil }
        let asked = coreType.flatMap { $0.isEmpty ? nil : $0 }
        let head = "note: OpenBLAS runs its \(core) kernels"
        let tail = " on a CPU with AVX-512: its float products may run at half the rate they could"
        if let asked, asked.lowercased() == core.lowercased() {
            return head + " (set by OPENBLAS_CORETYPE=\(asked))" + tail + "; OPENBLAS_CORETYPE=SkylakeX selects its "
                + "AVX-512 kernels"
        }
        if let asked {  // asked for another core: this OpenBLAS may have no AVX-512 kernels for the CPU
            return head + " although OPENBLAS_CORETYPE=\(asked)" + tail + "; this OpenBLAS may be older than the CPU"
        }
        return head + tail + "; OPENBLAS_CORETYPE=SkylakeX selects its AVX-512 kernels"
    }

    /// The core OpenBLAS runs, from the build line; nil where it does not say.
    static func blasCore(_ buildInfo: String) -> String? {
        let words = buildInfo.split(separator: " ").map(String.init)
        guard let i = words.firstIndex(where: { $0.hasPrefix("MAX_THREADS") }), i > 0 else { return nil }
        return words[i - 1]
    }

    /// The flags of the first CPU in /proc/cpuinfo; nil where there is none.
    public static func cpuFlags() -> Set<String>? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return nil
    }
}
