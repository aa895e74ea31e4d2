// OSCConfiguration.swift - settings of the Orthogonal Sparse Coding learner.
import CSoso

/// Settings of Orthogonal Sparse Coding (Schuetze, Barth & Martinetz 2016): `units`
/// orthonormal atoms, each document coded by its `sparsity` strongest atoms.
public struct OSCConfiguration: Equatable, Sendable {
    /// How the atoms start.
    public enum Initialization: Sendable {
        /// The leading singular vectors of the training documents (latent semantic analysis).
        case lsa
        /// A random orthonormal basis.
        case random
    }

    /// Number of atoms (concepts), at most the vocabulary size.
    public var units: Int = 16
    /// Atoms that code a document (K); 1...min(units, 64).
    public var sparsity: Int = 4
    /// Learning rate at the start and at the end (decays exponentially per document), in (0, 1].
    public var epsInitial: Float = 0.1
    public var epsFinal: Float = 0.001
    /// Passes over the corpus.
    public var epochs: Int = 20
    /// Seeds the initialisation and the shuffling.
    public var seed: UInt64 = 1
    public var initialization: Initialization = .lsa
    /// Use the plain O(units² V) loop instead of the O(units V) default path (same result
    /// up to rounding; for checking).
    public var exact: Bool = false

    public init() {}

    func c(threads: Int) -> soso_osc_params {
        var p = soso_osc_params()
        soso_osc_params_default(&p)
        p.units = UInt32(clamping: units)
        p.sparsity = UInt32(clamping: sparsity)
        p.eps_i = epsInitial
        p.eps_f = epsFinal
        p.epochs = UInt32(clamping: epochs)
        p.seed = seed
        p.`init` = initialization == .lsa ? SOSO_INIT_LSA : SOSO_INIT_RANDOM
        p.exact = exact ? 1 : 0
        p.threads = Int32(clamping: threads)
        return p
    }

    init(_ p: soso_osc_params) {
        units = Int(p.units)
        sparsity = Int(p.sparsity)
        epsInitial = p.eps_i
        epsFinal = p.eps_f
        epochs = Int(p.epochs)
        seed = p.seed
        initialization = p.`init` == SOSO_INIT_LSA ? .lsa : .random
        exact = p.exact != 0
    }

    /// Nil when valid for a vocabulary of `vocabularySize` words, else the reason.
    public func problem(vocabularySize: Int) -> String? {
        if let why = uint32FieldProblem([("units", units, 1), ("sparsity", sparsity, 1), ("epochs", epochs, 1)]) { return why }
        var p = c(threads: 1)
        return soso_osc_params_check(&p, vocabularySize).map { String(cString: $0) }
    }
}
