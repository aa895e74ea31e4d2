// SoftConfiguration.swift - settings of the soft-competition learner.
import CSoso

/// Soft competition: a softmax gate over the top `k` units, a temperature annealed from
/// `temperatureInitial` to `temperatureFinal`, a mean-activation inhibitor, Oja updates.
public struct SoftConfiguration: Equatable, Sendable {
    /// How the units start.
    public enum Initialization: Sendable {
        /// Random distinct training documents (the default).
        case documents
        /// The leading singular vectors of the training documents.
        case lsa
        /// Random unit vectors.
        case random
    }

    public var units: Int = 16
    /// Units in the gate (the top k by score).
    public var k: Int = 4
    public var temperatureInitial: Float = 1
    public var temperatureFinal: Float = 0.05
    /// The temperature is multiplied by `gamma` every `annealEvery` documents (0: every epoch).
    public var gamma: Float = 0.7
    public var annealEvery: Int = 0
    /// Learning rate, decaying linearly to 0 over the epochs.
    public var eta: Float = 0.1
    /// Rate of the inhibitor's running mean; 0 turns the inhibitor off.
    public var inhibitorRate: Float = 0.01
    /// Strength of the penalty |W W^T - I|^2 (0: none).
    public var orthogonalityPenalty: Float = 0
    /// Symmetric orthogonalisation every N mini-batches (0: never).
    public var orthogonalizeEvery: Int = 0
    public var batchSize: Int = 100
    public var epochs: Int = 30
    public var seed: UInt64 = 1
    public var initialization: Initialization = .documents

    public init() {}

    func c(threads: Int) -> soso_soft_params {
        var p = soso_soft_params()
        soso_soft_params_default(&p)
        p.units = UInt32(clamping: units)
        p.k = UInt32(clamping: k)
        p.t_initial = temperatureInitial
        p.t_final = temperatureFinal
        p.gamma = gamma
        p.anneal_every = UInt32(clamping: annealEvery)
        p.eta = eta
        p.inhibitor_rate = inhibitorRate
        p.ortho_penalty = orthogonalityPenalty
        p.orthogonalize_every = UInt32(clamping: orthogonalizeEvery)
        p.batch = UInt32(clamping: batchSize)
        p.epochs = UInt32(clamping: epochs)
        p.seed = seed
        switch initialization {
        case .documents: p.`init` = SOSO_INIT_DOCUMENTS
        case .lsa: p.`init` = SOSO_INIT_LSA
        case .random: p.`init` = SOSO_INIT_RANDOM
        }
        p.threads = Int32(clamping: threads)
        return p
    }

    init(_ p: soso_soft_params) {
        units = Int(p.units)
        k = Int(p.k)
        temperatureInitial = p.t_initial
        temperatureFinal = p.t_final
        gamma = p.gamma
        annealEvery = Int(p.anneal_every)
        eta = p.eta
        inhibitorRate = p.inhibitor_rate
        orthogonalityPenalty = p.ortho_penalty
        orthogonalizeEvery = Int(p.orthogonalize_every)
        batchSize = Int(p.batch)
        epochs = Int(p.epochs)
        seed = p.seed
        initialization = p.`init` == SOSO_INIT_LSA ? .lsa : p.`init` == SOSO_INIT_RANDOM ? .random : .documents
    }

    /// Nil when valid for a vocabulary of `vocabularySize` words, else the reason.
    public func problem(vocabularySize: Int) -> String? {
        if let why = uint32FieldProblem([("units", units, 1), ("k", k, 1), ("batchSize", batchSize, 1), ("epochs", epochs, 1),
                                         ("annealEvery", annealEvery, 0), ("orthogonalizeEvery", orthogonalizeEvery, 0)]) {
            return why
        }
        var p = c(threads: 1)
        return soso_soft_params_check(&p, vocabularySize).map { String(cString: $0) }
    }
}
