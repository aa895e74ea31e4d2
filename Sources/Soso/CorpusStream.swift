// CorpusStream.swift - a corpus file read in pieces, for training and vocabularies that
// need memory for one piece rather than for the whole corpus.
import CSoso

/// A corpus file indexed in blocks of lines and read a few blocks at a time. Opening scans
/// the file once (limits, UTF-8, where each block starts). The file must be a regular file
/// (not standard input) and must not change while streamed. Use from one thread at a time.
public final class CorpusStream {
    let handle: OpaquePointer

    /// - Throws: `.invalidArgument` for "-" or `blockLines` < 1, `.io` when the file cannot
    ///   be read or is not a regular file, `.limit` for a line beyond `limits`.
    public init(contentsOf path: String, limits: Corpus.Limits = Corpus.Limits(), blockLines: Int = 50) throws {
        guard blockLines >= 1 else { throw SosoError(.invalidArgument, "blockLines must be at least 1") }
        var h: OpaquePointer?
        var l = limits.c
        try checkPath(path)
        try check(soso_stream_open(path, &l, blockLines, &h))
        handle = h!
    }

    deinit { soso_stream_free(handle) }

    /// Documents (lines) in the file.
    public var count: Int { Int(soso_stream_documents(handle)) }

    /// Blocks of lines the file is read in.
    public var blocks: Int { soso_stream_blocks(handle) }

    /// Lines that are not valid UTF-8 and the first of them (1-based), or nil.
    public var invalidUTF8: (lines: Int, firstLine: Int)? {
        var first: UInt64 = 0
        let n = soso_stream_invalid_utf8_lines(handle, &first)
        return n == 0 ? nil : (Int(n), Int(first))
    }

    /// The given blocks, in the given order, as one corpus.
    public func read(blocks: [Int]) throws -> Corpus {
        if let bad = blocks.first(where: { $0 < 0 || $0 >= self.blocks }) { // -1 read block 0 (clamped)
            throw SosoError(.invalidArgument, "block \(bad) out of range (\(self.blocks) blocks)")
        }
        let ids = blocks.map { UInt32($0) }
        var h: OpaquePointer?
        try check(soso_stream_read(handle, ids, ids.count, &h))
        return Corpus(handle: h!)
    }

    /// Calls `body` with the file's pieces of `pieceBlocks` blocks, front to back.
    public func forEachPiece(pieceBlocks: Int, _ body: (Corpus) throws -> Void) throws {
        let step = max(1, pieceBlocks)
        for start in stride(from: 0, to: blocks, by: step) {
            try body(try read(blocks: Array(start..<min(start + step, blocks))))
        }
    }

    /// `min(maxDocuments, documents)` lines spread evenly over the file (one drawn from
    /// `seed` in each of that many equal runs of lines, in file order): what a model starts
    /// from (LSA, documents) when the corpus is streamed.
    public func sample(seed: UInt64, maxDocuments: Int) throws -> Corpus {
        guard maxDocuments >= 1 else {
            throw SosoError(.invalidArgument, "maxDocuments must be >= 1 (it is \(maxDocuments))")
        }
        var h: OpaquePointer?
        try check(soso_stream_sample(handle, seed, maxDocuments, &h))
        return Corpus(handle: h!)
    }
}

extension Vocabulary {
    /// The vocabulary `init(corpus:options:)` builds from the whole file, read
    /// `pieceBlocks` blocks at a time.
    public convenience init(stream: CorpusStream, options: TextOptions = TextOptions(), pieceBlocks: Int = 200) throws {
        self.init(owning: try Vocabulary.build(options) {
            soso_vocab_build_stream(stream.handle, $0, $1, $2, max(1, pieceBlocks), $3)
        })
    }
}
