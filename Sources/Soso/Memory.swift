// Memory.swift - the associative memory: store documents, complete partial queries.
import CSoso

/// An associative memory (modern Hopfield network) of documents. A query, a few words,
/// is completed in one step (or a few) by p = softmax(beta X q), q' = X^T p; the first
/// step costs only the postings of the query's words. Reading (recall, save) is safe
/// from several threads; adding is not.
public final class Memory {
    let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }
    deinit { soso_memory_free(handle) }

    /// An empty memory over `vocabulary`.
    public convenience init(vocabulary: Vocabulary) throws {
        var h: OpaquePointer?
        try check(soso_memory_create(vocabulary.handle, &h))
        self.init(handle: h!)
    }

    /// Loads a memory file.
    public convenience init(contentsOf path: String) throws {
        var h: OpaquePointer?
        try checkPath(path)
        try check(soso_memory_load(path, &h))
        self.init(handle: h!)
    }

    /// Adds every document of `corpus` that has a vocabulary word; returns how many were
    /// added and how many skipped (no known word).
    @discardableResult
    public func add(_ corpus: Corpus) throws -> (added: Int, skipped: Int) {
        var a = 0, s = 0
        try check(soso_memory_add_corpus(handle, corpus.handle, &a, &s))
        return (a, s)
    }

    /// Writes the memory atomically.
    public func save(to path: String) throws {
        try checkPath(path)
        try check(soso_memory_save(handle, path))
    }

    public var count: Int { Int(soso_memory_size(handle)) }
    public var vocabulary: Vocabulary { Vocabulary(borrowing: soso_memory_vocab(handle)!, owner: self) }

    /// Memory i's words, label and text.
    public func words(_ i: Int) throws -> [String] {
        var p: UnsafePointer<UInt32>?
        var n = 0
        try check(soso_memory_pattern(handle, i, &p, &n))
        let v = vocabulary
        return UnsafeBufferPointer(start: p, count: n).map { v[Int($0)] }
    }

    /// Memory i's word ids (ascending; columns of the vocabulary).
    public func pattern(_ i: Int) throws -> [UInt32] {
        var p: UnsafePointer<UInt32>?
        var n = 0
        try check(soso_memory_pattern(handle, i, &p, &n))
        return Array(UnsafeBufferPointer(start: p, count: n))
    }

    /// The masked-query experiment's settings, shared by `maskedQueries` and `evaluate` so
    /// that both draw the same queries.
    private static func experiment(mask: Float, queries: Int, seed: UInt64, threads: Int) throws -> soso_memory_eval_params {
        var ep = soso_memory_eval_params()
        soso_memory_eval_params_default(&ep)
        ep.mask = mask
        ep.queries = try givenCount(queries, "queries", least: 0) // 0: every memory
        ep.seed = seed
        ep.threads = Int32(clamping: threads)
        return ep
    }

    /// The masked queries `evaluate` uses: each query's memory and its kept word ids.
    public func maskedQueries(mask: Float = 0.6, queries: Int = 1000, seed: UInt64 = 1) throws -> [(memory: Int, words: [UInt32])] {
        var ep = try Memory.experiment(mask: mask, queries: queries, seed: seed, threads: 1)
        var n = 0
        var mems: UnsafeMutablePointer<UInt32>?
        var ptr: UnsafeMutablePointer<Int>?
        var words: UnsafeMutablePointer<UInt32>?
        try check(soso_memory_masked_queries(handle, &ep, &n, &mems, &ptr, &words))
        defer { soso_free(mems); soso_free(ptr); soso_free(words) }
        return (0..<n).map { q in (Int(mems![q]), Array(UnsafeBufferPointer(start: words! + ptr![q], count: ptr![q + 1] - ptr![q]))) }
    }

    public func label(_ i: Int) -> String? { soso_memory_label(handle, i).map { String(cString: $0) } }
    public func text(_ i: Int) -> String? { soso_memory_text(handle, i).map { String(cString: $0) } }

    /// Settings of a recall.
    public struct RecallOptions: Sendable {
        public var beta: Float = 10
        public var steps: Int = 1
        public var tolerance: Float = 1e-4
        public var threshold: Float = 0.5
        /// Weigh only memories holding every query word, each by 1 / C(n, |q|).
        public var prior = false
        public var energy = false
        public init() {}

        var c: soso_recall_params {
            var p = soso_recall_params()
            soso_recall_params_default(&p)
            p.beta = beta
            p.steps = UInt32(clamping: steps)
            p.tolerance = tolerance
            p.threshold = threshold
            p.prior = prior ? 1 : 0
            p.energy = energy ? 1 : 0
            return p
        }
    }

    /// What a recall returns.
    public struct Recall: Sendable {
        /// The completed pattern's words.
        public var words: [String]
        /// The most weighted memories (index, weight), strongest first.
        public var memories: [(index: Int, weight: Float)]
        /// Memories sharing no word with the query, and the weight each of them has.
        public var zeroMemories: Int
        public var zeroWeight: Float
        public var steps: Int
        /// Energy of the final state, when asked for.
        public var energy: Double?
        /// Query words not in the vocabulary.
        public var unknownWords: Int
        /// Distinct query words in the vocabulary; with none, the recall is the prior's
        /// (every memory weighs the same).
        public var knownWords: Int = 0
    }

    /// Completes a text.
    /// - Throws: `.invalidArgument` for bad options, `.empty` for an empty memory.
    public func recall(_ text: String, options: RecallOptions = RecallOptions(), top: Int = 10) throws -> Recall {
        let v = vocabulary
        // Room for every distinct word the text can hold (a word and a separator each),
        // no more than the vocabulary: a fixed 1,024 refused longer queries.
        var query = [UInt32](repeating: 0, count: max(1, min(v.count, text.utf8.count / 2 + 1)))
        var nq = 0, unknown = 0
        var t = text
        try t.withUTF8 { buf in
            try check(soso_memory_query_words(handle, buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                              buf.count, &query, query.count, &nq, &unknown))
        }
        var words = [UInt32](repeating: 0, count: v.count)
        let n = min(max(0, top), count) /* at most every memory */
        var mems = [UInt32](repeating: 0, count: n)
        var weights = [Float](repeating: 0, count: n)
        var p = options.c
        var r = soso_recall_result()
        try words.withUnsafeMutableBufferPointer { wb in
            try mems.withUnsafeMutableBufferPointer { mb in
                try weights.withUnsafeMutableBufferPointer { gb in
                    r.words = wb.baseAddress
                    r.words_cap = wb.count
                    r.memories = mb.baseAddress
                    r.weights = gb.baseAddress
                    r.memories_cap = mb.count
                    try check(soso_memory_recall(handle, query, nq, &p, &r))
                }
            }
        }
        return Recall(words: (0..<r.n_words).map { v[Int(words[$0])] },
                      memories: (0..<r.n_memories).map { (Int(mems[$0]), weights[$0]) },
                      zeroMemories: Int(r.zero_memories), zeroWeight: r.zero_weight, steps: Int(r.steps),
                      energy: r.energy.isNaN ? nil : r.energy, unknownWords: unknown, knownWords: nq)
    }

    /// Figures of the masked-query experiment (see `evaluate`).
    public struct Evaluation: Sendable {
        public var beta: Float
        public var queries: Int
        public var exact: Double
        public var meanHamming: Double
        public var top1: Double
        public var bound: Double
        public var uniform: Double
        public var consistentPatterns: Double
        public var seconds: Double
    }

    /// Masks `mask` of each queried memory's words, recalls with each of `options`, and
    /// scores exact recovery, Hamming distance, the top memory, and the best possible guess.
    public func evaluate(mask: Float = 0.6, queries: Int = 1000, seed: UInt64 = 1, options: [RecallOptions],
                         threads: Int = 1) throws -> [Evaluation] {
        guard !options.isEmpty else { throw SosoError(.invalidArgument, "give at least one set of recall options") }
        var ep = try Memory.experiment(mask: mask, queries: queries, seed: seed, threads: threads)
        let params = options.map(\.c)
        var out = [soso_memory_eval_result](repeating: soso_memory_eval_result(), count: params.count)
        try check(soso_memory_eval(handle, &ep, params, params.count, &out))
        return zip(options, out).map { o, r in
            Evaluation(beta: o.beta, queries: Int(r.queries), exact: r.exact, meanHamming: r.mean_hamming, top1: r.top1,
                       bound: r.bound, uniform: r.uniform, consistentPatterns: r.consistent, seconds: r.seconds)
        }
    }
}
