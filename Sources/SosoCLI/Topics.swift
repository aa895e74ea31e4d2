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
        contrary to the concept.
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
            if json {
                units.append(UnitJSON(unit: u, words: words.map { WordJSON(word: $0.word, weight: $0.weight) },
                                      contrary: contrary?.map { WordJSON(word: $0.word, weight: $0.weight) }))
            } else {
                out(String(format: "%3d  ", u) + list(words) + "\n")
                if let c = contrary, !c.isEmpty { out("     contrary: " + list(c) + "\n") }
            }
        }
        if json { out(try jsonLine(units)) }
    }
}
