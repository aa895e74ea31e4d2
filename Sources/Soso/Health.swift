// Health.swift - the health report of a model: does every unit work?
import CSoso

/// A model's health on some documents. The winner of a document is its cluster (argmax
/// code); documents without a known word have none.
public struct Health: Sendable {
    /// A failure that training can reach while its numbers look fine.
    public enum Warning: CaseIterable, Sendable {
        case collapse, uniformGate, deadUnits, duplicates

        var flag: UInt32 {
            switch self {
            case .collapse: return SOSO_HEALTH_COLLAPSE
            case .uniformGate: return SOSO_HEALTH_UNIFORM_GATE
            case .deadUnits: return SOSO_HEALTH_DEAD_UNITS
            case .duplicates: return SOSO_HEALTH_DUPLICATES
            }
        }

        /// The warning in plain words, with what to do about it.
        public var message: String { String(cString: soso_health_warning(flag)) }
    }

    /// Documents each unit wins.
    public var wins: [Int]
    public var documents: Int
    public var deadUnits: Int
    /// exp(entropy of the win shares): how many units really share the documents.
    public var effectiveUnits: Double
    /// Share of the documents won by the strongest unit.
    public var topShare: Double
    /// Soft models: the gate's mean entropy (nats) at inference and its maximum log k.
    public var gateEntropy: Double?
    public var gateEntropyMax: Double?
    /// Mean and largest |cos| between distinct units.
    public var meanAbsCos: Double
    public var maxAbsCos: Double
    public var warnings: [Warning]

    /// True when no warning fired.
    public var isHealthy: Bool { warnings.isEmpty }
}

extension Model {
    /// The health report on `documents`.
    public func health(_ documents: Documents, threads: Int = 1) throws -> Health {
        var wins = [UInt64](repeating: 0, count: units)
        var h = soso_health()
        try check(soso_model_health(handle, documents.handle, Int32(clamping: threads), &wins, &h))
        return Health(wins: wins.map { Int($0) }, documents: Int(h.documents), deadUnits: Int(h.dead_units),
                      effectiveUnits: h.effective_units, topShare: h.top_share,
                      gateEntropy: h.gate_entropy >= 0 ? h.gate_entropy : nil,
                      gateEntropyMax: h.gate_entropy_max >= 0 ? h.gate_entropy_max : nil,
                      meanAbsCos: h.mean_abs_cos, maxAbsCos: h.max_abs_cos,
                      warnings: Health.Warning.allCases.filter { h.warnings & $0.flag != 0 })
    }
}

/// Numerically stable softmax, log-softmax and logsumexp with an inverse temperature beta.
public enum Softmax {
    /// softmax(beta x); -infinity entries get weight 0.
    /// - Throws: `.numeric` for NaN, +infinity or all -infinity scores.
    public static func softmax(_ x: [Float], beta: Float = 1) throws -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        try check(soso_softmax(x, x.count, beta, &out))
        return out
    }

    public static func logSoftmax(_ x: [Float], beta: Float = 1) throws -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        try check(soso_log_softmax(x, x.count, beta, &out))
        return out
    }

    public static func logSumExp(_ x: [Float], beta: Float = 1) throws -> Double {
        var out = 0.0
        try check(soso_logsumexp(x, x.count, beta, &out))
        return out
    }

    /// All but the k largest scores set to -infinity.
    public static func topK(_ x: [Float], _ k: Int) throws -> [Float] {
        var out = x
        try check(soso_topk_scores(&out, out.count, max(0, k)))
        return out
    }
}
