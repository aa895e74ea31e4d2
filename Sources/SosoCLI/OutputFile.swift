// OutputFile.swift - the CLI's output files, checked before any work is done: never an
// input's own file. (They are written by the library's writer: Soso.writeFile.)
import Foundation
import Soso

enum OutputFile {
    /// Throws, before a command starts its work, where `path` cannot be written: a
    /// directory, a missing directory, or the file of one of `inputs` (writing would
    /// destroy it: the same file by device and inode, through any link or spelling; "-"
    /// is standard input's). "-" (standard output) passes where `stdoutAllowed`.
    static func check(_ path: String, option: String = "--output", inputs: [String?] = [],
                      stdoutAllowed: Bool = true) throws {
        if path == "-" {
            if stdoutAllowed { return }
            throw SosoError(.invalidArgument, "\(option) must name a file")
        }
        if path.isEmpty { throw SosoError(.invalidArgument, "\(option) must name a file") }
        var st = stat()
        if stat(path, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { throw SosoError(.io, "cannot write \(path): it is a directory") }
            // Only a regular file is replaced; a pipe or terminal is written in place.
            guard (st.st_mode & S_IFMT) == S_IFREG else { return }
            for case let input? in inputs {
                var si = stat()
                let found = input == "-" ? fstat(STDIN_FILENO, &si) == 0 : stat(input, &si) == 0
                if found && si.st_dev == st.st_dev && si.st_ino == st.st_ino {
                    throw SosoError(.invalidArgument,
                                    "\(option) \(path) is the input \(input): writing it would destroy it; name another file")
                }
            }
            return
        }
        let dir = (path as NSString).deletingLastPathComponent
        var sd = stat()
        if stat(dir.isEmpty ? "." : dir, &sd) != 0 {
            let err = errno
            throw SosoError(.io, "cannot write \(path): \(String(cString: strerror(err)))", systemError: err)
        }
        if (sd.st_mode & S_IFMT) != S_IFDIR { throw SosoError(.io, "cannot write \(path): \(dir) is not a directory") }
    }
}
