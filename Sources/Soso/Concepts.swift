// Concepts.swift - using a codebook: ranking documents for a query, recommending from
// liked documents, and expanding a query with the words of its concepts (C: concepts.c).
import CSoso

/// A document (row of a `Documents`) and how well its concepts match.
public struct Match: Equatable, Sendable {
    public var document: Int
    /// The cosine between the reduced codes, in [-1, 1] (mixed with the word cosine when a
    /// word weight is given).
    public var score: Float

    public init(document: Int, score: Float) {
        self.document = document
        self.score = score
    }
}

extension Model {
    /// Documents ordered by the cosine between their codes and `target` (a query's codes or
    /// a profile), both reduced to their `keep` strongest codes by magnitude (nil: every
    /// unit, which ranks best in our measurements). Documents without a known
    /// word are left out; ties go to the lower index.
    /// With `words` (a query's row, as `Documents.row` gives it, and a weight w in [0, 1])
    /// the score is (1 - w) the codes' cosine + w the cosine of the query's and the
    /// document's words, so that documents holding the query's words rise within a concept.
    /// - Throws: `.empty` when the target has no concept (or the words' row is empty),
    ///   `.invalidArgument` for an excluded document out of range or a weight outside [0, 1].
    public func rank(_ documents: Documents, target: Codes, keep: Int? = nil, excluding: [Int] = [], top: Int = 10,
                     threads: Int = 1, words: (indices: [UInt32], values: [Float], weight: Float)? = nil) throws
        -> [Match] {
        guard target.values.count == units else { throw SosoError(.invalidArgument, "the target needs \(units) values") }
        guard excluding.allSatisfy({ $0 >= 0 && $0 < documents.rows }) else {
            throw SosoError(.invalidArgument, "an excluded document is out of range (\(documents.rows) documents)")
        }
        let exclude = excluding.map { UInt32($0) }
        var out = [soso_match](repeating: soso_match(), count: min(max(0, top), documents.rows)) /* at most every document */
        var found = 0
        let qIndices = words?.indices ?? [], qValues = words?.values ?? []
        guard qIndices.count == qValues.count else {
            throw SosoError(.invalidArgument, "the query's words and values differ in count")
        }
        try exclude.withUnsafeBufferPointer { ex in
            try qIndices.withUnsafeBufferPointer { qi in
                try qValues.withUnsafeBufferPointer { qv in
                    var p = soso_match_params()
                    soso_match_params_default(&p)
                    p.keep = UInt32(clamping: try givenCount(keep, "keep"))
                    p.exclude = ex.baseAddress
                    p.n_exclude = ex.count
                    p.threads = Int32(clamping: threads)
                    if let words {
                        p.word_weight = words.weight
                        p.query_words = qi.baseAddress
                        p.query_values = qv.baseAddress
                        p.query_nnz = qi.count
                    }
                    try check(soso_model_rank(handle, documents.handle, target.values, target.values.count, &p, &out,
                                              out.count, &found))
                }
            }
        }
        return out.prefix(found).map { Match(document: Int($0.doc), score: $0.score) }
    }

    /// Documents for a text query (see `rank(_:target:...)`), the query's own words mixed in
    /// at `wordWeight` (0.25, as the CLI: held-out queries find more of their label, and
    /// short ones far more documents holding their words; 0: concepts only).
    public func rank(_ documents: Documents, query: String, keep: Int? = nil, top: Int = 10, threads: Int = 1,
                     wordWeight: Float = 0.25) throws -> [Match] {
        try rank(documents, target: try encode(query), keep: keep, top: top, threads: threads,
                 words: try queryWords(query, weight: wordWeight))
    }

    /// A query's words as this model reads a document (its row over the vocabulary) with
    /// the weight they take in `rank`; nil at weight 0 (concepts only).
    /// - Throws: `.invalidArgument` for a weight outside [0, 1].
    public func queryWords(_ query: String, weight: Float) throws
        -> (indices: [UInt32], values: [Float], weight: Float)? {
        guard weight >= 0 && weight <= 1 else {
            throw SosoError(.invalidArgument, "wordWeight must be in [0, 1] (it is \(weight))")
        }
        guard weight > 0 else { return nil }
        // All of it is text: no label, one line ("\r\n" is one Character, so by scalars).
        var text = String.UnicodeScalarView()
        text.append(contentsOf: query.unicodeScalars.map { "\t\n\r\0".unicodeScalars.contains($0) ? " " : $0 })
        let row = try Documents(corpus: try Corpus(lines: [String(text)]), vocabulary: vocabulary, input: input).row(0)
        return (row.indices, row.values, weight)
    }

    /// The mean reduced, unit-length code of the liked documents: what they share.
    /// - Throws: `.empty` when no liked document has a known word.
    public func profile(_ documents: Documents, liked: [Int], keep: Int? = nil) throws -> Codes {
        guard liked.allSatisfy({ $0 >= 0 && $0 < documents.rows }) else {
            throw SosoError(.invalidArgument, "a liked document is out of range (\(documents.rows) documents)")
        }
        var values = [Float](repeating: 0, count: units)
        try check(soso_model_profile(handle, documents.handle, liked.map { UInt32($0) }, liked.count,
                                     UInt32(clamping: try givenCount(keep, "keep")), &values, values.count))
        return Codes(values: values)
    }

    /// Unseen documents ranked by the liked documents' profile; never a liked one.
    public func recommend(_ documents: Documents, liked: [Int], keep: Int? = nil, top: Int = 10, threads: Int = 1)
        throws -> [Match] {
        let p = try profile(documents, liked: liked, keep: keep)
        return try rank(documents, target: p, keep: keep, excluding: liked, top: top, threads: threads)
    }

    /// The words that carry a code's strongest concepts, strongest first: x_hat = U^T a
    /// for the code reduced to `keep` (nil: as in `rank`) and scaled to unit length.
    /// - Throws: `.empty` when the code is all zero (no known word).
    public func expand(_ codes: Codes, keep: Int? = nil, top: Int = 10) throws -> [TopicWord] {
        guard codes.values.count == units else { throw SosoError(.invalidArgument, "codes need \(units) values") }
        let n = min(max(0, top), vocabulary.count) /* at most every word */
        var ids = [UInt32](repeating: 0, count: n)
        var weights = [Float](repeating: 0, count: n)
        var found = 0
        try check(soso_model_expand(handle, codes.values, codes.values.count, UInt32(clamping: try givenCount(keep, "keep")),
                                    ids.count, &ids, &weights, &found))
        return (0..<found).map { TopicWord(word: vocabulary[Int(ids[$0])], weight: weights[$0]) }
    }
}
