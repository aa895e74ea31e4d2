// Expansion.swift - co-occurrence expansion of short training documents.
import CSoso

/// How training documents are expanded with their words' strongest co-occurring words
/// (`Documents.expanded`). Short documents on one topic rarely share a word; expanded,
/// they overlap, and the codebook learned on them is still over the same words.
public struct Expansion: Equatable {
    /// Co-occurring words kept for each word (1...1000).
    public var neighbors: Int
    /// Weight of the added words against the document's own (x + gain x P).
    public var gain: Float
    /// 1: neighbours ranked by direct co-occurrence; 2: by two steps (P^2), better on a
    /// small corpus whose direct counts are few (`Expansion.hops(documents:)`).
    public var hops: Int

    public init(neighbors: Int = 100, gain: Float = 16, hops: Int = 1) {
        self.neighbors = neighbors
        self.gain = gain
        self.hops = hops
    }

    /// Below this many documents two hops rank neighbours better than one (wn6-1k and
    /// samples of wn-nouns; bench/quality/STUDY.md section 8).
    public static let twoHopsBelow = 10_000

    /// The hops that suit a corpus of `documents` documents.
    public static func hops(documents: Int) -> Int { documents < twoHopsBelow ? 2 : 1 }
}

extension Documents {
    /// A new matrix whose rows also hold their words' strongest co-occurring words, counted
    /// on these documents, each row scaled back to its length (soso_docs_expand). The
    /// result does not depend on `threads`.
    public func expanded(_ expansion: Expansion, threads: Int = 1) throws -> Documents {
        guard expansion.neighbors >= 1 else {
            throw SosoError(.invalidArgument, "neighbors must be between 1 and 1000, got \(expansion.neighbors)")
        }
        var h: OpaquePointer?
        try check(soso_docs_expand(handle, expansion.neighbors, expansion.gain, UInt32(clamping: expansion.hops),
                                   Int32(clamping: threads), &h))
        return Documents(owning: h!)
    }
}

extension Model {
    /// The expansion this model's training documents get, recorded in the model file so
    /// that resumed or continued training expands the same way; nil: none.
    public var expansion: Expansion? {
        var n = 0
        var g: Float = 0
        var hops: UInt32 = 0
        _ = soso_model_expansion(handle, &n, &g, &hops)
        return n > 0 ? Expansion(neighbors: n, gain: g, hops: Int(hops)) : nil
    }

    /// Records the expansion (nil: none). Training does not apply it: expand the
    /// documents you train on with `Documents.expanded`.
    public func setExpansion(_ expansion: Expansion?) throws {
        try check(soso_model_set_expansion(handle, expansion?.neighbors ?? 0, expansion?.gain ?? 0,
                                           UInt32(clamping: expansion?.hops ?? 0)))
    }
}
