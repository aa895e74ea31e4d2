// Corpus.swift - documents as text, one per line, optionally "label<TAB>text"; read by
// the C core so that C and Swift see the same documents.
import CSoso

/// A corpus: one document per line of UTF-8 text. Before the first TAB of a line is the
/// document's label (used only for evaluation). Document `i` is line `i + 1`; an empty line
/// is an empty document. Not thread-safe to share while being read (it is immutable after).
public final class Corpus {
    let handle: OpaquePointer

    /// Bounds that refuse a hostile or broken file early (`.limit`, naming the line).
    public struct Limits: Equatable, Sendable {
        /// Longest line in bytes, label included; nil for no limit. Default 1 MiB.
        public var maxLineBytes: Int? = 1 << 20
        /// Most lines; nil for no limit. Default 1,000,000,000.
        public var maxDocuments: Int? = 1_000_000_000

        public init() {}

        var c: soso_corpus_limits {
            soso_corpus_limits(max_line_bytes: maxLineBytes.map { max(1, $0) } ?? 0,
                               max_documents: maxDocuments.map { max(1, $0) } ?? 0)
        }
    }

    /// Reads a corpus file; "-" reads standard input.
    /// - Throws: `SosoError` with code `.io` when the file cannot be read, `.limit` beyond `limits`.
    public init(contentsOf path: String, limits: Limits = Limits()) throws {
        var h: OpaquePointer?
        var l = limits.c
        try checkPath(path)
        try check(soso_corpus_read_file_limited(path, &l, &h))
        handle = h!
    }

    /// A corpus from lines of text (each becomes one document; a TAB splits off a label).
    /// A byte order mark (U+FEFF) at the start of the first line is dropped, as at a file's start.
    /// - Throws: `.invalidArgument` for a line holding a newline or a NUL (it would make
    ///   two documents, or end one early, so that indices no longer matched `lines`).
    public convenience init(lines: [String], limits: Limits = Limits()) throws {
        if let i = lines.firstIndex(where: { $0.utf8.contains(where: { $0 == 10 || $0 == 0 }) }) {
            throw SosoError(.invalidArgument, "line \(i) holds a newline or a NUL: one line is one document")
        }
        var text = lines.joined(separator: "\n")
        if !lines.isEmpty { text += "\n" }
        try self.init(text: text, limits: limits)
    }

    /// A corpus from the contents of a corpus file (a leading byte order mark is dropped).
    public init(text: String, limits: Limits = Limits()) throws {
        var h: OpaquePointer?
        var copy = text
        var l = limits.c
        try copy.withUTF8 { buf in
            try check(soso_corpus_from_buffer_limited(buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buf.count, &l, &h))
        }
        handle = h!
    }

    /// Takes over a C corpus.
    init(handle: OpaquePointer) { self.handle = handle }

    deinit { soso_corpus_free(handle) }

    /// Number of documents (lines).
    public var count: Int { Int(soso_corpus_size(handle)) }

    /// The text of document `i` (without its label).
    public func text(_ i: Int) -> String {
        precondition(i >= 0 && i < count, "document index out of range")
        return String(cString: soso_corpus_text(handle, i, nil))
    }

    /// The label of document `i`, or nil when its line has no TAB.
    public func label(_ i: Int) -> String? {
        precondition(i >= 0 && i < count, "document index out of range")
        return soso_corpus_label(handle, i, nil).map { String(cString: $0) }
    }

    /// Lines that are not valid UTF-8 (their bad bytes act as word separators), and the
    /// first of them (1-based), or nil when every line is valid.
    public var invalidUTF8: (lines: Int, firstLine: Int)? {
        var first = 0
        let n = soso_corpus_invalid_utf8_lines(handle, &first)
        return n == 0 ? nil : (Int(n), first)
    }
}
