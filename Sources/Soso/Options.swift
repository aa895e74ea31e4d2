// Options.swift - how text becomes words (TextOptions) and words become a vector
// (InputOptions); plain values mirrored to the C structs.
import CSoso

/// Tokenizer and vocabulary settings. Defaults match the reference preprocessing of the
/// peers' figures: words of at least 2 letters, English stop words dropped, words kept
/// when they occur in at least 2 documents.
public struct TextOptions: Equatable, Sendable {
    /// Shortest word kept, in letters (code points).
    public var minWordLength: Int = 2
    /// Longest word kept; longer runs of letters are dropped. At most 255.
    public var maxWordLength: Int = 40
    /// Drop the built-in English stop words (scikit-learn's list of 318).
    public var builtinStopWords: Bool = true
    /// Extra words to drop (lowercased by the tokenizer's rules).
    public var extraStopWords: [String] = []
    /// Keep a word only if this many documents contain it.
    public var minDocumentFrequency: Int = 2
    /// Keep at most this many words, the most frequent; nil for no limit.
    public var maxVocabularySize: Int? = nil
    /// Refuse (`.limit`) a corpus with more distinct words than this while building a
    /// vocabulary: bounds memory on hostile input. nil for no limit.
    public var maxDistinctWords: Int? = 10_000_000

    public init() {}

    /// The limits that nil turns off are refused at 0 or below (0 and -3 for
    /// maxVocabularySize meant "no limit" silently), and every count must fit the core's
    /// 32 bits.
    func check() throws {
        if let why = uint32FieldProblem([("minWordLength", minWordLength, 1), ("maxWordLength", maxWordLength, 1),
                                         ("minDocumentFrequency", minDocumentFrequency, 1)]
                                        + (maxVocabularySize.map { [("maxVocabularySize", $0, 1)] } ?? [])
                                        + (maxDistinctWords.map { [("maxDistinctWords", $0, 1)] } ?? [])) {
            throw SosoError(.invalidArgument, why)
        }
    }

    var c: soso_text_options {
        var o = soso_text_options()
        soso_text_options_default(&o)
        o.min_word_len = UInt32(clamping: minWordLength)
        o.max_word_len = UInt32(clamping: maxWordLength)
        o.stop_words = builtinStopWords ? 1 : 0
        o.min_df = UInt32(clamping: minDocumentFrequency)
        o.max_vocab = UInt32(clamping: maxVocabularySize ?? 0)
        o.max_distinct = maxDistinctWords.map { UInt32(clamping: max(1, $0)) } ?? 0
        return o
    }
}

/// How a document's words become its vector.
public struct InputOptions: Equatable, Sendable {
    public enum Weighting: Sendable { case binary, counts }
    /// 1 per distinct word (binary, the default) or the number of occurrences.
    public var weighting: Weighting = .binary
    /// Multiply by idf = ln((1 + N) / (1 + df)) + 1.
    public var idf: Bool = false
    /// Scale each document to unit L2 norm (recommended: the learners' step sizes assume it).
    public var normalize: Bool = true

    public init() {}

    var c: soso_input_options {
        var o = soso_input_options()
        soso_input_options_default(&o)
        o.weighting = weighting == .binary ? SOSO_WEIGHT_BINARY : SOSO_WEIGHT_COUNTS
        o.idf = idf ? 1 : 0
        o.normalize = normalize ? 1 : 0
        return o
    }

    init(_ o: soso_input_options) {
        weighting = o.weighting == SOSO_WEIGHT_COUNTS ? .counts : .binary
        idf = o.idf != 0
        normalize = o.normalize != 0
    }
}
