// SosoCommand.swift - the `soso` tool: one root command and its subcommands. Errors end
// as one readable line on stderr and a non-zero exit status.
import ArgumentParser
import Foundation
import Soso

@main
struct SosoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soso",
        abstract: "Learn interpretable concepts from short texts: Simple, Online, Sparse, Orthogonal.",
        discussion: """
        A CORPUS is a UTF-8 text file with one document per line; text before the first TAB \
        of a line is the document's label (used only for evaluation). '-' reads standard input.
        """,
        version: Soso.version,
        subcommands: [Train.self, Topics.self, Encode.self, EvalCommand.self, HealthCommand.self, MapCommand.self, ReportCommand.self, Reconstruct.self, Update.self, Rank.self, Expand.self, Recommend.self, MemoryCommand.self, Export.self, Info.self]
    )

    static func main() {
        do {
            try checkHelpTopic(Array(CommandLine.arguments.dropFirst()))
            var command = try parseAsRoot()
            try command.run()
        } catch let error as SosoError {
            // `soso export M --npy - | head -c 100` (or -o /dev/stdout, or a FIFO): the
            // library returns EPIPE where a write would have raised SIGPIPE; the command then
            // ends as its text output does when the reader leaves (by SIGPIPE, silently), the
            // way pipelines expect. Only a pipe or socket gives EPIPE.
            if error.code == .io && error.systemError == EPIPE {
                signal(SIGPIPE, SIG_DFL)
                raise(SIGPIPE)
            }
            fail(error.message, code: error.code == .aborted ? 130 : 1)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) } // --help, --version
            var message = self.message(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            let firstLine = message.split(separator: "\n").first.map(String.init) ?? "failed"
            fail(firstLine + " (see 'soso help')", code: code.rawValue)
        }
    }

    /// `soso help NAME...` must name commands: the argument parser shows the top help for a
    /// name it does not know, with exit 0, so a typo looked like an answer.
    static func checkHelpTopic(_ arguments: [String]) throws {
        guard arguments.first == "help" else { return }
        var command: ParsableCommand.Type = SosoCommand.self
        var path = "soso"
        for (i, name) in arguments.dropFirst().enumerated() where !name.hasPrefix("-") {
            if i == 0 && name == "help" { return } // `soso help help`: the parser's own
            let subcommands = command.configuration.subcommands
            guard let next = subcommands.first(where: { $0._commandName == name }) else {
                let known = subcommands.map { $0._commandName }.joined(separator: ", ")
                throw ValidationError(subcommands.isEmpty ? "'\(path)' has no subcommands; no help on '\(name)'"
                                      : "no command '\(path) \(name)'; the commands are: \(known)")
            }
            command = next
            path += " " + name
        }
    }

    /// Prints "soso: MESSAGE" on stderr and exits with `code`.
    static func fail(_ message: String, code: Int32) -> Never {
        _ = writeAll(STDERR_FILENO, "soso: \(message)\n") // a closed stderr must not trap either
        Foundation.exit(code)
    }
}
