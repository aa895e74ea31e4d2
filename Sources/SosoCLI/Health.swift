// Health.swift - `soso health`: does every unit of a model work on a corpus?
import ArgumentParser
import Foundation
import Soso

struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check a model on a corpus: unit usage, dead units, effective units, gate entropy, overlap.",
        discussion: "Warns, in plain words, about collapse to one unit, a near-uniform gate, dead units and duplicated units. Exits 0 either way; --json for machines."
    )

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    @Argument(help: "The corpus; '-' for stdin.")
    var corpus: String

    @Option(parsing: .unconditional, help: "Threads. Default: all cores.")
    var threads: Int?

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var input: CorpusInput

    func validate() throws { try validateThreads(threads) }

    func run() throws {
        let m = try Model(contentsOf: model)
        let docs = try PreparedCorpus(corpus, model: m, input: input).documents
        let h = try m.health(docs, threads: threads ?? Soso.maxThreads)
        out(json ? try jsonLine(HealthReport.JSON(h)) : HealthReport.text(h, learner: m.learner) + "\n")
    }
}

/// The health report as text and as JSON, shared by `health` and `train`.
enum HealthReport {
    static func text(_ h: Health, learner: Model.Learner) -> String {
        var lines = [String(format: "health: %d documents; effective units %.1f of %d; dead units %d; largest unit %.0f%% of documents",
                            h.documents, h.effectiveUnits, h.wins.count, h.deadUnits, 100 * h.topShare)]
        if let e = h.gateEntropy, let mx = h.gateEntropyMax {
            lines.append(String(format: "        gate entropy %.3f of at most %.3f nats", e, mx))
        }
        lines.append(String(format: "        overlap between units: mean |cos| %.4f, max %.4f", h.meanAbsCos, h.maxAbsCos))
        lines.append("        wins per unit: " + h.wins.map(String.init).joined(separator: " "))
        lines += h.warnings.map { "warning: " + message($0, learner: learner) }
        if h.warnings.isEmpty { lines.append("        healthy: no warning") }
        return lines.joined(separator: "\n")
    }

    /// The library's warning with advice in this tool's options for the model's learner
    /// (the library's own advice names no option, and one learner's remedy, such as soft's
    /// inhibitor, is refused by another).
    static func message(_ w: Health.Warning, learner: Model.Learner) -> String {
        let what = w.message.split(separator: ";", maxSplits: 1).first.map(String.init) ?? w.message
        let advice: String
        switch (w, learner) {
        case (.collapse, .soft): advice = "raise --inhibitor or lower --t-final, or train on more varied documents"
        case (.collapse, _): advice = "the others learn little; train on more varied documents"
        case (.uniformGate, _): advice = "lower --t-final"
        case (.deadUnits, .hebbian): advice = "train more epochs or use fewer --units"
        case (.deadUnits, .soft): advice = "train more epochs, raise --inhibitor, or use fewer --units"
        case (.deadUnits, .osc): advice = "use fewer --units"
        case (.duplicates, .osc): advice = "use fewer --units"
        case (.duplicates, _): advice = "orthogonalise them (--orthogonalize N, every N mini-batches) or use fewer --units"
        }
        return what + "; " + advice
    }

    struct JSON: Encodable {
        let documents: Int
        let units: Int
        let wins: [Int]
        let deadUnits: Int
        let effectiveUnits: Double
        let topShare: Double
        let gateEntropy: Double?
        let gateEntropyMax: Double?
        let meanAbsCos: Double
        let maxAbsCos: Double
        let warnings: [String]
        let healthy: Bool

        enum CodingKeys: String, CodingKey {
            case documents, units, wins, deadUnits, effectiveUnits, topShare, gateEntropy, gateEntropyMax
            case meanAbsCos, maxAbsCos, warnings, healthy
        }

        /// Every key is always present: null where a measure does not apply.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(documents, forKey: .documents)
            try c.encode(units, forKey: .units)
            try c.encode(wins, forKey: .wins)
            try c.encode(deadUnits, forKey: .deadUnits)
            try c.encode(effectiveUnits, forKey: .effectiveUnits)
            try c.encode(topShare, forKey: .topShare)
            if let e = gateEntropy { try c.encode(e, forKey: .gateEntropy) } else { try c.encodeNil(forKey: .gateEntropy) }
            if let e = gateEntropyMax { try c.encode(e, forKey: .gateEntropyMax) } else { try c.encodeNil(forKey: .gateEntropyMax) }
            try c.encode(meanAbsCos, forKey: .meanAbsCos)
            try c.encode(maxAbsCos, forKey: .maxAbsCos)
            try c.encode(warnings, forKey: .warnings)
            try c.encode(healthy, forKey: .healthy)
        }

        init(_ h: Health) {
            documents = h.documents
            units = h.wins.count
            wins = h.wins
            deadUnits = h.deadUnits
            effectiveUnits = h.effectiveUnits
            topShare = h.topShare
            gateEntropy = h.gateEntropy
            gateEntropyMax = h.gateEntropyMax
            meanAbsCos = h.meanAbsCos
            maxAbsCos = h.maxAbsCos
            warnings = h.warnings.map { "\($0)" }
            healthy = h.isHealthy
        }
    }
}
