// Encode.swift - `soso encode`: each document's cluster and concept codes.
import ArgumentParser
import Foundation
import Soso

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode each document of a corpus: its cluster id (argmax unit) and its non-zero codes.",
        discussion: """
        Text output: LINE<TAB>CLUSTER<TAB>unit:value ... (strongest first). --json prints one JSON \
        object per line. An osc model keeps its --sparsity codes of largest magnitude unless --top-k \
        says otherwise; a negative code means the document is contrary to that unit.
        """
    )

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    @Argument(help: "The corpus to encode; '-' for stdin.")
    var corpus: String

    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "Keep only the K largest codes of each document.")
    var topK: Int?

    @Option(parsing: .unconditional, help: "Keep only codes above this value.")
    var threshold: Float?

    @Option(parsing: .unconditional, help: "Threads. Default: all cores.")
    var threads: Int?

    @Flag(help: "Print JSON Lines.")
    var json = false

    @OptionGroup var input: CorpusInput

    func validate() throws {
        if let k = topK, k < 1 { throw ValidationError("--top-k must be at least 1") }
        if let t = threshold, !t.isFinite { throw ValidationError("--threshold must be a finite number") }
        try validateThreads(threads)
    }

    struct CodeJSON: Encodable {
        let unit: Int
        let value: Float
    }

    struct DocJSON: Encodable {
        let line: Int
        let label: String?
        let cluster: Int?
        let codes: [CodeJSON]
    }

    func run() throws {
        let m = try Model(contentsOf: model)
        let c = try input.load(corpus)
        let docs = try Documents(corpus: c, vocabulary: m.vocabulary, input: m.input)
        let all = try m.encode(docs, threads: threads ?? Soso.maxThreads)
        let h = m.units
        var text = ""
        for r in 0..<docs.rows {
            let empty = docs.row(r).indices.isEmpty
            var code = Codes(values: Array(all[(r * h)..<((r + 1) * h)]), knownWords: 0, unknownWords: 0)
            let cluster = empty ? nil : Optional(code.cluster) // no known word: no cluster
            if let k = topK ?? m.codeSparsity { code = code.topK(k, byMagnitude: m.learner == .osc) }
            if let t = threshold { code = code.thresholded(t) }
            let nz = empty ? [] : code.nonZero.sorted { abs($0.value) > abs($1.value) || (abs($0.value) == abs($1.value) && $0.unit < $1.unit) }
            if json {
                text += try jsonLine(DocJSON(line: r + 1, label: c.label(r), cluster: cluster,
                                             codes: nz.map { CodeJSON(unit: $0.unit, value: $0.value) }))
            } else {
                let codes = nz.map { "\($0.unit):" + String(format: "%.4g", $0.value) }.joined(separator: " ")
                text += "\(r + 1)\t\(cluster.map(String.init) ?? "-")\t\(codes)\n"
            }
            if text.utf8.count > 1 << 16 {
                out(text)
                text = ""
            }
        }
        out(text)
    }
}
