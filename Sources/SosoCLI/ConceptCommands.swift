// ConceptCommands.swift - `soso rank`, `soso expand`, `soso recommend`: using the concepts
// of a model to order documents, widen a query and suggest documents like liked ones.
import ArgumentParser
import Foundation
import Soso

/// Options the concept commands share.
struct ConceptOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Results to show.")
    var top = 10

    @Option(parsing: .unconditional, help: "Codes kept per document and query, by magnitude (default: all units).")
    var keep: Int?

    @Option(parsing: .unconditional, help: "Threads. Default: all cores.")
    var threads: Int?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if let k = keep, k < 1 { throw ValidationError("--keep must be at least 1") }
        try validateThreads(threads)
    }
}

/// A concept for display: a unit, its value and its strongest words.
struct ConceptJSON: Encodable {
    let unit: Int
    let value: Float
    let words: [String]

    /// The strongest `count` concepts of a code, by magnitude.
    static func strongest(_ codes: Codes, of model: Model, count: Int) throws -> [ConceptJSON] {
        let order = codes.values.indices.filter { codes.values[$0] != 0 }
            .sorted { abs(codes.values[$0]) > abs(codes.values[$1]) || (abs(codes.values[$0]) == abs(codes.values[$1]) && $0 < $1) }
        return try order.prefix(count).map {
            ConceptJSON(unit: $0, value: codes.values[$0],
                        words: try model.topicWords(unit: $0, count: 4, negative: codes.values[$0] < 0).map(\.word))
        }
    }

    var text: String { "\(unit) (" + String(format: "%.3g", value) + "): " + words.joined(separator: " ") }
}

struct MatchJSON: Encodable {
    let line: Int
    let score: Float
    let label: String?
    let text: String
    var concepts: [ConceptJSON]? = nil
}

/// A corpus and its documents prepared for a model, with a clear error for bad line numbers.
struct PreparedCorpus {
    let corpus: Corpus
    let documents: Documents

    init(_ path: String, model: Model, input: CorpusInput) throws {
        corpus = try input.load(path)
        documents = try Documents(corpus: corpus, vocabulary: model.vocabulary, input: model.input)
        try documents.requireKnownWords()
    }

    func match(_ m: Match, concepts: [ConceptJSON]? = nil) -> MatchJSON {
        MatchJSON(line: m.document + 1, score: m.score, label: corpus.label(m.document), text: corpus.text(m.document),
                  concepts: concepts)
    }
}

/// Higher score first, then the earlier document.
func better(_ a: Match, _ b: Match) -> Bool { a.score > b.score || (a.score == b.score && a.document < b.document) }

func printMatches(_ matches: [MatchJSON], json: Bool) throws {
    if json {
        for m in matches { out(try jsonLine(m)) }
        return
    }
    for m in matches {
        var line = "\(m.line)\t" + String(format: "%.4f", m.score) + "\t\(m.text)"
        if let c = m.concepts { line += "\t[" + c.map { "\($0.unit)" }.joined(separator: ",") + "]" }
        out(line + "\n")
    }
}

struct Rank: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank a corpus's documents for a query by the concepts they share, then by its words.",
        discussion: """
        The score is (1 - v) the cosine between the query's and the document's codes, each \
        reduced to its --keep strongest codes (by magnitude), + v the cosine of their words \
        (v = --word-weight, 0.25 by default), so that documents holding the query's own words \
        come first within a concept; ties go to the earlier line. Documents with no known word \
        are left out. Output: LINE<TAB>SCORE<TAB>TEXT. With --memory-weight w > 0, the corpus \
        is also stored in an associative memory (over the model's vocabulary) and the score \
        becomes (1 - w) that + w p / max p, where p is each document's weight in one-step \
        Hopfield recall of the query (beta 10).
        """
    )

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    @Argument(help: "The corpus to rank; '-' for stdin.")
    var corpus: String

    @Argument(help: "The query, a few words.")
    var query: String

    @Option(name: .customLong("memory-weight"), parsing: .unconditional, help: "Weight w in [0, 1] of Hopfield recall in the score (0: none).")
    var memoryWeight: Float = 0

    @Option(name: .customLong("word-weight"), parsing: .unconditional, help: "Weight v in [0, 1] of the query's own words: the score's concept part becomes (1 - v) concepts + v the cosine of the query's and the document's words (0: concepts only).")
    var wordWeight: Float = Rank.defaultWordWeight

    @OptionGroup var options: ConceptOptions
    @OptionGroup var input: CorpusInput
    @OptionGroup var streaming: StreamOptions

    func validate() throws {
        if !(0...1).contains(memoryWeight) { throw ValidationError("--memory-weight must be in [0, 1]") }
        if !(0...1).contains(wordWeight) { throw ValidationError("--word-weight must be in [0, 1]") }
    }

    /// The query's words at 0.25: documents holding them rise within a concept, and
    /// held-out queries find more of their label (precision at 10: the bundled sample
    /// 0.541 -> 0.549, test_concepts.c; shuffled there 0.648 -> 0.666; Debian package
    /// descriptions by section, 32 units, 0.487 -> 0.502; 0.5 gave 0.661 and 0.488). Twenty
    /// short queries over the package descriptions found every query word in 30% of their
    /// top 10 with concepts alone, 66% at 0.25, 71% at 0.5.
    static let defaultWordWeight: Float = 0.25

    /// The query's words and --word-weight, for Model.rank (nil: concepts only).
    private func words(_ m: Model) throws -> (indices: [UInt32], values: [Float], weight: Float)? {
        try m.queryWords(query, weight: wordWeight)
    }

    func run() throws {
        let m = try Model(contentsOf: model)
        let codes = try m.encode(query)
        if codes.knownWords == 0 { throw noKnownWord(query, unknown: codes.unknownWords, in: "model") }
        let threads = options.threads ?? Soso.maxThreads
        if streaming.stream {
            if memoryWeight > 0 { throw SosoError(.invalidArgument, "--memory-weight needs the whole corpus in memory, not --stream") }
            return try printMatches(try streamed(m, codes: codes, threads: threads), json: options.json)
        }
        let c = try PreparedCorpus(corpus, model: m, input: input)
        var matches: [Match]
        if memoryWeight > 0 {
            matches = try mixed(m, codes: codes, corpus: c, threads: threads)
        } else {
            matches = try m.rank(c.documents, target: codes, keep: options.keep, top: options.top, threads: threads,
                                 words: try words(m))
        }
        matches = Array(matches.prefix(options.top))
        try printMatches(matches.map { c.match($0) }, json: options.json)
    }

    /// The best matches of a file read in pieces (front to back): memory holds the model,
    /// one piece and the best --top so far; the ranking equals that of the loaded file.
    private func streamed(_ m: Model, codes: Codes, threads: Int) throws -> [MatchJSON] {
        let stream = try input.stream(corpus)
        var best: [(match: Match, json: MatchJSON)] = []
        var before = 0, known = 0
        let words = try self.words(m)
        try stream.forEachPiece(pieceBlocks: streaming.pieceBlocks) { piece in
            let docs = try Documents(corpus: piece, vocabulary: m.vocabulary, input: m.input)
            known += docs.nonZeros
            for r in try m.rank(docs, target: codes, keep: options.keep, top: options.top, threads: threads, words: words) {
                let global = Match(document: before + r.document, score: r.score)
                best.append((global, MatchJSON(line: global.document + 1, score: r.score, label: piece.label(r.document),
                                               text: piece.text(r.document))))
            }
            best = Array(best.sorted { better($0.match, $1.match) }.prefix(options.top))
            before += piece.count
        }
        if known == 0 { throw Documents.noKnownWords(before) } // as for a loaded corpus
        return best.map(\.json)
    }

    /// Every document's cosine mixed with its recall weight, best first. The memory skips
    /// exactly the documents without a known word, so memory i is the i-th non-empty row.
    private func mixed(_ m: Model, codes: Codes, corpus c: PreparedCorpus, threads: Int) throws -> [Match] {
        let mem = try Memory(vocabulary: m.vocabulary)
        _ = try mem.add(c.corpus)
        let rows = (0..<c.documents.rows).filter { !c.documents.row($0).indices.isEmpty }
        let all = try m.rank(c.documents, target: codes, keep: options.keep, top: c.documents.rows, threads: threads,
                             words: try words(m))
        let recall = try mem.recall(query, top: mem.count)
        var weight = [Float](repeating: recall.zeroWeight, count: c.documents.rows)
        for (i, w) in recall.memories { weight[rows[i]] = w }
        let top = max(weight.max() ?? 0, Float.leastNonzeroMagnitude)
        let w: Float = memoryWeight
        let scored: [Match] = all.map { (x: Match) -> Match in
            let mix: Float = (1 - w) * x.score + w * (weight[x.document] / top)
            return Match(document: x.document, score: mix)
        }
        return scored.sorted(by: better)
    }
}

/// A query that gives no concept: none of its words is known, or (no unknown word either)
/// it holds only stop words, which no vocabulary keeps.
func noKnownWord(_ query: String, unknown: Int, in what: String) -> SosoError {
    SosoError(.empty, unknown > 0 ? "none of the query's words is in the \(what)'s vocabulary: '\(query)'"
                                  : "the query holds only stop words (which no vocabulary keeps) or no word at all: '\(query)'")
}

struct Expand: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Expand a query with the words of the concepts it matches.",
        discussion: """
        Shows the query's strongest concepts, then the words that carry them: x_hat = U^T a for \
        the query's codes a reduced to --keep and scaled to unit length, strongest first; words \
        already in the query are marked with '*'.
        """
    )

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    @Argument(help: "The query, a few words.")
    var query: String

    @OptionGroup var options: ConceptOptions

    struct WordJSON: Encodable {
        let word: String
        let weight: Float
        let inQuery: Bool
    }

    struct ExpandJSON: Encodable {
        let query: String
        let unknownWords: Int
        let concepts: [ConceptJSON]
        let words: [WordJSON]
    }

    func run() throws {
        let m = try Model(contentsOf: model)
        let codes = try m.encode(query)
        if codes.knownWords == 0 { throw noKnownWord(query, unknown: codes.unknownWords, in: "model") }
        var every = TextOptions() // every word of the query, as the tokenizer lowercases it
        every.minWordLength = 1
        every.builtinStopWords = false
        let inQuery = Set(try Vocabulary.tokenize(query, options: every))
        let words = try m.expand(codes, keep: options.keep, top: options.top)
            .map { WordJSON(word: $0.word, weight: $0.weight, inQuery: inQuery.contains($0.word)) }
        let concepts = try ConceptJSON.strongest(codes, of: m, count: min(options.keep ?? m.units, 3))
        if options.json {
            out(try jsonLine(ExpandJSON(query: query, unknownWords: codes.unknownWords, concepts: concepts, words: words)))
            return
        }
        for c in concepts { out("concept " + c.text + "\n") }
        for w in words { out((w.inQuery ? "* " : "  ") + w.word + "\t" + String(format: "%.4f", w.weight) + "\n") }
        if codes.unknownWords > 0 { note("\(codes.unknownWords) word(s) of the query are not in the vocabulary") }
    }
}

struct Recommend: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recommend documents like the liked ones, with the concepts that explain each.",
        discussion: """
        The liked documents' profile is the mean of their reduced, unit-length codes; its \
        strongest concepts are shown first. Other documents are ranked by their cosine with \
        the profile (liked ones never come back); each shows the concepts it shares most with \
        the profile. Output: LINE<TAB>SCORE<TAB>TEXT<TAB>[units].
        """
    )

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    @Argument(help: "The corpus; '-' for stdin.")
    var corpus: String

    @Option(help: "Liked documents: line numbers (1-based), comma-separated.")
    var liked: String

    @OptionGroup var options: ConceptOptions
    @OptionGroup var input: CorpusInput

    struct ProfileJSON: Encodable {
        let liked: [Int]
        let concepts: [ConceptJSON]
    }

    func run() throws {
        let lines = try liked.split(separator: ",").map { part -> Int in
            guard let n = Int(part.trimmingCharacters(in: .whitespaces)), n >= 1 else {
                throw SosoError(.invalidArgument, "--liked: '\(part)' is not a line number (1, 2, ...)")
            }
            return n
        }
        if lines.isEmpty { throw SosoError(.invalidArgument, "--liked needs at least one line number") }
        let m = try Model(contentsOf: model)
        let c = try PreparedCorpus(corpus, model: m, input: input)
        if let bad = lines.first(where: { $0 > c.documents.rows }) {
            throw SosoError(.invalidArgument, "--liked: line \(bad) is past the corpus's \(c.documents.rows) lines")
        }
        let liked = Array(Set(lines.map { $0 - 1 })).sorted()
        let profile = try m.profile(c.documents, liked: liked, keep: options.keep)
        let shared = try ConceptJSON.strongest(profile, of: m, count: 3)
        let picks = try m.rank(c.documents, target: profile, keep: options.keep, excluding: liked, top: options.top,
                               threads: options.threads ?? Soso.maxThreads)
        let keep = options.keep ?? m.units
        let matches = try picks.map { p -> MatchJSON in
            // The concepts this document shares most with the profile: largest products.
            let codes = try m.encode(c.corpus.text(p.document)).topK(keep, byMagnitude: true)
            var why: [(unit: Int, share: Float)] = []
            for u in 0..<m.units where codes.values[u] * profile.values[u] > 0 {
                why.append((unit: u, share: codes.values[u] * profile.values[u]))
            }
            why.sort { $0.share > $1.share || ($0.share == $1.share && $0.unit < $1.unit) }
            let concepts = try why.prefix(2).map { (u: (unit: Int, share: Float)) -> ConceptJSON in
                let v = codes.values[u.unit]
                let words = try m.topicWords(unit: u.unit, count: 4, negative: v < 0).map(\.word)
                return ConceptJSON(unit: u.unit, value: v, words: words)
            }
            return c.match(p, concepts: concepts)
        }
        if options.json {
            out(try jsonLine(ProfileJSON(liked: liked.map { $0 + 1 }, concepts: shared)))
        } else {
            for s in shared { out("shared concept " + s.text + "\n") }
        }
        try printMatches(matches, json: options.json)
    }
}
