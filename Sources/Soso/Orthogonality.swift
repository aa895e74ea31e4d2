// Orthogonality.swift - making codebooks orthonormal and measuring how far they are.
import CSoso

/// Orthogonalisation and overlap of row-major matrices (rows = units).
public enum Orthogonality {
    /// W <- (W W^T)^(-1/2) W: the matrix with orthonormal rows closest to W.
    /// - Throws: `.invalidArgument` when rows > columns or the shape is wrong, `.numeric`
    ///   when the rows are linearly dependent (W is then unchanged).
    public static func symmetric(_ w: inout [Float], rows: Int, columns: Int, threads: Int = 1) throws {
        try checkShape(w, rows, columns)
        try check(soso_orthogonalize_symmetric(&w, rows, columns, Int32(clamping: threads)))
    }

    /// Modified Gram-Schmidt with re-orthogonalisation, row by row.
    /// - Throws: as `symmetric`.
    public static func gramSchmidt(_ w: inout [Float], rows: Int, columns: Int) throws {
        try checkShape(w, rows, columns)
        try check(soso_orthogonalize_gram_schmidt(&w, rows, columns))
    }

    /// The largest entry of |W W^T - I|.
    public static func error(_ w: [Float], rows: Int, columns: Int) throws -> Float {
        try checkShape(w, rows, columns)
        var e: Float = 0
        try check(soso_orthogonality_error(w, rows, columns, 1, &e))
        return e
    }

    /// Mean and largest |cos| between distinct rows.
    public static func overlap(_ w: [Float], rows: Int, columns: Int) throws -> (mean: Double, max: Double) {
        try checkShape(w, rows, columns)
        var mean = 0.0, mx = 0.0
        try check(soso_unit_overlap(w, rows, columns, 1, &mean, &mx))
        return (mean, mx)
    }

    /// The cosine between every pair of rows (rows x rows, row-major).
    public static func cosines(_ w: [Float], rows: Int, columns: Int, threads: Int = 1) throws -> [Float] {
        try checkShape(w, rows, columns)
        var out = [Float](repeating: 0, count: rows * rows)
        try check(soso_unit_cosines(w, rows, columns, Int32(clamping: threads), &out))
        return out
    }

    private static func checkShape(_ w: [Float], _ rows: Int, _ columns: Int) throws {
        let (cells, overflow) = rows.multipliedReportingOverflow(by: columns) // Int.max rows trapped
        guard rows > 0, columns > 0, !overflow, w.count == cells else {
            throw SosoError(.invalidArgument, "a \(rows) x \(columns) matrix does not fit the \(w.count) values given")
        }
    }
}
