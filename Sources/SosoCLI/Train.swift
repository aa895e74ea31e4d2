// Train.swift - `soso train`: learn a codebook from a corpus and save it.
import ArgumentParser
import Foundation
import Soso

/// `--epochs N` or `--epochs auto`.
enum EpochCount: Equatable, ExpressibleByArgument {
    case fixed(Int), auto

    init?(argument: String) {
        if argument == "auto" {
            self = .auto
        } else if let n = Int(argument) { // its range is checked in Train.validate, which can say why
            self = .fixed(n)
        } else {
            return nil
        }
    }
}

/// `--expand-hops 1`, `2` or `auto` (by the corpus's size).
enum HopsChoice: Equatable, ExpressibleByArgument {
    case fixed(Int), auto

    init?(argument: String) {
        switch argument {
        case "auto": self = .auto
        case "1", "2": self = .fixed(Int(argument)!)
        default: return nil
        }
    }

    /// The hops asked, nil for auto.
    var hops: Int? { if case .fixed(let h) = self { return h } else { return nil } }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Learn concepts from a corpus and save the model.",
        discussion: """
        Methods (default osc, the strongest on our measurements): 'hebbian', competing hidden units (Krotov & Hopfield 2019), with the reference \
        defaults of ALGORITHMS.md section 1; 'osc', orthogonal sparse coding (Schuetze et al. 2016): \
        orthonormal units, each document coded by its --sparsity strongest units, started from \
        the corpus's leading singular vectors (LSA); 'soft', soft competition: a softmax gate over \
        the top --gate units with a temperature annealed from --t-initial to --t-final and a \
        mean-activation inhibitor, Oja updates, units started from random documents. After \
        training a health report says whether every unit works.
        """
    )

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case hebbian, osc, soft
    }

    enum Initialization: String, ExpressibleByArgument, CaseIterable {
        case lsa, random, documents
    }

    @Argument(help: "The corpus: one document per line, optional 'label<TAB>' prefix; '-' for stdin.")
    var corpus: String

    @Option(name: .shortAndLong, help: "Where to write the model (written atomically).")
    var output: String

    @Option(help: "Learner: \(Method.allCases.map(\.rawValue).joined(separator: ", ")).")
    var method: Method = .osc

    @Option(parsing: .unconditional, help: "Number of units (concepts).")
    var units: Int = 16

    @Option(help: "Passes over the corpus (default: 200 for hebbian, 30 for soft, 20 for osc, or fewer on a large corpus: enough for about 30,000 updates of each unit (documents x sparsity / units an epoch), at least 2), or 'auto': stop once fewer than --stable of the documents changed unit over the last quarter of the epochs so far, within --max-epochs.")
    var epochs: EpochCount?

    @Option(name: .customLong("max-epochs"), parsing: .unconditional, help: "With --epochs auto: the most epochs (the schedules anneal over them). Default: the learner's default epochs.")
    var maxEpochs: Int?

    @Option(parsing: .unconditional, help: "With --epochs auto: the share of documents changing unit (over the last quarter of the epochs so far) below which training stops (default 0.005).")
    var stable: Double?

    @Option(parsing: .unconditional, help: "Documents per mini-batch.")
    var batch: Int = 100

    @Option(parsing: .unconditional, help: "Seed of the initial weights and the shuffling.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: ArgumentHelp(trainingThreadsHelp))
    var threads: Int?

    @Option(parsing: .unconditional, help: "Lebesgue exponent p of the Hebbian rule (>= 1).")
    var p: Float = 2

    @Option(parsing: .unconditional, help: "Rank of the unit pushed away (anti-Hebbian); 1 turns the push off. (default: 2, or --units if fewer)")
    var k: Int?

    @Option(parsing: .unconditional, help: "Strength of the anti-Hebbian push.")
    var delta: Float = 0.4

    @Option(parsing: .unconditional, help: "Initial learning rate (annealed linearly to 0).")
    var eps0: Float = 0.02

    @Option(parsing: .unconditional, help: "Orthogonalise the units every N mini-batches and at the end (hebbian, soft; 0 never). (default: 0 for hebbian, the reference rule; \(Train.softOrthogonalizeEvery) for soft, whose units otherwise drift into copies of each other on large corpora, or 0 when --units exceeds the vocabulary)")
    var orthogonalize: Int?

    @Option(parsing: .unconditional, help: "Units in the soft gate (the top K by score) (soft). (default: 4, or --units if fewer)")
    var gate: Int?

    @Option(name: .customLong("t-initial"), parsing: .unconditional, help: "Starting temperature of the gate (soft).")
    var tInitial: Float = 1

    @Option(name: .customLong("t-final"), parsing: .unconditional, help: "Final temperature of the gate (soft).")
    var tFinal: Float = 0.05

    @Option(parsing: .unconditional, help: "Temperature factor per annealing step (soft).")
    var gamma: Float = 0.7

    @Option(name: .customLong("anneal-every"), parsing: .unconditional, help: "Documents between temperature steps; 0 = every epoch (soft).")
    var annealEvery: Int = 0

    @Option(parsing: .unconditional, help: "Learning rate, decaying linearly to 0 (soft).")
    var eta: Float = 0.1

    @Option(parsing: .unconditional, help: "Rate of the mean-activation inhibitor; 0 turns it off (soft).")
    var inhibitor: Float = 0.01

    @Option(name: .customLong("ortho-penalty"), parsing: .unconditional, help: "Strength of the penalty |W W^T - I|^2 (soft).")
    var orthoPenalty: Float = 0

    @Option(parsing: .unconditional, help: "Units that code each document (osc; default 2 with --expand, else 4; --units if fewer).")
    var sparsity: Int?

    @Option(name: .customLong("eps-initial"), parsing: .unconditional, help: "Learning rate at the start (osc; decays exponentially).")
    var epsInitial: Float = 0.1

    @Option(name: .customLong("eps-final"), parsing: .unconditional, help: "Learning rate at the end (osc).")
    var epsFinal: Float = 0.001

    @Option(help: "How the units start: \(Initialization.allCases.map(\.rawValue).joined(separator: ", ")) (default: lsa for osc, documents for soft).")
    var `init`: Initialization?

    @Flag(help: "Run the plain O(units^2 V) loop (osc; for checking: same result, slower).")
    var exact = false

    @Option(parsing: .unconditional, help: "Expand each training document with its words' N strongest co-occurring words, counted on the corpus, so that short texts on one topic overlap; the model stays over the same words and encodes plain text (bench/quality/STUDY.md section 7). Default: 100 for osc; 0 (off) for hebbian and soft, whose epochs it makes slower. 0 turns it off. Not with --stream or --input-model.")
    var expand: Int?

    @Option(name: .customLong("expand-gain"), parsing: .unconditional, help: "With --expand: weight of the added words against the document's own (default 16).")
    var expandGain: Float?

    @Option(name: .customLong("expand-hops"), help: "With --expand: rank a word's co-occurring words by direct counts (1) or by two steps (2), or 'auto': 2 on a corpus of fewer than 10,000 documents, whose direct counts are few (bench/quality/STUDY.md section 8). (default: auto)")
    var expandHops: HopsChoice?

    @Option(name: .customLong("min-df"), parsing: .unconditional, help: "Keep words found in at least this many documents.")
    var minDF: Int = 2

    @Option(name: .customLong("max-vocab"), parsing: .unconditional, help: "Keep at most this many words (most frequent).")
    var maxVocab: Int?

    @Option(name: .customLong("max-distinct-words"), parsing: .unconditional, help: "Refuse a corpus with more distinct words than this (0: no limit).")
    var maxDistinctWords: Int = 10_000_000

    @Option(name: .customLong("min-word-length"), parsing: .unconditional, help: "Shortest word kept, in letters.")
    var minWordLength: Int = 2

    @Option(name: .customLong("stop-words"), help: "A file of extra stop words, one per line.")
    var stopWordsFile: String?

    @Flag(name: .customLong("no-stop-words"), help: "Keep the built-in English stop words.")
    var noStopWords = false

    @Flag(inversion: .prefixedNo, help: "Weight words by inverse document frequency (default: on for osc, off otherwise).")
    var idf: Bool?

    @Flag(help: "Use word counts instead of binary presence.")
    var counts = false

    @Flag(name: .customLong("no-normalize"), help: "Do not scale documents to unit length.")
    var noNormalize = false

    @Flag(name: .shortAndLong, help: "No progress line and no summary.")
    var quiet = false

    @Option(help: "Write resumable checkpoints here (atomically); Ctrl-C writes one too. Default: OUTPUT.checkpoint.")
    var checkpoint: String?

    @Option(name: .customLong("checkpoint-every"), parsing: .unconditional, help: "Write a checkpoint every N epochs (0: only when interrupted).")
    var checkpointEvery: Int = 0

    @Option(help: "Continue the training saved in this checkpoint (its settings and vocabulary; the same corpus).")
    var resume: String?

    @Option(name: .customLong("input-model"), help: "Stack: train this model's units on the codes that MODEL gives each document, and save both layers composed into one model over MODEL's words (its vocabulary and input options; the vocabulary and input options here do not apply). With --resume, give the lower model the run started from.")
    var inputModel: String?

    @OptionGroup var input: CorpusInput

    @OptionGroup var streaming: StreamOptions

    func validate() throws {
        if units < 1 || units > 1 << 20 { throw ValidationError("--units must be between 1 and 1048576, got \(units)") }
        if batch > Int(UInt32.max) { throw ValidationError("--batch must be at most \(UInt32.max)") }
        if let t = threads, t > 1 << 16 { throw ValidationError("--threads must be at most 65536") }
        if method == .hebbian, let k = k, k < 1 || k > units {
            throw ValidationError("--k must be between 1 and --units (\(units)), got \(k)")
        }
        if case .fixed(let n) = epochs, n < 1 || n > Int(UInt32.max) {
            throw ValidationError("--epochs must be between 1 and \(UInt32.max), or auto (got \(n))")
        }
        if let m = maxEpochs, m < 1 || m > Int(UInt32.max) {
            throw ValidationError("--max-epochs must be between 1 and \(UInt32.max)")
        }
        if let s = stable, !(0...1).contains(s) { throw ValidationError("--stable must be in [0, 1]") }
        if epochs != .auto && (maxEpochs != nil || stable != nil) {
            throw ValidationError("--max-epochs and --stable go with --epochs auto")
        }
        if method == .osc, let k = sparsity, k < 1 || k > units {
            throw ValidationError("--sparsity must be between 1 and --units (\(units)), got \(k)")
        }
        if let orthogonalize, orthogonalize < 0 { throw ValidationError("--orthogonalize must be at least 0") }
        if method == .soft, let gate = gate, gate < 1 || gate > min(units, 64) {
            throw ValidationError("--gate must be between 1 and --units (\(units)) and at most 64, got \(gate)")
        }
        if annealEvery < 0 { throw ValidationError("--anneal-every must be at least 0") }
        // Ranges the C checks hold too, here under the flags' names (not eps_i, t_final).
        if method == .osc {
            if !(epsInitial > 0 && epsInitial <= 1) { throw ValidationError("--eps-initial must be in (0, 1], got \(epsInitial)") }
            if !(epsFinal > 0 && epsFinal <= 1) { throw ValidationError("--eps-final must be in (0, 1], got \(epsFinal)") }
        }
        if method == .hebbian {
            if !(p >= 1 && p.isFinite) { throw ValidationError("--p must be a finite number of at least 1, got \(p)") }
            if !(delta >= 0 && delta.isFinite) { throw ValidationError("--delta must be a finite number of at least 0, got \(delta)") }
            if !(eps0 > 0 && eps0.isFinite) { throw ValidationError("--eps0 must be a finite number above 0, got \(eps0)") }
        }
        if method == .soft {
            if !(eta > 0 && eta.isFinite) { throw ValidationError("--eta must be a finite number above 0, got \(eta)") }
            if !(inhibitor >= 0 && inhibitor < 1) { throw ValidationError("--inhibitor must be in [0, 1), got \(inhibitor)") }
            if !(orthoPenalty >= 0 && orthoPenalty.isFinite) {
                throw ValidationError("--ortho-penalty must be a finite number of at least 0, got \(orthoPenalty)")
            }
        }
        if method == .soft {
            if !(tInitial > 0 && tInitial.isFinite) { throw ValidationError("--t-initial must be a finite number above 0") }
            if !(tFinal > 0 && tFinal <= tInitial) { throw ValidationError("--t-final must be above 0 and at most --t-initial") }
            if !(gamma > 0 && gamma <= 1) { throw ValidationError("--gamma must be in (0, 1]") }
        }
        if method == .osc && `init` == .documents { throw ValidationError("--init documents is for --method soft") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if minDF < 1 { throw ValidationError("--min-df must be at least 1") }
        if let v = maxVocab, v < 1 { throw ValidationError("--max-vocab must be at least 1 (leave it out for no limit)") }
        if maxDistinctWords < 0 { throw ValidationError("--max-distinct-words must be at least 0 (0: no limit)") }
        if minWordLength < 1 || minWordLength > TextOptions().maxWordLength {
            throw ValidationError("--min-word-length must be between 1 and \(TextOptions().maxWordLength)")
        }
        try validateThreads(threads)
        if output == "-" || output.isEmpty { throw ValidationError("--output must name a file") }
        if checkpointEvery < 0 { throw ValidationError("--checkpoint-every must be at least 0") }
        if let n = expand, n < 0 || n > 1000 { throw ValidationError("--expand must be between 0 and 1000, got \(n)") }
        if let g = expandGain, !(g > 0 && g <= 1e6) { throw ValidationError("--expand-gain must be above 0 and at most 1e6") }
        if expandGain != nil && expandNeighbors == 0 { throw ValidationError("--expand-gain goes with --expand N (N > 0)") }
        if expandHops != nil && expandNeighbors == 0 { throw ValidationError("--expand-hops goes with --expand N (N > 0)") }
        if resume == nil, let foreign = optionsForOtherLearners.first {
            throw ValidationError("\(foreign.option) is for --method \(foreign.learners); it does nothing with \(method.rawValue)")
        }
        if resume != nil {
            let ignored = settingsGiven
            if !ignored.isEmpty {
                throw ValidationError("--resume trains, expands and reads words as the checkpoint records; drop "
                                      + ignored.joined(separator: ", "))
            }
        }
        if (expand ?? 0) > 0 && streaming.stream {
            throw ValidationError("--expand counts co-occurrences over the whole corpus in memory; it does not go with --stream")
        }
        if (expand ?? 0) > 0 && inputModel != nil { throw ValidationError("--expand is for words; it does not go with --input-model") }
        if inputModel != nil {
            if streaming.stream { throw ValidationError("--input-model needs the corpus in memory; it does not go with --stream") }
            if idf != nil || counts || noNormalize {
                throw ValidationError("with --input-model the input options are the lower model's; drop --idf/--no-idf, --counts and --no-normalize")
            }
            if method == .hebbian && p <= 1 { throw ValidationError("a stacked Hebbian layer needs --p above 1 (p must be above 1)") }
        }
    }

    /// Neighbours of a word in the expansion: as asked, else 100 for osc on words in
    /// memory (bench/quality/STUDY.md section 7), else 0 (none).
    private var expandNeighbors: Int {
        expand ?? (method == .osc && !streaming.stream && inputModel == nil ? Expansion().neighbors : 0)
    }

    /// The expansion of a corpus of `documents` documents, nil: none.
    private func expansion(documents: Int) -> Expansion? {
        guard expandNeighbors > 0 else { return nil }
        let hops = expandHops?.hops ?? Expansion.hops(documents: documents) // nil or auto: by size
        return Expansion(neighbors: expandNeighbors, gain: expandGain ?? Expansion().gain, hops: hops)
    }

    func run() throws {
        installEarlyStopHandlers()
        let start = Date()
        let inputs = [corpus, inputModel, stopWordsFile] // not --resume: read whole first, and rewritten as it goes
        try OutputFile.check(output, inputs: inputs, stdoutAllowed: false)
        try OutputFile.check(checkpoint ?? output + ".checkpoint", option: "--checkpoint", inputs: inputs,
                             stdoutAllowed: false)
        let threadCount = threads ?? Soso.maxThreads
        // Streamed, the corpus in memory is a sample spread over the file: the start of
        // LSA or document initialisation, and the documents of the health report.
        let streamed = streaming.stream ? try input.stream(self.corpus) : nil
        let corpus = try streamed?.sample(seed: seed, maxDocuments: streaming.piece) ?? input.load(self.corpus)
        // Stacked, the model trained here is the upper layer and its documents are the
        // lower model's codes of the corpus.
        let lower = try inputModel.map { try Model(contentsOf: $0) }
        if let lower, resume == nil { try checkUnitsFit(lower.units) } // before the corpus is encoded
        let words = try lower.map { try Documents(corpus: corpus, vocabulary: $0.vocabulary, input: $0.input) }
        let stackInput = try lower.map { try $0.stackInput(words!, threads: threadCount) }
        let model: Model
        let documents: Documents
        var training: Documents? // the expanded documents, when the run expands them
        if let path = resume {
            // A checkpoint is a model file that remembers where training stopped.
            model = try Model(contentsOf: path)
            documents = try stackInput?.codes ?? Documents(corpus: corpus, vocabulary: model.vocabulary, input: model.input)
            // A stacked run's checkpoint is its upper layer, over the lower model's units.
            if let lower, model.vocabulary.count != lower.units {
                throw SosoError(.invalidArgument, "\(path) reads \(model.vocabulary.count) inputs but --input-model has "
                                + "\(lower.units) units: resume with the lower model the run started from")
            }
            if documents.nonZeros == 0 {
                throw SosoError(.invalidArgument, "no word of the corpus is in the vocabulary of \(path)"
                                + (lower == nil ? " (a stacked run resumes with its --input-model)" : ""))
            }
            // (A stream of one piece stopped mid-epoch is refused by the library, which
            // keeps how the training ran: "resume it streamed".)
            if streamed == nil, let piece = model.stoppedPiece {
                throw SosoError(.invalidArgument, "\(path) stopped inside a streamed piece (documents \(piece.lowerBound) to "
                                + "\(piece.upperBound) of its epoch): resume it with --stream and the --piece it was started "
                                + "with, as the interrupted run printed")
            }
            // The checkpoint says how its documents were expanded; a streamed update of an
            // expanded model trained on plain documents, and resumes streamed.
            var streamedRun = false
            if case .stream = model.trainingSource { streamedRun = true }
            if streamed != nil, model.expansion != nil, !streamedRun {
                throw SosoError(.invalidArgument, "\(path) was trained on expanded documents in memory; resume it without --stream")
            }
            if streamed == nil, let expansion = model.expansion {
                showExpansion(expansion, documents: corpus.count, quiet: quiet)
                training = try documents.expanded(expansion, threads: threadCount)
            }
            if !quiet { note("resuming \(path) at epoch \(model.epochsDone) of \(model.totalEpochs)") }
        } else if let (unitWords, codes) = stackInput {
            documents = codes
            model = try makeModel(unitWords, initial: codes, corpusSize: corpus.count, threads: threadCount)
        } else {
            let text = try textOptions()
            let vocabulary = try streamed.map { try Vocabulary(stream: $0, options: text, pieceBlocks: streaming.pieceBlocks) }
                ?? Vocabulary(corpus: corpus, options: text)
            try checkUnitsFit(vocabulary.count)
            documents = try Documents(corpus: corpus, vocabulary: vocabulary, input: inputOptions)
            // LSA from the expanded documents starts osc better than from the plain ones.
            let expansion = self.expansion(documents: corpus.count)
            if let expansion { showExpansion(expansion, documents: corpus.count, quiet: quiet) }
            training = try expansion.map { try documents.expanded($0, threads: threadCount) }
            model = try makeModel(vocabulary, initial: training ?? documents, corpusSize: streamed?.count ?? corpus.count,
                                  threads: threadCount)
            try model.setExpansion(expansion)
        }
        var run = TrainingRun(checkpointPath: checkpoint ?? output + ".checkpoint", checkpointEvery: checkpointEvery,
                              quiet: quiet, command: "soso train \(shellQuoted(self.corpus)) -o \(shellQuoted(output))"
                                + streaming.flags + input.flags + autoFlags
                                + (inputModel.map { " --input-model \(shellQuoted($0))" } ?? "")
                                + checkpointFlags(checkpoint, every: checkpointEvery))
        let budget = model.totalEpochs
        if epochs == .auto {
            run.convergence = ConvergenceCheck(model: model, documents: documents, threshold: stable ?? 0.005,
                                               threads: threadCount)
        }
        let seenBefore = model.documentsSeen
        do {
            try run.train(model, streamed.map { ($0, streaming.pieceBlocks) }, else: training ?? documents,
                          threads: threads ?? defaultTrainingThreads(model))
        } catch let e as SosoError where resume != nil && e.code == .invalidArgument && model.documentsSeen == seenBefore {
            throw SosoError(e.code, "cannot resume \(resume!): \(e.message)" + resumeHint(model, streamed: streamed != nil))
        }
        let result = try lower.map { try Model(stacking: model, on: $0) } ?? model
        try result.save(to: output)
        if !quiet {
            let how = streamed != nil ? " (streamed in pieces of \(streaming.pieceBlocks * StreamOptions.blockLines))"
                : lower.map { " (stacked on the \($0.units) units of \(inputModel!))" }
                ?? model.expansion.map {
                    " (expanded with \($0.neighbors) co-occurring words a word\($0.hops == 2 ? " by two hops" : ""), gain \(formatGain($0.gain)))"
                }
                ?? ""
            if let warn = Soso.blasWarning() { note(warn) }
            note(String(format: "trained %d units on %d documents%@, vocabulary %d words, in %.1f s; wrote %@", model.units,
                        streamed?.count ?? corpus.count, how, result.vocabulary.count, Date().timeIntervalSince(start), output))
            if let c = run.convergence {
                let changed = c.changed.map { String(format: "%.2f%%", 100 * $0) } ?? "-"
                let span = c.window.map { " between epochs \($0.from) and \($0.to)" } ?? ""
                note(c.converged ? "--epochs auto: stopped after epoch \(model.epochsDone) of at most \(budget): \(changed) of the "
                                   + "documents changed unit\(span)"
                                 : "--epochs auto: ran all \(model.epochsDone) epochs, not stable before the last (\(changed) of the "
                                   + "documents changed unit\(span))")
            }
            if streamed != nil { note("health on a sample of \(corpus.count) documents from all over the file:") }
            note(HealthReport.text(try result.health(words ?? documents, threads: threadCount), learner: result.learner))
        }
    }

    /// What to give a refused resume, in the CLI's terms (the library's message says why).
    private func resumeHint(_ model: Model, streamed: Bool) -> String {
        if inputModel != nil {
            return " (a stacked run's documents are its lower model's codes: give the corpus and --input-model it started with)"
        }
        switch model.trainingSource {
        case .stream(let lines) where !streamed: return " (it ran streamed over \(lines) lines: add --stream and the --piece it started with)"
        case .memory(let documents) where streamed: return " (it ran in memory on \(documents) documents: drop --stream)"
        default: return ""
        }
    }

    private func formatGain(_ g: Float) -> String { g == g.rounded() ? String(Int(g)) : String(g) }

    /// The learners that read each learner's option; given with another, it would do nothing.
    private static let learnerOptions: [String: [Method]] = [
        "--p": [.hebbian], "--k": [.hebbian], "--delta": [.hebbian], "--eps0": [.hebbian],
        "--batch": [.hebbian, .soft], "--orthogonalize": [.hebbian, .soft], "--init": [.osc, .soft],
        "--gate": [.soft], "--t-initial": [.soft], "--t-final": [.soft], "--gamma": [.soft],
        "--anneal-every": [.soft], "--eta": [.soft], "--inhibitor": [.soft], "--ortho-penalty": [.soft],
        "--sparsity": [.osc], "--eps-initial": [.osc], "--eps-final": [.osc], "--exact": [.osc],
    ]

    /// The options given that the chosen learner does not read, with the learners that do.
    private var optionsForOtherLearners: [(option: String, learners: String)] {
        let names = Set(Train.learnerOptions.keys.filter { !Train.learnerOptions[$0]!.contains(method) })
        return optionsGiven(names).map { ($0, Train.learnerOptions[$0]!.map(\.rawValue).joined(separator: " or ")) }
    }

    /// The options on the command line that a checkpoint fixes (the learner, its settings,
    /// the vocabulary's and the input's), which --resume would otherwise ignore without a
    /// word. A number of epochs too (the checkpoint has its plan); `--epochs auto` and
    /// `--stable` are part of the command that resumes an auto run.
    private var settingsGiven: [String] {
        let fixed: Set<String> = ["--method", "--units", "--max-epochs", "--batch", "--seed", "--p", "--k", "--delta",
                                  "--eps0", "--orthogonalize", "--gate", "--t-initial", "--t-final", "--gamma",
                                  "--anneal-every", "--eta", "--inhibitor", "--ortho-penalty", "--sparsity",
                                  "--eps-initial", "--eps-final", "--init", "--exact", "--expand", "--expand-gain",
                                  "--expand-hops", "--min-df", "--max-vocab", "--max-distinct-words",
                                  "--min-word-length", "--stop-words", "--no-stop-words", "--idf", "--no-idf",
                                  "--counts", "--no-normalize"]
        var given = optionsGiven(fixed)
        if case .fixed? = epochs { given.append("--epochs") }
        return given
    }

    /// `--epochs auto` again on a resuming command line (the budget is in the checkpoint).
    private var autoFlags: String {
        epochs == .auto ? " --epochs auto" + (stable.map { " --stable \($0)" } ?? "") : ""
    }

    /// The epochs to plan: the number asked, or with auto the budget --max-epochs.
    private func plannedEpochs(default d: Int) -> Int {
        switch epochs {
        case .fixed(let n)?: return n
        case .auto?: return maxEpochs ?? d
        case nil: return d
        }
    }

    private func textOptions() throws -> TextOptions {
        var text = TextOptions()
        text.minDocumentFrequency = minDF
        text.maxVocabularySize = maxVocab
        text.maxDistinctWords = maxDistinctWords > 0 ? maxDistinctWords : nil
        text.minWordLength = minWordLength
        text.builtinStopWords = !noStopWords
        if let file = stopWordsFile {
            // Read as a corpus (one word a line), so a failure says why as a corpus's does.
            let words: Corpus
            do { words = try Corpus(contentsOf: file) } catch let e as SosoError {
                throw SosoError(e.code, "the stop-word file: \(e.message)", systemError: e.systemError)
            }
            // A TAB is no label here: "blood<TAB>120" (a frequency list) stops both parts.
            text.extraStopWords = (0..<words.count).map { i in [words.label(i), words.text(i)].compactMap { $0 }.joined(separator: " ") }
                .filter { !$0.isEmpty }
        }
        return text
    }

    private var inputOptions: InputOptions {
        var inputOptions = InputOptions()
        // An upper layer reads unit-length codes as they are.
        if inputModel != nil { return inputOptions }
        inputOptions.idf = idf ?? (method == .osc) // IDF helps osc: bench/quality/STUDY.md
        inputOptions.weighting = counts ? .counts : .binary
        inputOptions.normalize = !noNormalize
        return inputOptions
    }

    /// soft's default --orthogonalize. Without it soft's units drift into copies of each
    /// other on large corpora: max |cos| 1.0000 at 48 and 104 units on all noun glosses,
    /// 0.9998 at 48 on 63,710 Debian package descriptions (16 units: 0.61 and 0.9999). Every
    /// 100 mini-batches keeps them apart: topic diversity 0.648 -> 0.787 (nouns, 104 units)
    /// and 0.415 -> 0.669 (packages, 48), but NPMI -0.072 -> -0.139 and -0.069 -> -0.217,
    /// NMI 0.222 -> 0.207 and 0.305 -> 0.309, and 6.2 -> 14.6 s at 104 units (timed while a
    /// test run held the other core; every 1,000:
    /// NMI 0.210 and 0.301, 7.1 s; `soso eval`, seed 1). Copies are what a user sees first.
    static let softOrthogonalizeEvery = 100

    /// osc's default epochs: 20, or fewer on a large corpus, enough for each unit to take
    /// about 30,000 updates (an epoch gives a unit n x sparsity / units), at least 2. On all
    /// 82,115 noun glosses at 26 units that is 3 epochs, which cluster as well as 20 in a
    /// sixth of the time (bench/quality/STUDY.md, section 6).
    static func oscDefaultEpochs(documents n: Int, units: Int, sparsity: Int) -> Int {
        let perEpoch = Double(max(n, 1)) * Double(max(sparsity, 1)) / Double(max(units, 1))
        return max(2, Int(min(20, (30_000 / perEpoch).rounded(.up)))) /* min first: no Int overflow */
    }

    /// LSA takes seconds on a large corpus: say so first, on a terminal.
    private func showLSA() {
        showPhase("starting \(units) units from the leading singular vectors of the documents (LSA)", quiet: quiet)
    }

    /// Orthonormal units (osc's atoms, --orthogonalize, soft's LSA start) are rows over the
    /// words, so there can be no more of them than words. Said before the documents are
    /// built, in the options' names and with the figures (the core's check has neither).
    private func checkUnitsFit(_ words: Int) throws {
        let why = method == .osc ? "osc's atoms are orthonormal"
            : (orthogonalize ?? 0) > 0 ? "--orthogonalize keeps the units orthonormal"
            : method == .soft && `init` == .lsa ? "--init lsa starts from orthonormal units" : nil
        guard let why, units > words else { return }
        let over = inputModel != nil ? "the \(words) units of the --input-model" : "the \(words) words of the vocabulary"
        // Only the vocabulary options that cut words can give more of them.
        let more = inputModel != nil ? [] : (minDF > 1 ? ["lower --min-df"] : []) + (maxVocab != nil ? ["raise --max-vocab"] : [])
        throw SosoError(.invalidArgument, "--units \(units) is more than \(over), and \(why): "
                        + (["lower --units"] + more).joined(separator: ", or "))
    }

    /// A new model as the options say; `initial` are the documents it starts from, of a
    /// corpus of `corpusSize` documents.
    private func makeModel(_ vocabulary: Vocabulary, initial documents: Documents, corpusSize: Int,
                           threads threadCount: Int) throws -> Model {
        let inputOptions = self.inputOptions
        switch method {
        case .hebbian:
            var config = HebbianConfiguration()
            config.units = units
            config.epochs = plannedEpochs(default: 200)
            config.batchSize = batch
            config.seed = seed
            config.p = p
            config.k = k ?? min(2, units) /* the defaults follow --units, as osc's sparsity does */
            config.delta = delta
            config.eps0 = eps0
            config.orthogonalizeEvery = orthogonalize ?? 0
            return try Model(hebbian: config, vocabulary: vocabulary, input: inputOptions, threads: threadCount)
        case .osc:
            var config = OSCConfiguration()
            config.units = units
            config.sparsity = sparsity ?? min(expandNeighbors > 0 ? 2 : 4, units) // STUDY.md sections 1 and 7
            config.epochs = plannedEpochs(default: Train.oscDefaultEpochs(documents: corpusSize, units: units,
                                                                         sparsity: config.sparsity))
            config.seed = seed
            config.epsInitial = epsInitial
            config.epsFinal = epsFinal
            config.initialization = `init` == .random ? .random : .lsa
            config.exact = exact
            if config.initialization == .lsa { showLSA() }
            return try Model(osc: config, vocabulary: vocabulary, input: inputOptions, documents: documents,
                             threads: threadCount)
        case .soft:
            var config = SoftConfiguration()
            config.units = units
            config.k = gate ?? min(4, units)
            config.epochs = plannedEpochs(default: 30)
            config.batchSize = batch
            config.seed = seed
            config.temperatureInitial = tInitial
            config.temperatureFinal = tFinal
            config.gamma = gamma
            config.annealEvery = annealEvery
            config.eta = eta
            config.inhibitorRate = inhibitor
            config.orthogonalityPenalty = orthoPenalty
            config.orthogonalizeEvery = orthogonalize ?? (units <= vocabulary.count ? Train.softOrthogonalizeEvery : 0)
            config.initialization = `init` == .lsa ? .lsa : `init` == .random ? .random : .documents
            if config.initialization == .lsa { showLSA() }
            return try Model(soft: config, vocabulary: vocabulary, input: inputOptions, documents: documents,
                             threads: threadCount)
        }
    }
}
