// FileWriting.swift - whole files written as the library saves models (soso_file_write).
import CSoso
import Foundation

/// Writes `data` to `path` atomically: a temporary file beside it, synced and renamed over
/// it, so a failure leaves no partial file and the old one whole. A replaced file keeps its
/// permissions, a symbolic link is followed, a pipe or device is written in place, and
/// "-" is standard output.
/// - Throws: `.io` with the reason (a directory, a missing directory, no permission).
public func writeFile(_ data: Data, to path: String) throws {
    try checkPath(path)
    try data.withUnsafeBytes { try check(soso_file_write(path, $0.baseAddress, $0.count)) }
}

/// A path goes to C as a NUL-terminated string: one holding a NUL would name another
/// file ("/tmp/x\u{0}.soso" wrote /tmp/x), so it is refused.
func checkPath(_ path: String) throws {
    if path.utf8.contains(0) { throw SosoError(.invalidArgument, "a path must not contain a NUL character") }
}
