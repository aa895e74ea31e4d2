// Topics.swift - `soso topics`: each unit's strongest words.
import ArgumentParser
import Foundation
import Soso

struct Topics: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show each unit's topic words (largest positive weights).")

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    @Option(help: "Words per unit.")
    var top: Int = 10

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Show each word's weight.")
    var weights = false

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1") }
    }

    struct UnitJSON: Encodable {
        let unit: Int
        let words: [WordJSON]
    }

    struct WordJSON: Encodable {
        let word: String
        let weight: Float
    }

    func run() throws {
        let m = try Model(contentsOf: model)
        var units: [UnitJSON] = []
        for u in 0..<m.units {
            let words = try m.topicWords(unit: u, count: top)
            if json {
                units.append(UnitJSON(unit: u, words: words.map { WordJSON(word: $0.word, weight: $0.weight) }))
            } else {
                let list = words.map { weights ? String(format: "%@(%.3f)", $0.word, $0.weight) : $0.word }
                out(String(format: "%3d  ", u) + list.joined(separator: " ") + "\n")
            }
        }
        if json { out(try jsonLine(units)) }
    }
}
