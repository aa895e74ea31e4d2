// Vocabulary.swift - the words a model knows, in column order.
import CSoso
import Foundation

/// The words of a model in a fixed (byte) order, each with its document frequency.
/// Immutable, so it may be read from several threads.
public final class Vocabulary: @unchecked Sendable {
    let handle: OpaquePointer
    /// Keeps the owner of a borrowed handle (a model's vocabulary) alive.
    private let owner: AnyObject?

    /// Builds a vocabulary from every document of a corpus.
    /// - Throws: `.invalidArgument` for bad options, `.empty` when no word passes
    ///   `minDocumentFrequency`.
    public convenience init(corpus: Corpus, options: TextOptions = TextOptions()) throws {
        self.init(owning: try Vocabulary.build(options) { soso_vocab_build_corpus(corpus.handle, $0, $1, $2, $3) })
    }

    /// Runs a C builder with the options and the user stop words as C strings.
    static func build(_ options: TextOptions,
                      _ call: (UnsafePointer<soso_text_options>, UnsafePointer<UnsafePointer<CChar>?>, Int,
                               UnsafeMutablePointer<OpaquePointer?>) -> soso_status) throws -> OpaquePointer {
        try options.check()
        var opts = options.c
        var h: OpaquePointer?
        let stops = options.extraStopWords.map { strdup($0) }
        defer { stops.forEach { free($0) } }
        let ptrs: [UnsafePointer<CChar>?] = stops.map { UnsafePointer($0) }
        try check(call(&opts, ptrs, ptrs.count, &h))
        return h!
    }

    init(owning handle: OpaquePointer) {
        self.handle = handle
        owner = nil
    }

    init(borrowing handle: OpaquePointer, owner: AnyObject) {
        self.handle = handle
        self.owner = owner
    }

    deinit { if owner == nil { soso_vocab_free(handle) } }

    /// The tokenizer settings the vocabulary was built with (user stop words are not kept).
    public var textOptions: TextOptions {
        var o = soso_text_options()
        soso_text_options_default(&o)
        _ = soso_vocab_text_options(handle, &o)
        var t = TextOptions()
        t.minWordLength = Int(o.min_word_len)
        t.maxWordLength = Int(o.max_word_len)
        t.builtinStopWords = o.stop_words != 0
        t.minDocumentFrequency = Int(o.min_df)
        t.maxVocabularySize = o.max_vocab == 0 ? nil : Int(o.max_vocab)
        return t
    }

    /// Number of words.
    public var count: Int { Int(soso_vocab_size(handle)) }

    /// Word `i` (column `i` of every matrix of the model).
    public subscript(i: Int) -> String {
        precondition(i >= 0 && i < count, "word index out of range")
        return String(cString: soso_vocab_word(handle, i))
    }

    /// Column of a word (already lowercased), or nil when unknown.
    public func index(of word: String) -> Int? {
        var w = word
        let i = w.withUTF8 { soso_vocab_find(handle, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count) }
        return i < 0 ? nil : Int(i)
    }

    /// Number of documents that contained word `i` when the vocabulary was built.
    public func documentFrequency(_ i: Int) -> Int {
        precondition(i >= 0 && i < count, "word index out of range") // as the subscript: 0 was an answer
        return Int(soso_vocab_df(handle, i))
    }

    /// All words in column order.
    public var words: [String] { (0..<count).map { self[$0] } }

    /// Splits text into words exactly as SOSO does (lowercased; stop words kept only when
    /// the options say so).
    public static func tokenize(_ text: String, options: TextOptions = TextOptions()) throws -> [String] {
        final class Box { var words: [String] = [] }
        let box = Box()
        var opts = options.c
        var t = text
        try t.withUTF8 { buf in
            try check(soso_tokenize(buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                    buf.count, &opts, { word, len, user in
                let b = Unmanaged<Box>.fromOpaque(user!).takeUnretainedValue()
                let bytes = UnsafeRawBufferPointer(start: word, count: len)
                b.words.append(String(decoding: bytes, as: UTF8.self))
                return 0
            }, Unmanaged.passUnretained(box).toOpaque(), nil))
        }
        return box.words
    }
}
