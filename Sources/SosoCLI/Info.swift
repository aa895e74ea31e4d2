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
        if let e = m.expansion {
            lines.append(String(format: "expansion   training documents + their words' %d strongest co-occurring words%@, gain %g",
                                e.neighbors, e.hops == 2 ? " by two hops" : "", e.gain))
        }
        if let h = m.hebbian {
            lines.append("learner     hebbian  p=\(h.p) k=\(h.k) delta=\(h.delta) eps0=\(h.eps0) batch=\(h.batchSize) seed=\(h.seed)"
                + (h.orthogonalizeEvery > 0 ? " orthogonalize=\(h.orthogonalizeEvery)" : ""))
            lines.append("trained     \(m.epochsDone) of \(h.epochs) epochs")
        }
        if let o = m.osc {
            lines.append("learner     osc  sparsity=\(o.sparsity) eps=\(o.epsInitial)..\(o.epsFinal) init=\(o.initialization == .lsa ? "lsa" : "random") seed=\(o.seed)\(o.exact ? " exact" : "")")
            lines.append("trained     \(m.epochsDone) of \(o.epochs) epochs")
        }
        if let q = m.soft {
            lines.append(String(format: "learner     soft  gate=%d T=%g..%g gamma=%g eta=%g inhibitor=%g seed=%llu",
                                q.k, q.temperatureInitial, q.temperatureFinal, q.gamma, q.eta, q.inhibitorRate, q.seed)
                + (q.orthogonalizeEvery > 0 ? " orthogonalize=\(q.orthogonalizeEvery)" : ""))
            lines.append("trained     \(m.epochsDone) of \(q.epochs) epochs")
        }
        let w = m.weights
        if let ov = try? Orthogonality.overlap(w, rows: m.units, columns: m.vocabulary.count) {
            lines.append(String(format: "overlap     mean |cos| %.4f, max %.4f between units", ov.mean, ov.max))
        }
        lines.append("library     \(Soso.buildInfo)")
        if let warn = Soso.blasWarning() { lines.append(warn) }
        if let note = Soso.blasNote() { lines.append(note) }
        out(lines.joined(separator: "\n") + "\n")
    }
}
