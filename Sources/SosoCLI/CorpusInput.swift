// CorpusInput.swift - reading a CORPUS argument with the checks every command shares.
import ArgumentParser
import Foundation
import Soso

struct CorpusInput: ParsableArguments {
    @Flag(name: .customLong("lossy-utf8"),
          help: "Accept lines that are not valid UTF-8; their bad bytes separate words.")
    var lossyUTF8 = false

    @Option(name: .customLong("max-line-bytes"), parsing: .unconditional, help: "Refuse a corpus with a line longer than this many bytes (0: no limit).")
    var maxLineBytes = 1 << 20

    /// Reads `path` and refuses an empty corpus and, unless --lossy-utf8, invalid UTF-8.
    func load(_ path: String) throws -> Corpus {
        let corpus = try Corpus(contentsOf: path, limits: limits)
        try refuse(path, count: corpus.count, invalidUTF8: corpus.invalidUTF8)
        return corpus
    }

    /// Opens `path` to be read in pieces, with the same checks as `load`.
    func stream(_ path: String) throws -> CorpusStream {
        let stream = try CorpusStream(contentsOf: path, limits: limits, blockLines: StreamOptions.blockLines)
        try refuse(path, count: stream.count, invalidUTF8: stream.invalidUTF8)
        return stream
    }

    /// These options again on a resuming command line, when they differ from the defaults.
    var flags: String {
        (lossyUTF8 ? " --lossy-utf8" : "") + (maxLineBytes != 1 << 20 ? " --max-line-bytes \(maxLineBytes)" : "")
    }

    private var limits: Corpus.Limits {
        var limits = Corpus.Limits()
        limits.maxLineBytes = maxLineBytes > 0 ? maxLineBytes : nil
        return limits
    }

    private func refuse(_ path: String, count: Int, invalidUTF8: (lines: Int, firstLine: Int)?) throws {
        let name = path == "-" ? "standard input" : path
        if count == 0 { throw SosoError(.empty, "\(name): the corpus is empty (no lines)") }
        if !lossyUTF8, let bad = invalidUTF8 {
            throw SosoError(.badFormat, "\(name): line \(bad.firstLine) is not valid UTF-8 (\(bad.lines) line(s) in all); "
                + "fix the file or pass --lossy-utf8 to treat bad bytes as separators")
        }
    }
}

/// `--stream` and `--piece`: a corpus file read in pieces (train, update, rank).
struct StreamOptions: ParsableArguments {
    @Flag(help: "Read the corpus file in pieces instead of loading it: memory holds the model and one piece, so a corpus larger than memory works. Training visits the file's blocks of 50 lines in a seeded random order each epoch.")
    var stream = false

    @Option(parsing: .unconditional, help: "Documents per piece with --stream (rounded down to whole blocks of 50 lines, at least one block).")
    var piece = 10_000

    static let blockLines = 50

    var pieceBlocks: Int { max(1, piece / StreamOptions.blockLines) }

    /// The options to repeat on a resuming command line.
    var flags: String { stream ? " --stream --piece \(piece)" : "" }


    func validate() throws {
        if piece < 1 { throw ValidationError("--piece must be at least 1") }
    }
}

extension Documents {
    /// Throws `.empty` when no document holds a word of the model's vocabulary: measures
    /// of such a corpus say nothing (eval printed NPMI -1 and every unit dead, health
    /// "healthy" over 0 documents, rank nothing, all with exit 0).
    func requireKnownWords() throws {
        if nonZeros == 0 { throw Documents.noKnownWords(rows) }
    }

    static func noKnownWords(_ documents: Int) -> SosoError {
        SosoError(.empty, "none of the \(documents) documents contains a word of the model's vocabulary")
    }
}

/// A path as a shell word: quoted when it holds anything but plain characters.
func shellQuoted(_ s: String) -> String {
    let plain = s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "/._-+=:,@%".unicodeScalars.contains($0) }
    return plain && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Writes all of `s` to a file descriptor; false if the write failed (errno says why,
/// or is 0 when nothing could be written). FileHandle.write traps on a failed write (a
/// full disk, a closed descriptor).
func writeAll(_ fd: Int32, _ s: String) -> Bool {
    let bytes = Array(s.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 {
            if n == 0 { errno = 0 }
            return false
        }
        done += n
    }
    return true
}

/// Writes text to stdout; a failed write ends the command with one line on stderr.
func out(_ s: String) {
    if !writeAll(STDOUT_FILENO, s) {
        let why = errno == 0 ? "nothing was written" : String(cString: strerror(errno))
        SosoCommand.fail("cannot write to standard output: \(why)", code: 1)
    }
}

/// The --threads every command takes: at least 1 where given (nil: all cores).
func validateThreads(_ threads: Int?) throws {
    if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
}

/// Which of the options `names` are on the command line, in their order, each once: for
/// options with defaults, where being given matters (the argument parser fills the default
/// in). "--name=value" counts; after "--" come arguments.
func optionsGiven(_ names: Set<String>) -> [String] {
    var given: [String] = []
    for a in CommandLine.arguments.dropFirst().prefix(while: { $0 != "--" }) {
        let name = String(a.split(separator: "=", maxSplits: 1).first ?? "")
        if names.contains(name) && !given.contains(name) { given.append(name) }
    }
    return given
}

/// Writes a line to stderr (nothing more can be done if that fails).
func note(_ s: String) { _ = writeAll(STDERR_FILENO, s + "\n") }

/// JSON of an Encodable value, keys sorted, one line.
func jsonLine<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}
