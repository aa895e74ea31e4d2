// HebbianConfiguration.swift - settings of the competing-hidden-units learner.
import CSoso

/// Settings of the competing-hidden-units learner (Krotov & Hopfield 2019). Defaults are
/// the reference values of ALGORITHMS.md section 1.
public struct HebbianConfiguration: Equatable, Sendable {
    /// Number of units (concepts).
    public var units: Int = 16
    /// Lebesgue exponent p >= 1; 2 gives codes a = W x.
    public var p: Float = 2
    /// Rank of the unit pushed away (1 <= k <= min(units, 64)); 1 disables the push.
    public var k: Int = 2
    /// Strength of the push on the rank-k unit.
    public var delta: Float = 0.4
    /// Initial learning rate, annealed linearly to 0 over the epochs.
    public var eps0: Float = 0.02
    /// Documents per mini-batch.
    public var batchSize: Int = 100
    /// Passes over the corpus.
    public var epochs: Int = 200
    /// Floor of the update's normaliser.
    public var precision: Float = 1e-30
    /// Seeds the initial weights and the shuffling.
    public var seed: UInt64 = 1
    /// Symmetric orthogonalisation of the weights every this many mini-batches and at the
    /// end (needs units <= vocabulary size); 0 never.
    public var orthogonalizeEvery: Int = 0

    public init() {}

    func c(threads: Int) -> soso_hebbian_params {
        var p = soso_hebbian_params()
        soso_hebbian_params_default(&p)
        p.units = UInt32(clamping: units)
        p.p = self.p
        p.k = UInt32(clamping: k)
        p.delta = delta
        p.eps0 = eps0
        p.batch = UInt32(clamping: batchSize)
        p.epochs = UInt32(clamping: epochs)
        p.prec = precision
        p.seed = seed
        p.threads = Int32(clamping: threads)
        p.orthogonalize_every = UInt32(clamping: orthogonalizeEvery)
        return p
    }

    init(_ p: soso_hebbian_params) {
        units = Int(p.units)
        self.p = p.p
        k = Int(p.k)
        delta = p.delta
        eps0 = p.eps0
        batchSize = Int(p.batch)
        epochs = Int(p.epochs)
        precision = p.prec
        seed = p.seed
        orthogonalizeEvery = Int(p.orthogonalize_every)
    }

    /// Nil when valid for a vocabulary of `vocabularySize` words, else the reason.
    public func problem(vocabularySize: Int) -> String? {
        if let why = uint32FieldProblem([("units", units, 1), ("k", k, 1), ("batchSize", batchSize, 1),
                                         ("epochs", epochs, 1), ("orthogonalizeEvery", orthogonalizeEvery, 0)]) { return why }
        var p = c(threads: 1)
        return soso_hebbian_params_check(&p, vocabularySize).map { String(cString: $0) }
    }
}

/// A snapshot of a running training, passed to a progress handler.
public struct TrainingProgress: Sendable {
    /// Epochs completed, of `epochs`.
    public var epoch: Int
    public var epochs: Int
    /// Documents processed in this run, of `documentsTotal`.
    public var documentsDone: Int
    public var documentsTotal: Int
    /// Seconds since this run started.
    public var seconds: Double
    /// Threads that took part in the last parallel step.
    public var threadsUsed: Int
    /// exp(entropy of the units' win shares) in the running epoch: near the number of
    /// units when all share the documents, near 1 when one unit takes everything.
    public var effectiveUnits: Double
    /// The soft gate's temperature (nil for other learners).
    public var temperature: Double?
}
