// EvalCommand.swift - `soso eval`: the model's quality on a corpus (ALGORITHMS.md section 7).
import ArgumentParser
import Foundation
import Soso

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model on a corpus: NMI, ARI, purity (with labels), NPMI coherence, diversity, overlap, dead units, code sparsity.",
        discussion: """
        A document's cluster is its argmax unit; documents without a known word have none and are \
        left out of the cluster measures. NPMI uses each unit's top --top words and document \
        co-occurrence in the corpus. Without labels, the measures that need none are reported.
        """
    )

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    @Argument(help: "The corpus; '-' for stdin.")
    var corpus: String

    @Option(parsing: .unconditional, help: "Words per unit for coherence and diversity.")
    var top: Int = 10

    @Option(parsing: .unconditional, help: "Threads. Default: all cores.")
    var threads: Int?

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var input: CorpusInput

    func validate() throws {
        try validateThreads(threads)
        if top < 2 || top > 1000 {
            throw ValidationError("--top must be from 2 to 1000 (NPMI's pairs of each unit's top words grow as its square)")
        }
    }

    func run() throws {
        let m = try Model(contentsOf: model)
        let c = try PreparedCorpus(corpus, model: m, input: input)
        let e = try Evaluator.evaluate(m, c, top: top, threads: threads ?? Soso.maxThreads)
        out(json ? try jsonLine(Evaluator.JSON(e)) : Evaluator.text(e) + "\n")
    }
}

/// The evaluation as text, JSON and HTML rows, shared by `eval` and `report`.
enum Evaluator {
    static func evaluate(_ m: Model, _ c: PreparedCorpus, top: Int, threads: Int) throws -> ModelEvaluation {
        let labels = try c.corpus.labelIDs()
        return try m.evaluate(c.documents, labels: labels.names.isEmpty ? nil : labels.ids, topWords: top, threads: threads)
    }

    static func rows(_ e: ModelEvaluation) -> [(String, String)] {
        func opt(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "n/a (no labels)" }
        return [
            ("documents with a known word", "\(e.documents) (\(e.labelled) labelled, \(e.labels) labels)"),
            ("NMI", opt(e.nmi)), ("ARI", opt(e.ari)), ("purity", opt(e.purity)),
            ("NPMI coherence", String(format: "%.3f", e.npmi)), ("topic diversity", String(format: "%.3f", e.diversity)),
            ("mean |cos| between units", String(format: "%.4f", e.meanAbsCos)),
            ("max |cos| between units", String(format: "%.4f", e.maxAbsCos)),
            ("dead units", "\(e.deadUnits) of \(e.units)"),
            ("units with a positive code per document", String(format: "%.2f", e.codeSparsity)),
        ]
    }

    static func text(_ e: ModelEvaluation) -> String {
        rows(e).map { String(repeating: " ", count: max(0, 40 - $0.0.count)) + $0.0 + "  " + $0.1 }.joined(separator: "\n")
    }

    struct JSON: Encodable {
        let units, documents, labelled, labels, deadUnits: Int
        let nmi, ari, purity: Double?
        let npmi, diversity, meanAbsCos, maxAbsCos, codeSparsity: Double

        enum CodingKeys: String, CodingKey {
            case units, documents, labelled, labels, deadUnits, nmi, ari, purity, npmi, diversity, meanAbsCos, maxAbsCos
            case codeSparsity
        }

        /// Every key is always present: null where there are no labels.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            for (k, v) in [(CodingKeys.units, units), (.documents, documents), (.labelled, labelled), (.labels, labels),
                           (.deadUnits, deadUnits)] { try c.encode(v, forKey: k) }
            for (k, v) in [(CodingKeys.nmi, nmi), (.ari, ari), (.purity, purity)] {
                if let v { try c.encode(v, forKey: k) } else { try c.encodeNil(forKey: k) }
            }
            for (k, v) in [(CodingKeys.npmi, npmi), (.diversity, diversity), (.meanAbsCos, meanAbsCos),
                           (.maxAbsCos, maxAbsCos), (.codeSparsity, codeSparsity)] { try c.encode(v, forKey: k) }
        }

        init(_ e: ModelEvaluation) {
            units = e.units
            documents = e.documents
            labelled = e.labelled
            labels = e.labels
            deadUnits = e.deadUnits
            nmi = e.nmi
            ari = e.ari
            purity = e.purity
            npmi = e.npmi
            diversity = e.diversity
            meanAbsCos = e.meanAbsCos
            maxAbsCos = e.maxAbsCos
            codeSparsity = e.codeSparsity
        }
    }
}
