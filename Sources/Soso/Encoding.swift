// Encoding.swift - concept codes of text and documents, and the words of each concept.
import CSoso

/// The concept code of one document: one value per unit.
public struct Codes: Equatable, Sendable {
    /// a = (sign(W)|W|^(p-1)) x, one value per unit (a = W x for p = 2).
    public var values: [Float]
    /// Words of the text found in the vocabulary, and words not found.
    public var knownWords: Int
    public var unknownWords: Int

    public init(values: [Float], knownWords: Int = 0, unknownWords: Int = 0) {
        self.values = values
        self.knownWords = knownWords
        self.unknownWords = unknownWords
    }

    /// The unit with the largest code (lowest index among ties): the document's cluster.
    public var cluster: Int { Int(soso_argmax(values, values.count)) }

    /// The code with all but the `k` largest values set to 0 (ties: lower unit first).
    public func topK(_ k: Int, byMagnitude: Bool = false) -> Codes {
        var c = self
        _ = soso_topk_mask(&c.values, c.values.count, max(0, k), byMagnitude ? 1 : 0)
        return c
    }

    /// The code with every value <= threshold set to 0.
    public func thresholded(_ threshold: Float) -> Codes {
        var c = self
        _ = soso_threshold(&c.values, c.values.count, threshold, nil)
        return c
    }

    /// (unit, value) of every non-zero entry, strongest first.
    public var nonZero: [(unit: Int, value: Float)] {
        values.enumerated().filter { $0.element != 0 }.map { (unit: $0.offset, value: $0.element) }
            .sorted { $0.value > $1.value || ($0.value == $1.value && $0.unit < $1.unit) }
    }
}

/// A word of a concept with its weight.
public struct TopicWord: Equatable, Sendable {
    public var word: String
    public var weight: Float
}

extension Model {
    /// The code of one text, prepared exactly like the training input.
    public func encode(_ text: String) throws -> Codes {
        var values = [Float](repeating: 0, count: units)
        var known = 0, unknown = 0
        var t = text
        try t.withUTF8 { buf in
            try check(soso_model_encode_text_ex(handle, buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                                buf.count, &values, values.count, &known, &unknown))
        }
        return Codes(values: values, knownWords: known, unknownWords: unknown)
    }

    /// Codes of every document: rows x units floats, row-major. Cost follows the words.
    public func encode(_ documents: Documents, threads: Int = 1) throws -> [Float] {
        var codes = [Float](repeating: 0, count: documents.rows * units)
        try check(soso_model_encode_docs(handle, documents.handle, &codes, codes.count, Int32(clamping: threads)))
        return codes
    }

    /// x_hat = U^T a: the words (one value per vocabulary word) that a code stands for.
    public func reconstruct(_ codes: Codes) throws -> [Float] {
        guard codes.values.count == units else { throw SosoError(.invalidArgument, "codes need \(units) values") }
        var out = [Float](repeating: 0, count: vocabulary.count)
        try check(soso_model_reconstruct(handle, codes.values, codes.values.count, &out, out.count))
        return out
    }

    /// Reconstruction error of documents coded by their `k` strongest codes by magnitude
    /// (nil: the model's code sparsity, or all units): sum |x - U^T a|^2, sum |x|^2 and
    /// their ratio.
    public func reconstructionError(_ documents: Documents, k: Int? = nil, threads: Int = 1) throws
        -> (error: Double, norm: Double, relative: Double) {
        var e = 0.0, n = 0.0
        try check(soso_model_reconstruction_error(handle, documents.handle, try givenCount(k, "k"), Int32(clamping: threads), &e, &n))
        return (e, n, n > 0 ? e / n : 0)
    }

    /// The `count` strongest positive words of a unit (or negative ones with
    /// `negative: true`), strongest first; fewer when the unit has fewer of that sign.
    public func topicWords(unit: Int, count: Int = 10, negative: Bool = false) throws -> [TopicWord] {
        guard unit >= 0 && unit < units else { throw SosoError(.invalidArgument, "unit \(unit) out of range (\(units) units)") }
        let n = min(max(0, count), vocabulary.count) /* a unit has no more words: a huge count allocates nothing more */
        var ids = [UInt32](repeating: 0, count: n)
        var w = [Float](repeating: 0, count: n)
        var found = 0
        try check(soso_model_topic_words(handle, unit, negative ? -1 : 1, ids.count, &ids, &w, &found))
        let vocab = vocabulary
        return (0..<found).map { TopicWord(word: vocab[Int(ids[$0])], weight: w[$0]) }
    }
}
