// ReportCommand.swift - `soso report`: one self-contained HTML page (no network) with the
// evaluation, each unit's words, unit usage, the overlap heat map, the map and the health.
import ArgumentParser
import Foundation
import Soso

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML report: evaluation, topics, unit usage, overlap, map, health."
    )

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    @Argument(help: "The corpus; '-' for stdin.")
    var corpus: String

    @Option(name: .shortAndLong, help: "Where to write the HTML page ('-': standard output).")
    var output: String

    @Option(parsing: .unconditional, help: "Words per unit shown.")
    var top: Int = 10

    @Option(name: .customLong("max-points"), parsing: .unconditional, help: "At most this many documents on the map.")
    var maxPoints: Int = 2000

    @Option(parsing: .unconditional, help: "Seed of the map.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "Threads. Default: all cores.")
    var threads: Int?

    @Flag(name: .shortAndLong, help: "No progress line and no line saying where the report went.")
    var quiet = false

    @OptionGroup var input: CorpusInput

    func validate() throws {
        try validateThreads(threads)
        if top < 2 || top > 1000 {
            throw ValidationError("--top must be from 2 to 1000 (NPMI's pairs of each unit's top words grow as its square)")
        }
        if maxPoints < 10 || maxPoints > 5000 { throw ValidationError("--max-points must be between 10 and 5000") }
    }

    func run() throws {
        try OutputFile.check(output, inputs: [model, corpus])
        let m = try Model(contentsOf: model)
        let c = try PreparedCorpus(corpus, model: m, input: input) // read and its words checked once, for all parts
        let t = threads ?? Soso.maxThreads
        let e = try Evaluator.evaluate(m, c, top: top, threads: t)
        let health = try m.health(c.documents, threads: t)
        let modelName = URL(fileURLWithPath: model).lastPathComponent, corpusName = URL(fileURLWithPath: corpus).lastPathComponent
        let (map, perplexity) = try DocumentMap.svg(m, c, title: "\(modelName) on \(corpusName)", perplexity: nil,
                                                    seed: seed, maxPoints: maxPoints, iterations: 1000, threads: t,
                                                    quiet: quiet)
        let cos = try Orthogonality.cosines(m.weights, rows: m.units, columns: m.vocabulary.count, threads: t).map { Double(abs($0)) }
        var html = """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/>
        <title>SOSO report: \(Svg.escape(modelName))</title>
        <style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse}
        td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}
        .neg{color:#a33}.warn{color:#a33;font-weight:bold}pre{background:#f7f7f7;padding:8px}</style></head><body>
        <h1>SOSO report: \(Svg.escape(modelName)) on \(Svg.escape(corpusName))</h1>
        <p>\(m.units) units over \(m.vocabulary.count) words; \(c.corpus.count) documents. SOSO \(Svg.escape(Soso.version)).</p>
        <h2>Evaluation</h2><table class="evaluation">
        """
        for (k, v) in Evaluator.rows(e) { html += "<tr><th>\(Svg.escape(k))</th><td>\(Svg.escape(v))</td></tr>\n" }
        html += "</table>\n<h2>Health</h2>\n"
        for w in health.warnings { html += "<p class=\"warn\">\(Svg.escape(HealthReport.message(w, learner: m.learner)))</p>\n" }
        html += "<pre>\(Svg.escape(HealthReport.text(health, learner: m.learner)))</pre>\n"
        html += "<h2>Units</h2><table class=\"units\"><tr><th>unit</th><th>documents</th><th>strongest words</th><th>contrary (negative) words</th></tr>\n"
        for u in 0..<m.units {
            let pos = try m.topicWords(unit: u, count: top).map { "\(Svg.escape($0.word)) (\(String(format: "%.3f", $0.weight)))" }
            let neg = try m.topicWords(unit: u, count: top, negative: true).map { "\(Svg.escape($0.word)) (\(String(format: "%.3f", $0.weight)))" }
            html += "<tr><td>\(u)</td><td>\(health.wins[u])</td><td>\(pos.joined(separator: ", "))</td><td class=\"neg\">\(neg.joined(separator: ", "))</td></tr>\n"
        }
        html += "</table>\n<h2>Unit usage</h2>\n"
        let labels = try (0..<m.units).map { u in "\(u) " + (try m.topicWords(unit: u, count: 2).map(\.word).joined(separator: " ")) }
        html += Svg.bars(values: health.wins, labels: labels, title: "documents won by each unit")
        html += "<h2>Overlap between units</h2>\n" + Svg.heatmap(cos, size: m.units, title: "|cos| between units (darker: more alike)")
        html += "<h2>Map of the documents</h2>\n<p>t-SNE of the documents' codes (perplexity \(String(format: "%.3g", perplexity)), seed \(seed)).</p>\n" + map
        html += "</body></html>\n"
        try stopIfRequested("interrupted while making the report; nothing written")
        try writeFile(Data(html.utf8), to: output)
        if output != "-" && !quiet { note("wrote the report to \(output)") }
    }
}
