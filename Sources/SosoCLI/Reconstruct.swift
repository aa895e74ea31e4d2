// Reconstruct.swift - `soso reconstruct`: how much of a corpus its codes keep.
import ArgumentParser
import Foundation
import Soso

struct Reconstruct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reconstruction error of a corpus: each document x coded by its K strongest codes a, x_hat = U^T a.",
        discussion: "Prints sum |x - x_hat|^2 / sum |x|^2 (documents as the model prepares them: unit length by default)."
    )

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    @Argument(help: "The corpus; '-' for stdin.")
    var corpus: String

    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "Codes kept per document (default: the model's sparsity, or all units).")
    var topK: Int?

    @Option(parsing: .unconditional, help: "Threads. Default: all cores.")
    var threads: Int?

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var input: CorpusInput

    func validate() throws {
        try validateThreads(threads)
        if let k = topK, k < 1 { throw ValidationError("--top-k must be at least 1") }
    }

    struct ResultJSON: Encodable {
        let documents: Int
        let k: Int
        let squaredError: Double
        let squaredNorm: Double
        let relativeError: Double
    }

    func run() throws {
        let m = try Model(contentsOf: model)
        let docs = try PreparedCorpus(corpus, model: m, input: input).documents
        let k = topK ?? m.codeSparsity ?? m.units
        let r = try m.reconstructionError(docs, k: min(k, m.units), threads: threads ?? Soso.maxThreads)
        if json {
            out(try jsonLine(ResultJSON(documents: docs.rows, k: min(k, m.units), squaredError: r.error,
                                        squaredNorm: r.norm, relativeError: r.relative)))
        } else {
            out(String(format: "relative reconstruction error %.4f (%d documents, %d of %d codes kept)\n",
                       r.relative, docs.rows, min(k, m.units), m.units))
        }
    }
}
