// Info.swift - `soso info`: what a model file holds.
import ArgumentParser
import Foundation
import Soso

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Describe a model: learner, sizes, settings, training done.")

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    func run() throws {
        let m = try Model(contentsOf: model)
        var lines = ["model       \(model)", "units       \(m.units)", "vocabulary  \(m.vocabulary.count) words"]
        let input = m.input
        lines.append("input       \(input.weighting == .binary ? "binary" : "counts")\(input.idf ? " idf" : "")\(input.normalize ? " l2" : "")")
        if let h = m.hebbian {
            lines.append("learner     hebbian  p=\(h.p) k=\(h.k) delta=\(h.delta) eps0=\(h.eps0) batch=\(h.batchSize) seed=\(h.seed)")
            lines.append("trained     \(m.epochsDone) of \(h.epochs) epochs")
        }
        lines.append("library     \(Soso.buildInfo)")
        out(lines.joined(separator: "\n") + "\n")
    }
}
