// Model.swift - a trained codebook: training, saving and loading, and what it holds.
import CSoso

/// A codebook of concept detectors with its vocabulary and input settings.
///
/// One `Model` owns one C model. Reading it (encoding, topics, saving) is safe from several
/// threads at once; training mutates it, so the class is not `Sendable`.
public final class Model {
    let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }

    deinit { soso_model_free(handle) }

    /// A new, untrained Hebbian model over `vocabulary`, weights drawn from N(0, 1).
    /// - Throws: `.invalidArgument` when the configuration is invalid for the vocabulary.
    public convenience init(hebbian config: HebbianConfiguration, vocabulary: Vocabulary,
                            input: InputOptions = InputOptions(), threads: Int = 1) throws {
        if let why = config.problem(vocabularySize: vocabulary.count) { throw SosoError(.invalidArgument, why) }
        var p = config.c(threads: threads)
        var i = input.c
        var h: OpaquePointer?
        try check(soso_model_create_hebbian(vocabulary.handle, &i, &p, &h))
        self.init(handle: h!)
    }

    /// A new OSC model over `vocabulary`. With `.lsa` initialisation (the default) the
    /// atoms start as the leading singular vectors of `documents`, which must then be given.
    /// - Throws: `.invalidArgument` for an invalid configuration or missing documents,
    ///   `.empty` when no document has a known word.
    public convenience init(osc config: OSCConfiguration, vocabulary: Vocabulary, input: InputOptions = InputOptions(),
                            documents: Documents?, threads: Int = 1) throws {
        if let why = config.problem(vocabularySize: vocabulary.count) { throw SosoError(.invalidArgument, why) }
        var p = config.c(threads: threads)
        var i = input.c
        var h: OpaquePointer?
        try check(soso_model_create_osc(vocabulary.handle, &i, &p, documents?.handle, &h))
        self.init(handle: h!)
    }

    /// A new soft-competition model. `.documents` and `.lsa` initialisation need `documents`.
    public convenience init(soft config: SoftConfiguration, vocabulary: Vocabulary, input: InputOptions = InputOptions(),
                            documents: Documents?, threads: Int = 1) throws {
        if let why = config.problem(vocabularySize: vocabulary.count) { throw SosoError(.invalidArgument, why) }
        var p = config.c(threads: threads)
        var i = input.c
        var h: OpaquePointer?
        try check(soso_model_create_soft(vocabulary.handle, &i, &p, documents?.handle, &h))
        self.init(handle: h!)
    }

    /// Loads a model file.
    /// - Throws: `.io` (unreadable), `.badFormat` (foreign, truncated or corrupted file),
    ///   `.newerVersion` (written by a newer SOSO).
    public convenience init(contentsOf path: String) throws {
        var h: OpaquePointer?
        try checkPath(path)
        try check(soso_model_load(path, &h))
        self.init(handle: h!)
    }

    /// Whether training times teams of `threads`, half as many, ..., 1 and trains on the
    /// fastest (true, the default), or always uses `threads`
    /// (false: for measuring scaling). Results never depend on it; it is not saved.
    public func setTeamTuning(_ on: Bool) throws {
        try check(soso_model_set_team_tuning(handle, on ? 1 : 0))
    }

    /// Trains until the configured epochs are done; continues where an interrupted training
    /// stopped. `progress` is called between mini-batches; return false to stop (the model
    /// then keeps every finished mini-batch, and this throws `.aborted`). Throws `.numeric`
    /// ("training diverged") when the weights blow up (a learning rate or orthogonality
    /// penalty too large for the data); the weights are then not usable.
    /// Results do not depend on `threads`.
    public func train(_ documents: Documents, threads: Int = 1,
                      progress: ((TrainingProgress) -> Bool)? = nil) throws {
        try check(soso_model_set_threads(handle, Int32(clamping: threads)))
        try withProgress(progress) { soso_model_train(handle, documents.handle, $0, $1) }
    }

    /// Trains until the configured epochs are done on a corpus file read in pieces of
    /// `pieceBlocks` blocks: memory holds the model and one piece, not the corpus. Each
    /// epoch visits the blocks in an order drawn from the seed, so a file sorted by topic
    /// trains like a shuffled one. Stops and resumes as `train` does (resume with the same
    /// file and `pieceBlocks`). Results do not depend on `threads`.
    public func train(_ stream: CorpusStream, pieceBlocks: Int, threads: Int = 1,
                      progress: ((TrainingProgress) -> Bool)? = nil) throws {
        guard pieceBlocks >= 1 else { throw SosoError(.invalidArgument, "pieceBlocks must be at least 1") }
        try check(soso_model_set_threads(handle, Int32(clamping: threads)))
        try withProgress(progress) { soso_model_train_stream(handle, stream.handle, pieceBlocks, $0, $1) }
    }

    /// Online learning: plan `epochs` more epochs after a finished training, so that the
    /// next `train` (on new documents) continues the model's own schedule where its
    /// annealing stood. The vocabulary stays as it is; unknown words are ignored.
    /// - Throws: `.invalidArgument` while the planned training is unfinished.
    public func extend(epochs: Int) throws {
        guard epochs >= 1 else { throw SosoError(.invalidArgument, "epochs must be at least 1") }
        try check(soso_model_extend(handle, UInt32(clamping: epochs)))
    }

    /// Ends training at the epochs done (an early stop): the plan is cut to them and the
    /// learner's end-of-training steps run (osc: re-orthonormalisation, canonical signs).
    /// - Throws: `.invalidArgument` mid-epoch or before the first epoch.
    public func finish() throws { try check(soso_model_finish(handle)) }

    /// Writes the model atomically (temporary file, then rename): a failure leaves any
    /// existing file at `path` intact.
    public func save(to path: String) throws {
        try checkPath(path)
        try check(soso_model_save(handle, path))
    }

    /// The model file's bytes.
    public func serialized() throws -> [UInt8] {
        var data: UnsafeMutableRawPointer?
        var len = 0
        try check(soso_model_save_buffer(handle, &data, &len))
        defer { soso_free(data) }
        return Array(UnsafeRawBufferPointer(start: data, count: len))
    }

    /// A model from a model file's bytes.
    public convenience init(serialized bytes: [UInt8]) throws {
        var h: OpaquePointer?
        try check(bytes.withUnsafeBytes { soso_model_load_buffer($0.baseAddress, $0.count, &h) })
        self.init(handle: h!)
    }

    /// Number of units (concepts).
    public var units: Int { Int(soso_model_units(handle)) }

    /// The model's vocabulary (column order of the weights).
    public var vocabulary: Vocabulary { Vocabulary(borrowing: soso_model_vocab(handle)!, owner: self) }

    /// The input settings the model applies to text.
    public var input: InputOptions {
        var o = soso_input_options()
        _ = soso_model_input_options(handle, &o)
        return InputOptions(o)
    }

    /// The Hebbian settings, or nil for a model of another learner.
    public var hebbian: HebbianConfiguration? {
        var p = soso_hebbian_params()
        return soso_model_hebbian_params(handle, &p) == SOSO_OK ? HebbianConfiguration(p) : nil
    }

    /// The learner that made the model.
    public enum Learner: Sendable { case hebbian, osc, soft }

    public var learner: Learner {
        switch soso_model_learner(handle) {
        case SOSO_LEARNER_OSC: return .osc
        case SOSO_LEARNER_SOFT: return .soft
        default: return .hebbian
        }
    }

    /// The soft-competition settings, or nil for a model of another learner.
    public var soft: SoftConfiguration? {
        var p = soso_soft_params()
        return soso_model_soft_params(handle, &p) == SOSO_OK ? SoftConfiguration(p) : nil
    }

    /// Soft models: the gate's current temperature and the inhibitor (one value per unit).
    public var softState: (temperature: Float, inhibitor: [Float])? {
        var t: Float = 0
        var m = [Float](repeating: 0, count: units)
        return soso_model_soft_state(handle, &t, &m, m.count) == SOSO_OK ? (t, m) : nil
    }

    /// The OSC settings, or nil for a model of another learner.
    public var osc: OSCConfiguration? {
        var p = soso_osc_params()
        return soso_model_osc_params(handle, &p) == SOSO_OK ? OSCConfiguration(p) : nil
    }

    /// How many codes the learner keeps per document (the OSC sparsity), or nil when it
    /// keeps them all.
    public var codeSparsity: Int? {
        let k = soso_model_code_sparsity(handle)
        return k == 0 ? nil : Int(k)
    }

    /// Epochs the model's training runs for.
    public var totalEpochs: Int { hebbian?.epochs ?? osc?.epochs ?? soft?.epochs ?? 0 }

    /// Epochs completed so far.
    public var epochsDone: Int { Int(soso_model_epochs_done(handle)) }

    /// Documents trained on so far, over all epochs (a training call that failed out of
    /// memory keeps those before the failure: training resumes from them).
    public var documentsSeen: Int { Int(soso_model_docs_seen(handle)) }
    /// Where a streamed training stopped mid-epoch inside (or at the end of) one of several
    /// pieces: that piece's documents, which must come back to resume; nil otherwise (also
    /// for a stream of one piece, which looks like a run in memory).
    public var stoppedPiece: Range<Int>? {
        var first: UInt64 = 0, rows: UInt64 = 0
        guard soso_model_stopped_piece(handle, &first, &rows) != 0 else { return nil }
        return Int(first)..<Int(first + rows)
    }

    /// What an unfinished training ran on, as the model's fingerprint of it records:
    /// documents in memory or a streamed file's lines, and how many. A training resumes
    /// only on the same (other data of the same kind is refused; mid-epoch, the other kind
    /// too). nil when not known: nothing trained since the plan started, a finished plan,
    /// or a file written before fingerprints.
    public enum TrainingSource: Equatable, Sendable {
        case memory(documents: Int)
        case stream(lines: Int)
    }

    public var trainingSource: TrainingSource? {
        var n: UInt64 = 0
        switch soso_model_training_source(handle, &n) {
        case 1: return .memory(documents: Int(n))
        case 2: return .stream(lines: Int(n))
        default: return nil
        }
    }

    /// A copy of the weights: units x vocabulary.count floats, row-major.
    public var weights: [Float] {
        let n = units * vocabulary.count
        return Array(UnsafeBufferPointer(start: soso_model_weights(handle), count: n))
    }
}
