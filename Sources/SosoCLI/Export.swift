// Export.swift - `soso export`: weights as a float32 .npy array and the vocabulary as text,
// so numpy and other tools can read a model.
import ArgumentParser
import Foundation
import Soso

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the weights as .npy (rows = units, columns in vocabulary order) and the vocabulary, one word a line."
    )

    @Argument(help: "A model written by 'soso train'.")
    var model: String

    @Option(help: "Write the weights here as a float32 .npy array ('-': standard output).")
    var npy: String?

    @Option(help: "Write the vocabulary here, one word a line ('-': standard output).")
    var vocab: String?

    func validate() throws {
        if npy == nil && vocab == nil { throw ValidationError("give --npy, --vocab or both") }
        if let a = npy, let b = vocab, URL(fileURLWithPath: a).standardized == URL(fileURLWithPath: b).standardized {
            throw ValidationError("--npy and --vocab name the same file")
        }
    }

    func run() throws {
        for (path, option) in [(npy, "--npy"), (vocab, "--vocab")] {
            if let path { try OutputFile.check(path, option: option, inputs: [model]) }
        }
        let m = try Model(contentsOf: model)
        if let path = npy {
            try writeFile(Npy.float32Matrix(m.weights, rows: m.units, columns: m.vocabulary.count), to: path)
        }
        if let path = vocab {
            let words = m.vocabulary.words
            try writeFile(Data((words.joined(separator: "\n") + (words.isEmpty ? "" : "\n")).utf8), to: path)
        }
    }
}

/// The NumPy .npy format, version 1.0 (little-endian float32, C order).
enum Npy {
    static func float32Matrix(_ values: [Float], rows: Int, columns: Int) -> Data {
        precondition(values.count == rows * columns, "shape mismatch")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        // Magic (6) + version (2) + length (2) + header, padded to 64 bytes, ending in \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let n = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBufferPointer { buf in
            for v in buf {
                let bits = v.bitPattern.littleEndian
                withUnsafeBytes(of: bits) { data.append(contentsOf: $0) }
            }
        }
        return data
    }
}
