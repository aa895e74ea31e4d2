// Documents.swift - documents as a sparse matrix over a vocabulary.
import CSoso

/// Documents as rows of a sparse (CSR) matrix over a vocabulary, prepared by the same
/// pipeline that models use on new text. Memory follows the number of words.
public final class Documents {
    let handle: OpaquePointer

    /// Every document of a corpus over `vocabulary`, weighted by `input`.
    public init(corpus: Corpus, vocabulary: Vocabulary, input: InputOptions = InputOptions()) throws {
        var opts = input.c
        var h: OpaquePointer?
        try check(soso_docs_from_corpus(corpus.handle, vocabulary.handle, &opts, &h))
        handle = h!
    }

    /// A matrix from CSR arrays: `indptr` has rows + 1 entries, `indices` and `values`
    /// indptr[rows]; column indices must be < columns and distinct within a row.
    public init(rows: Int, columns: Int, indptr: [Int], indices: [UInt32], values: [Float]) throws {
        guard rows >= 0, rows < Int.max, indptr.count == rows + 1, let nnz = indptr.last, indices.count == nnz,
              values.count == nnz else {
            throw SosoError(.invalidArgument, "CSR arrays do not match: indptr needs rows + 1 entries, indices and values indptr[rows]")
        }
        var h: OpaquePointer?
        try check(soso_docs_from_csr(rows, columns, indptr, indices, values, &h))
        handle = h!
    }

    /// Takes over a matrix made by the C core.
    init(owning handle: OpaquePointer) { self.handle = handle }

    deinit { soso_docs_free(handle) }

    public var rows: Int { Int(soso_docs_rows(handle)) }
    public var columns: Int { Int(soso_docs_cols(handle)) }
    public var nonZeros: Int { Int(soso_docs_nnz(handle)) }

    /// The column indices and values of row `i`.
    public func row(_ i: Int) -> (indices: [UInt32], values: [Float]) {
        precondition(i >= 0 && i < rows, "row index out of range")
        var n = 0
        var idx: UnsafePointer<UInt32>?
        var val: UnsafePointer<Float>?
        _ = soso_docs_row(handle, i, &n, &idx, &val)
        return (Array(UnsafeBufferPointer(start: idx, count: n)), Array(UnsafeBufferPointer(start: val, count: n)))
    }
}
