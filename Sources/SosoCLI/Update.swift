// Update.swift - `soso update`: online learning, a trained model continues on new documents.
import ArgumentParser
import Foundation
import Soso

struct Update: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue training a model on new documents (online learning).",
        discussion: """
        The model keeps its learner, weights, optimiser and schedule state; --epochs more \
        epochs are planned after the ones done, and the learning rate goes on from where its \
        annealing stood (with T epochs done, about T / (T + E) of the way), so new documents \
        move a long-trained model gently. The vocabulary does not grow: words outside it are \
        counted and the most frequent are listed; to learn them, train a new model. Ctrl-C \
        writes a checkpoint that 'soso train CORPUS -o OUTPUT --resume CHECKPOINT' continues.
        """
    )

    @Argument(help: "A model written by 'soso train' (or 'soso update').")
    var model: String

    @Argument(help: "The new documents; '-' for stdin (not with --stream).")
    var corpus: String

    @Option(name: .shortAndLong, help: "Where to write the updated model (written atomically; may be MODEL).")
    var output: String

    @Option(parsing: .unconditional, help: "Epochs over the new documents.")
    var epochs = 1

    @Option(parsing: .unconditional, help: ArgumentHelp(trainingThreadsHelp))
    var threads: Int?

    @Option(name: .customLong("checkpoint-every"), parsing: .unconditional, help: "Write a checkpoint every N epochs (0: only when interrupted).")
    var checkpointEvery = 0

    @Option(help: "Where checkpoints go. Default: OUTPUT.checkpoint.")
    var checkpoint: String?

    @Flag(name: .shortAndLong, help: "No progress line and no summary.")
    var quiet = false

    @OptionGroup var input: CorpusInput

    @OptionGroup var streaming: StreamOptions

    func validate() throws {
        if epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        try validateThreads(threads)
        if checkpointEvery < 0 { throw ValidationError("--checkpoint-every must be at least 0") }
        if output == "-" || output.isEmpty { throw ValidationError("--output must name a file") }
    }

    func run() throws {
        installEarlyStopHandlers()
        let start = Date()
        try OutputFile.check(output, inputs: [corpus], stdoutAllowed: false) // MODEL may be rewritten
        try OutputFile.check(checkpoint ?? output + ".checkpoint", option: "--checkpoint",
                             inputs: [corpus, model], stdoutAllowed: false)
        let m = try Model(contentsOf: model)
        // A checkpoint (stopped between epochs or inside one) finishes its own training first.
        if m.epochsDone < m.totalEpochs {
            throw SosoError(.invalidArgument, "\(model) has \(m.totalEpochs - m.epochsDone) of \(m.totalEpochs) epochs left "
                            + "to train; finish it with soso train --resume before updating it")
        }
        let threadCount = threads ?? Soso.maxThreads
        let streamed = streaming.stream ? try input.stream(corpus) : nil
        // Streamed, the corpus in memory is a sample for the health report; unknown words
        // are counted piece by piece.
        let c = try streamed?.sample(seed: 1, maxDocuments: streaming.piece) ?? input.load(corpus)
        var unknown = UnknownWords(vocabulary: m.vocabulary)
        if let s = streamed {
            try s.forEachPiece(pieceBlocks: streaming.pieceBlocks) { try unknown.count($0) }
        } else {
            try unknown.count(c)
        }
        let documents = try Documents(corpus: c, vocabulary: m.vocabulary, input: m.input)
        // A model trained on expanded documents learns from the new ones expanded the same
        // way (co-occurrences counted on the new documents); streamed, they cannot be.
        if streamed == nil, let expansion = m.expansion { showExpansion(expansion, documents: c.count, quiet: quiet) }
        let training = streamed == nil ? try m.expansion.map { try documents.expanded($0, threads: threadCount) } : nil
        if streamed != nil, m.expansion != nil, !quiet {
            note("the model was trained on expanded documents; streamed new documents are not expanded")
        }
        let before = m.epochsDone
        try m.extend(epochs: epochs)
        let run = TrainingRun(checkpointPath: checkpoint ?? output + ".checkpoint", checkpointEvery: checkpointEvery,
                              quiet: quiet, command: "soso train \(shellQuoted(corpus)) -o \(shellQuoted(output))"
                                + streaming.flags + input.flags + checkpointFlags(checkpoint, every: checkpointEvery))
        try run.train(m, streamed.map { ($0, streaming.pieceBlocks) }, else: training ?? documents,
                      threads: threads ?? defaultTrainingThreads(m))
        try m.save(to: output)
        if quiet { return }
        note(String(format: "updated %d units on %d new documents: epochs %d -> %d in %.1f s; wrote %@", m.units,
                    streamed?.count ?? c.count, before, m.epochsDone, Date().timeIntervalSince(start), output))
        if unknown.total > 0 {
            let top = unknown.top(5).map { "\($0.word) (\($0.count))" }.joined(separator: ", ")
            note("\(unknown.total) word occurrence(s) of \(unknown.counts.count) word(s) are not in the model's vocabulary "
                + "and were ignored; most frequent: \(top)")
        }
        // On the new documents only: a batch of one topic may well go to one unit.
        note(streamed != nil ? "health on a sample of \(c.count) of the new documents from all over the file:"
                             : "health on the \(c.count) new documents:")
        note(HealthReport.text(try m.health(documents, threads: threadCount), learner: m.learner))
    }
}

/// Words of a corpus outside a vocabulary (as the model's tokenizer sees them).
struct UnknownWords {
    let vocabulary: Vocabulary
    let options: TextOptions
    var counts: [String: Int] = [:]

    init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
        options = vocabulary.textOptions
    }

    var total: Int { counts.values.reduce(0, +) }

    mutating func count(_ c: Corpus) throws {
        for i in 0..<c.count {
            for w in try Vocabulary.tokenize(c.text(i), options: options) where vocabulary.index(of: w) == nil {
                counts[w, default: 0] += 1
            }
        }
    }

    /// The most frequent, ties alphabetical.
    func top(_ n: Int) -> [(word: String, count: Int)] {
        counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(n)
            .map { (word: $0.key, count: $0.value) }
    }
}
