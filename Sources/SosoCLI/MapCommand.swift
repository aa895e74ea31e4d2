// MapCommand.swift - `soso map`: a t-SNE map of the documents' codes as an SVG picture.
import ArgumentParser
import Foundation
import Soso

struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Draw a 2-D t-SNE map of the documents' codes as SVG, coloured by label (or by cluster without labels).",
        discussion: "Exact t-SNE: beyond --max-points documents, an even sample of them is drawn (said on stderr). Deterministic for a seed."
    )

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    @Argument(help: "The corpus; '-' for stdin.")
    var corpus: String

    @Option(name: .shortAndLong, help: "Where to write the SVG ('-': standard output).")
    var output: String

    @Option(parsing: .unconditional, help: "t-SNE perplexity.")
    var perplexity: Float = 30

    @Option(parsing: .unconditional, help: "Seed of the map.")
    var seed: UInt64 = 1

    @Option(name: .customLong("max-points"), parsing: .unconditional, help: "At most this many documents are drawn.")
    var maxPoints: Int = 2000

    @Option(parsing: .unconditional, help: "t-SNE iterations.")
    var iterations: Int = 1000

    @Option(parsing: .unconditional, help: "Threads. Default: all cores.")
    var threads: Int?

    @Flag(name: .shortAndLong, help: "No progress line, and no line saying where the map went.")
    var quiet = false

    @OptionGroup var input: CorpusInput

    func validate() throws {
        try validateThreads(threads)
        if maxPoints < 10 || maxPoints > 5000 { throw ValidationError("--max-points must be between 10 and 5000") }
        if iterations < 1 || iterations > 100_000 { throw ValidationError("--iterations must be between 1 and 100000") }
        if !(perplexity >= 1 && perplexity <= 5000) { throw ValidationError("--perplexity must be between 1 and 5000") }
    }

    func run() throws {
        try OutputFile.check(output, inputs: [model, corpus])
        let m = try Model(contentsOf: model)
        let c = try PreparedCorpus(corpus, model: m, input: input)
        let (svg, _) = try DocumentMap.svg(m, c, title: "\(URL(fileURLWithPath: model).lastPathComponent) on \(URL(fileURLWithPath: corpus).lastPathComponent)",
                                      perplexity: perplexity, seed: seed, maxPoints: maxPoints, iterations: iterations,
                                      threads: threads ?? Soso.maxThreads, quiet: quiet)
        try stopIfRequested(DocumentMap.interrupted)
        try writeFile(Data(svg.utf8), to: output)
        if output != "-" && !quiet { note("wrote the map to \(output)") } // as report says it
    }
}

enum DocumentMap {
    static let interrupted = "interrupted during the map's t-SNE; nothing written"

    /// The map of a corpus as SVG text, and the perplexity taken. perplexity nil: 30, or a
    /// third of the documents where there are fewer than 91 (t-SNE needs more points than
    /// its perplexity).
    static func svg(_ m: Model, _ c: PreparedCorpus, title: String, perplexity: Float?, seed: UInt64, maxPoints: Int,
                    iterations: Int, threads: Int, quiet: Bool) throws -> (svg: String, perplexity: Float) {
        // Thousands of points take minutes: a progress line, and Ctrl-C stops with nothing written.
        installStopHandlers()
        let docs = c.documents
        let codes = try m.encode(docs, threads: threads)
        let h = m.units
        var rows = (0..<docs.rows).filter { !docs.row($0).indices.isEmpty }
        if rows.count > maxPoints {
            note("the map shows an even sample of \(maxPoints) of the \(rows.count) documents (exact t-SNE)")
            let step = Double(rows.count) / Double(maxPoints)
            rows = (0..<maxPoints).map { rows[Int(Double($0) * step)] }
        }
        let perplexity = perplexity ?? min(30, max(1, Float(rows.count - 1) / 3))
        guard Float(rows.count) > perplexity else {
            throw SosoError(.invalidArgument, "the map needs more documents with known words (\(rows.count)) than the perplexity (\(perplexity))")
        }
        var points = [Float]()
        points.reserveCapacity(rows.count * h)
        for r in rows {
            // Codes scaled to unit length: the map shows which concepts, not how many words.
            let v = codes[(r * h)..<((r + 1) * h)]
            let norm = max(sqrt(v.reduce(0) { $0 + $1 * $1 }), 1e-12)
            points += v.map { $0 / norm }
        }
        let line = ProgressLine(quiet: quiet)
        let y: [Float]
        do {
            defer { line.finish() }
            y = try TSNE.embed(points, count: rows.count, dimension: h, perplexity: perplexity, iterations: iterations,
                               seed: seed, threads: threads) { line.update(steps: $0, what: "t-SNE iteration") }
        } catch let e as SosoError where e.code == .aborted {
            throw SosoError(.aborted, DocumentMap.interrupted)
        }
        let labels = try c.corpus.labelIDs()
        let groups: [Int]
        let names: [String]
        if labels.names.isEmpty {
            groups = rows.map { r in Codes(values: Array(codes[(r * h)..<((r + 1) * h)])).cluster }
            names = (0..<h).map { u in "unit \(u): " + ((try? m.topicWords(unit: u, count: 3).map(\.word).joined(separator: " ")) ?? "") }
        } else {
            let unlabelled = labels.names.count // documents without a label get a group of their own
            groups = rows.map { labels.ids[$0] >= 0 ? Int(labels.ids[$0]) : unlabelled }
            names = labels.names + (groups.contains(unlabelled) ? ["(no label)"] : [])
        }
        return (Svg.map(points: y, groups: groups, names: names, title: title), perplexity)
    }
}
