// Topics.swift - `soso topics`: each unit's strongest words.
import ArgumentParser
import Foundation
import Soso

struct Topics: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show each unit's topic words (largest positive weights).",
        discussion: """
        For an osc model (and with --negative for any model) each unit also shows its strongest \
        negative words, labelled 'contrary': a large negative code means the document is \
        contrary to the concept. The text lists only contrary words of at least 2% of the \
        unit's strongest weight (smaller ones are noise); --json lists them all, with weights.
        """
    )

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    @Option(parsing: .unconditional, help: "Words per unit.")
    var top: Int = 10

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Show each word's weight.")
    var weights = false

    @Flag(help: "Also show the strongest negative words (always on for osc models).")
    var negative = false

    static let contraryFloor: Float = 0.02

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1") }
    }

    struct UnitJSON: Encodable {
        let unit: Int
        let words: [WordJSON]
        let contrary: [WordJSON]?
    }

    struct WordJSON: Encodable {
        let word: String
        let weight: Float
    }

    func run() throws {
        let m = try Model(contentsOf: model)
        let showNegative = negative || m.learner == .osc
        var units: [UnitJSON] = []
        func list(_ words: [TopicWord]) -> String {
            words.map { weights ? String(format: "%@(%.3f)", $0.word, $0.weight) : $0.word }.joined(separator: " ")
        }
        for u in 0..<m.units {
            let words = try m.topicWords(unit: u, count: top)
            let contrary = showNegative ? try m.topicWords(unit: u, count: top, negative: true) : nil
            // On 63,710 package descriptions an osc unit led by development (0.688) listed
            // gimp (-0.003) as its contrary; on the bundled sample they are 5-10% of it.
            let strongest = max(words.first.map { abs($0.weight) } ?? 0, contrary?.first.map { abs($0.weight) } ?? 0)
            let shown = contrary?.filter { abs($0.weight) >= Topics.contraryFloor * strongest }
            if json {
                units.append(UnitJSON(unit: u, words: words.map { WordJSON(word: $0.word, weight: $0.weight) },
                                      contrary: contrary?.map { WordJSON(word: $0.word, weight: $0.weight) }))
            } else {
                out(String(format: "%3d  ", u) + list(words) + "\n")
                if let c = shown, !c.isEmpty { out("     contrary: " + list(c) + "\n") }
            }
        }
        if json { out(try jsonLine(units)) }
    }
}
