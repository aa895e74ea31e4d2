// MemoryDump.swift - writes a memory's patterns and an evaluation's queries as text, so a
// peer implementation can run the very same queries (bench/).
import Foundation
import Soso

enum MemoryDump {
    /// dir/vocab.txt (a word a line), dir/patterns.txt (a memory a line: word ids),
    /// dir/queries.txt (a query a line: memory index, then the kept word ids).
    static func write(_ m: Memory, mask: Float, queries: Int, seed: UInt64, to dir: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let vocab = m.vocabulary.words.joined(separator: "\n") + "\n"
            var patterns = ""
            for i in 0..<m.count { patterns += try m.pattern(i).map(String.init).joined(separator: " ") + "\n" }
            var qs = ""
            for q in try m.maskedQueries(mask: mask, queries: queries, seed: seed) {
                qs += "\(q.memory) " + q.words.map(String.init).joined(separator: " ") + "\n"
            }
            for (name, text) in [("vocab.txt", vocab), ("patterns.txt", patterns), ("queries.txt", qs)] {
                try writeFile(Data(text.utf8), to: URL(fileURLWithPath: dir).appendingPathComponent(name).path)
            }
        } catch let e as SosoError {
            throw e
        } catch {
            throw SosoError(.io, "cannot write to \(dir): \(error.localizedDescription)")
        }
    }
}
