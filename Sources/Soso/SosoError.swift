// SosoError.swift - the one error type of the Swift API, made from a C status and the
// C core's thread-local detail message.
import CSoso

/// An error raised by SOSO. `code` says what kind of failure it was; `message` is the
/// C core's readable detail ("units must be >= 1", "model file is truncated ...").
public struct SosoError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The kind of failure, one per C status code.
    public enum Code: Int32, Sendable {
        case invalidArgument = -1
        case outOfMemory = -2
        case io = -3
        case badFormat = -4
        case newerVersion = -5
        case empty = -6
        case aborted = -7
        case limit = -8
        case numeric = -9
        case unknown = -1000
    }

    public let code: Code
    public let message: String
    /// The operating system's error number (errno) behind an `.io` failure of a system
    /// call (`ENOENT`, `ENOSPC`, `EPIPE` where a pipe's reader is gone, ...); 0 otherwise.
    public let systemError: Int32

    public init(_ code: Code, _ message: String, systemError: Int32 = 0) {
        self.code = code
        self.message = message
        self.systemError = systemError
    }

    public var description: String { message.isEmpty ? "\(code)" : message }
}

/// Turns a C status into a thrown `SosoError` carrying the C core's detail.
@inline(__always)
func check(_ status: soso_status) throws {
    if status == SOSO_OK { return }
    let code = SosoError.Code(rawValue: status.rawValue) ?? .unknown
    var message = String(cString: soso_last_error())
    if message.isEmpty { message = String(cString: soso_status_string(status)) }
    throw SosoError(code, message, systemError: soso_last_os_error())
}

/// The library's version and build description (compiler, OpenMP, BLAS).
public enum Soso {
    public static var version: String { String(cString: soso_version_string()) }
    public static var buildInfo: String { String(cString: soso_build_info()) }
    /// Threads an OpenMP region may use on this machine (1 when built without OpenMP).
    public static var maxThreads: Int { Int(soso_max_threads()) }
}
