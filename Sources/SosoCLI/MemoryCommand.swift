// MemoryCommand.swift - `soso memory build|recall|eval`: an associative memory of
// documents that completes partial queries (modern Hopfield retrieval).
import ArgumentParser
import Foundation
import Soso

struct MemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Store documents in an associative memory and complete partial queries.",
        subcommands: [MemoryBuild.self, MemoryRecall.self, MemoryEval.self]
    )
}

/// Options every memory command shares for building a vocabulary.
struct MemoryVocabularyOptions: ParsableArguments {
    @Option(name: .customLong("min-df"), parsing: .unconditional, help: "Keep words found in at least this many documents. (default: 2)")
    var minDF: Int? // nil: not given, which memory build --add needs to know

    func validate() throws {
        if let n = minDF, n < 1 { throw ValidationError("--min-df must be at least 1") }
    }

    func vocabulary(_ corpus: Corpus) throws -> Vocabulary {
        var opts = TextOptions()
        opts.minDocumentFrequency = minDF ?? 2
        return try Vocabulary(corpus: corpus, options: opts)
    }
}

struct MemoryBuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Store a corpus's documents (with their labels and texts) in a memory file.",
        discussion: "With --add, the documents are added to the existing memory at -o, over its vocabulary; unknown words are counted and dropped."
    )

    @Argument(help: "The corpus; '-' for stdin.")
    var corpus: String

    @Option(name: .shortAndLong, help: "The memory file (written atomically).")
    var output: String

    @Flag(help: "Add to the existing memory at --output instead of building a new one.")
    var add = false

    @OptionGroup var vocabularyOptions: MemoryVocabularyOptions
    @OptionGroup var input: CorpusInput

    @Flag(name: .shortAndLong, help: "No summary.")
    var quiet = false

    func validate() throws {
        if add && vocabularyOptions.minDF != nil {
            throw ValidationError("--min-df chooses a new memory's words; with --add the memory keeps its own")
        }
    }

    func run() throws {
        try OutputFile.check(output, inputs: [corpus], stdoutAllowed: false)
        let c = try input.load(corpus)
        let memory = add ? try Memory(contentsOf: output) : try Memory(vocabulary: try vocabularyOptions.vocabulary(c))
        let before = memory.count
        let r = try memory.add(c)
        try memory.save(to: output)
        if !quiet {
            note("stored \(r.added) documents (\(r.skipped) without a known word skipped); the memory holds \(before + r.added) over \(memory.vocabulary.count) words; wrote \(output)")
        }
    }
}

/// Recall options shared by recall and eval.
struct RecallOptionGroup: ParsableArguments {
    @Option(parsing: .unconditional, help: "Update steps at most (the first costs only the query's postings).")
    var steps: Int = 1

    @Option(parsing: .unconditional, help: "Words whose completed value reaches this are returned.")
    var threshold: Float = 0.5

    @Flag(help: "Weigh only memories that hold every query word, each by 1 / C(n, |q|) (the masking prior).")
    var prior = false

    func validate() throws {
        if steps < 1 { throw ValidationError("--steps must be at least 1") }
        if !(threshold > 0) { throw ValidationError("--threshold must be > 0") }
    }

    func options(beta: Float) -> Memory.RecallOptions {
        var o = Memory.RecallOptions()
        o.beta = beta
        o.steps = steps
        o.threshold = threshold
        o.prior = prior
        return o
    }
}

struct MemoryRecall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recall",
        abstract: "Complete a query: the completed words and the best matching documents with their weights.",
        discussion: "A document is shown as 'memory N': the N-th document stored (from 1, across every --add), with its label and text. Documents without a known word were not stored, so N is not always the line of the corpus it came from."
    )

    @Argument(help: "A memory written by 'soso memory build'.")
    var memory: String

    @Argument(help: "The query, a few words.")
    var query: String

    @Option(parsing: .unconditional, help: "Inverse temperature beta (> 0).")
    var beta: Float = 10

    @Option(parsing: .unconditional, help: "Documents to show.")
    var top: Int = 5

    @Flag(help: "Also compute the energy of the final state.")
    var energy = false

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var recall: RecallOptionGroup

    func validate() throws {
        if !(beta > 0) { throw ValidationError("--beta must be > 0") }
        if top < 0 { throw ValidationError("--top must be at least 0") }
    }

    struct DocJSON: Encodable {
        let index: Int // the stored document's position, from 1 (not its corpus line: see run)
        let weight: Float
        let label: String?
        let text: String?
    }

    struct ResultJSON: Encodable {
        let query: String
        let completed: [String]
        let documents: [DocJSON]
        let otherDocuments: Int
        let otherWeight: Float
        let steps: Int
        let energy: Double?
        let unknownWords: Int
    }

    func run() throws {
        let m = try Memory(contentsOf: memory)
        var o = recall.options(beta: beta)
        o.energy = energy
        let r = try m.recall(query, options: o, top: top)
        if r.knownWords == 0 { // as rank and expand say it: the answer would be the prior's, not the query's
            throw noKnownWord(query, unknown: r.unknownWords, in: "memory")
        }
        let docs = r.memories.map { DocJSON(index: $0.index + 1, weight: $0.weight, label: m.label($0.index), text: m.text($0.index)) }
        if json {
            out(try jsonLine(ResultJSON(query: query, completed: r.words, documents: docs, otherDocuments: r.zeroMemories,
                                        otherWeight: r.zeroWeight, steps: r.steps, energy: r.energy, unknownWords: r.unknownWords)))
            return
        }
        var lines = ["completed: " + (r.words.isEmpty ? "(nothing reaches the threshold)" : r.words.joined(separator: " "))]
        if r.unknownWords > 0 { lines.append("unknown query words: \(r.unknownWords)") }
        for d in docs {
            // "memory N": the N-th stored document, not a corpus line (documents without a
            // known word were not stored, so the two drift apart).
            lines.append(String(format: "%.4f  memory %d  ", d.weight, d.index) + (d.label.map { "[\($0)] " } ?? "") + (d.text ?? ""))
        }
        if r.zeroMemories > 0 {
            lines.append(String(format: "(%d documents share no word with the query; each weighs %.3g)", r.zeroMemories, r.zeroWeight))
        }
        if let e = r.energy { lines.append(String(format: "energy %.6g after %d step(s)", e, r.steps)) }
        out(lines.joined(separator: "\n") + "\n")
    }
}

struct MemoryEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "The seed's experiment: store a corpus, mask most of each queried document's words, recall, score.",
        discussion: """
        Each query keeps max(1, round((1 - mask) n)) of a document's n words. Reports per beta the \
        exact-recovery rate, the mean Hamming distance, the top-1 rate (the most weighted document \
        has the right words), and the bound: the rate the best possible guess among the documents \
        consistent with each query would reach (identical word sets count as one).
        """
    )

    @Argument(help: "The corpus; '-' for stdin.")
    var corpus: String

    @Option(parsing: .unconditional, help: "Fraction of each document's words masked, in [0, 1).")
    var mask: Float = 0.6

    @Option(parsing: .unconditionalSingleValue, help: "Inverse temperature; repeat for several (default 2.5 and 10).")
    var beta: [Float] = []

    @Option(parsing: .unconditional, help: "Seed of the queries.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "Documents queried; 0 = all.")
    var queries: Int = 1000

    @Option(parsing: .unconditional, help: "Threads. Default: all cores.")
    var threads: Int?

    @Option(help: "Also write the memory's patterns and the queries (word ids) to this directory, for peers.")
    var dump: String?

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var recall: RecallOptionGroup
    @OptionGroup var vocabularyOptions: MemoryVocabularyOptions
    @OptionGroup var input: CorpusInput

    func validate() throws {
        if !(mask >= 0 && mask < 1) { throw ValidationError("--mask must be in [0, 1)") }
        if beta.contains(where: { !($0 > 0) }) { throw ValidationError("--beta must be > 0") }
        if queries < 0 { throw ValidationError("--queries must be at least 0") }
        try validateThreads(threads)
    }

    struct RowJSON: Encodable {
        let beta: Float
        let queries: Int
        let exact: Double
        let meanHamming: Double
        let top1: Double
        let bound: Double
        let uniform: Double
        let consistentPatterns: Double
        let queriesPerSecond: Double
    }

    func run() throws {
        let c = try input.load(corpus)
        let m = try Memory(vocabulary: try vocabularyOptions.vocabulary(c))
        let added = try m.add(c)
        let betas = beta.isEmpty ? [2.5, 10] : beta
        let results = try m.evaluate(mask: mask, queries: queries, seed: seed, options: betas.map { recall.options(beta: $0) },
                                     threads: threads ?? Soso.maxThreads)
        if let dir = dump { try MemoryDump.write(m, mask: mask, queries: queries, seed: seed, to: dir) }
        if json {
            for r in results {
                out(try jsonLine(RowJSON(beta: r.beta, queries: r.queries, exact: r.exact, meanHamming: r.meanHamming,
                                         top1: r.top1, bound: r.bound, uniform: r.uniform,
                                         consistentPatterns: r.consistentPatterns,
                                         queriesPerSecond: Double(r.queries) / max(r.seconds, 1e-9))))
            }
            return
        }
        var lines = [String(format: "%d memories (%d documents without a known word left out), %d words; %d queries, %.0f%% of each masked%@",
                            m.count, added.skipped, m.vocabulary.count, results.first?.queries ?? 0, 100 * mask,
                            recall.prior ? "; masking prior" : "")]
        lines.append("beta    exact  hamming  top-1  | bound  uniform  consistent   queries/s")
        for r in results {
            lines.append(String(format: "%-6g  %.3f  %7.2f  %.3f  | %.3f  %.3f    %6.2f   %10.0f", r.beta, r.exact, r.meanHamming,
                                r.top1, r.bound, r.uniform, r.consistentPatterns, Double(r.queries) / max(r.seconds, 1e-9)))
        }
        out(lines.joined(separator: "\n") + "\n")
    }
}
