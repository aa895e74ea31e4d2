// Train.swift - `soso train`: learn a codebook from a corpus and save it.
import ArgumentParser
import Foundation
import Soso

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Learn concepts from a corpus and save the model.",
        discussion: "Defaults are the reference values of the competing-hidden-units rule (ALGORITHMS.md section 1)."
    )

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case hebbian
    }

    @Argument(help: "The corpus: one document per line, optional 'label<TAB>' prefix; '-' for stdin.")
    var corpus: String

    @Option(name: .shortAndLong, help: "Where to write the model (written atomically).")
    var output: String

    @Option(help: "Learner: \(Method.allCases.map(\.rawValue).joined(separator: ", ")).")
    var method: Method = .hebbian

    @Option(help: "Number of units (concepts).")
    var units: Int = 16

    @Option(help: "Passes over the corpus.")
    var epochs: Int = 200

    @Option(help: "Documents per mini-batch.")
    var batch: Int = 100

    @Option(help: "Seed of the initial weights and the shuffling.")
    var seed: UInt64 = 1

    @Option(help: "Threads (results do not depend on it). Default: all cores.")
    var threads: Int?

    @Option(help: "Lebesgue exponent p of the Hebbian rule (>= 1).")
    var p: Float = 2

    @Option(help: "Rank of the unit pushed away (anti-Hebbian); 1 turns the push off.")
    var k: Int = 2

    @Option(help: "Strength of the anti-Hebbian push.")
    var delta: Float = 0.4

    @Option(help: "Initial learning rate (annealed linearly to 0).")
    var eps0: Float = 0.02

    @Option(name: .customLong("min-df"), help: "Keep words found in at least this many documents.")
    var minDF: Int = 2

    @Option(name: .customLong("max-vocab"), help: "Keep at most this many words (most frequent).")
    var maxVocab: Int?

    @Option(name: .customLong("min-word-length"), help: "Shortest word kept, in letters.")
    var minWordLength: Int = 2

    @Option(name: .customLong("stop-words"), help: "A file of extra stop words, one per line.")
    var stopWordsFile: String?

    @Flag(name: .customLong("no-stop-words"), help: "Keep the built-in English stop words.")
    var noStopWords = false

    @Flag(help: "Weight words by inverse document frequency.")
    var idf = false

    @Flag(help: "Use word counts instead of binary presence.")
    var counts = false

    @Flag(name: .customLong("no-normalize"), help: "Do not scale documents to unit length.")
    var noNormalize = false

    @Flag(name: .shortAndLong, help: "No progress line and no summary.")
    var quiet = false

    @OptionGroup var input: CorpusInput

    func validate() throws {
        if units < 1 { throw ValidationError("--units must be at least 1, got \(units)") }
        if k < 1 || k > units { throw ValidationError("--k must be between 1 and --units (\(units)), got \(k)") }
        if epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if minDF < 1 { throw ValidationError("--min-df must be at least 1") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        if output == "-" || output.isEmpty { throw ValidationError("--output must name a file") }
    }

    func run() throws {
        let start = Date()
        let corpus = try input.load(self.corpus)
        var text = TextOptions()
        text.minDocumentFrequency = minDF
        text.maxVocabularySize = maxVocab
        text.minWordLength = minWordLength
        text.builtinStopWords = !noStopWords
        if let file = stopWordsFile {
            guard let content = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw SosoError(.io, "cannot read the stop-word file \(file)")
            }
            text.extraStopWords = content.split(whereSeparator: \.isNewline).map(String.init)
        }
        var inputOptions = InputOptions()
        inputOptions.idf = idf
        inputOptions.weighting = counts ? .counts : .binary
        inputOptions.normalize = !noNormalize

        let vocabulary = try Vocabulary(corpus: corpus, options: text)
        let documents = try Documents(corpus: corpus, vocabulary: vocabulary, input: inputOptions)
        var config = HebbianConfiguration()
        config.units = units
        config.epochs = epochs
        config.batchSize = batch
        config.seed = seed
        config.p = p
        config.k = k
        config.delta = delta
        config.eps0 = eps0
        let threadCount = threads ?? Soso.maxThreads
        let model = try Model(hebbian: config, vocabulary: vocabulary, input: inputOptions, threads: threadCount)

        installStopHandlers()
        let line = ProgressLine(quiet: quiet)
        do {
            try model.train(documents, threads: threadCount) { line.update($0) }
        } catch let error as SosoError where error.code == .aborted {
            line.finish()
            throw SosoError(.aborted, "interrupted after \(model.epochsDone) of \(epochs) epochs; nothing was written")
        }
        line.finish()
        try model.save(to: output)
        if !quiet {
            note(String(format: "trained %d units on %d documents (%d words) in %.1f s; wrote %@",
                        units, corpus.count, vocabulary.count, Date().timeIntervalSince(start), output))
        }
    }
}
