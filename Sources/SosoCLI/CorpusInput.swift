// CorpusInput.swift - reading a CORPUS argument with the checks every command shares.
import ArgumentParser
import Foundation
import Soso

struct CorpusInput: ParsableArguments {
    @Flag(name: .customLong("lossy-utf8"),
          help: "Accept lines that are not valid UTF-8; their bad bytes separate words.")
    var lossyUTF8 = false

    @Option(name: .customLong("max-line-bytes"),
            help: "Refuse a corpus with a line longer than this many bytes (0: no limit).")
    var maxLineBytes = 1 << 20

    /// Reads `path` and refuses an empty corpus and, unless --lossy-utf8, invalid UTF-8.
    func load(_ path: String) throws -> Corpus {
        var limits = Corpus.Limits()
        limits.maxLineBytes = maxLineBytes > 0 ? maxLineBytes : nil
        let corpus = try Corpus(contentsOf: path, limits: limits)
        let name = path == "-" ? "standard input" : path
        if corpus.count == 0 { throw SosoError(.empty, "\(name): the corpus is empty (no lines)") }
        if !lossyUTF8, let bad = corpus.invalidUTF8 {
            throw SosoError(.badFormat, "\(name): line \(bad.firstLine) is not valid UTF-8 (\(bad.lines) line(s) in all); "
                + "fix the file or pass --lossy-utf8 to treat bad bytes as separators")
        }
        return corpus
    }
}

/// Writes text to stdout.
func out(_ s: String) { FileHandle.standardOutput.write(Data(s.utf8)) }

/// Writes a line to stderr.
func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

/// JSON of an Encodable value, keys sorted, one line.
func jsonLine<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}
