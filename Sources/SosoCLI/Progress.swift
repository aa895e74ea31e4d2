// Progress.swift - the progress line on stderr (only on a terminal, never with --quiet)
// and Ctrl-C handling: SIGINT/SIGTERM ask training to stop at the next stop point (every 256
// mini-batches and at each epoch's end), where the model is whole.
import Foundation
import Soso

/// Set by the signal handler; read by the progress callback.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

func installStopHandlers() {
    signal(SIGINT) { _ in stopRequested = 1 }
    signal(SIGTERM) { _ in stopRequested = 1 }
}

/// Before training starts (reading, expansion, LSA: seconds on a large corpus, inside calls
/// that cannot stop) Ctrl-C ends the command at once, saying so: nothing is done yet that a
/// checkpoint could keep. Only write(2) and _exit(2) in the handler (async-signal-safe; a
/// StaticString needs no allocation). TrainingRun.train replaces it with the flag handler.
func installEarlyStopHandlers() {
    let quit: @convention(c) (Int32) -> Void = { _ in
        let text: StaticString = "soso: interrupted before training started; nothing written\n"
        _ = write(STDERR_FILENO, text.utf8Start, text.utf8CodeUnitCount)
        _exit(130)
    }
    signal(SIGINT, quit)
    signal(SIGTERM, quit)
}

/// A Ctrl-C that came after the last progress report (the handler, still in place, only
/// noted it): the command stops before it writes, as it would have earlier.
func stopIfRequested(_ message: String) throws {
    if stopRequested != 0 { throw SosoError(.aborted, message) }
}

/// Names a step before training that can take a while on a large corpus (the expansion,
/// LSA), on its own line; only on a terminal and never with --quiet, like the progress line.
func showPhase(_ text: String, quiet: Bool) {
    guard !quiet && isatty(STDERR_FILENO) == 1 else { return }
    _ = writeAll(STDERR_FILENO, text + "\n")
}

func showExpansion(_ expansion: Expansion, documents: Int, quiet: Bool) {
    showPhase("expanding \(documents) documents with their words' \(expansion.neighbors) strongest co-occurring words",
              quiet: quiet)
}

final class ProgressLine {
    private let enabled: Bool
    private var lastDraw = -Double.infinity /* the first report is drawn at once */
    private var drawn = false
    /// Shown after the standard fields (e.g. "changed 0.8%").
    var status: String?

    init(quiet: Bool) { enabled = !quiet && isatty(STDERR_FILENO) == 1 }

    /// Handles one progress report; false asks training to stop.
    func update(_ p: TrainingProgress) -> Bool {
        if stopRequested != 0 { return false }
        guard due(p, finished: p.documentsDone >= p.documentsTotal) else { return true }
        let rate = p.seconds > 0 ? Double(p.documentsDone) / p.seconds : 0
        let left = rate > 0 ? Double(p.documentsTotal - p.documentsDone) / rate : 0
        // The epoch under way (p.epoch counts those finished: "epoch 0/4" read as none begun).
        var line = String(format: "epoch %d/%d  %.0f docs/s  %@ left  effective units %.1f", min(p.epoch + 1, p.epochs),
                          p.epochs, rate, clock(left), p.effectiveUnits)
        if let t = p.temperature { line += String(format: "  T %.3g", t) }
        if let s = status { line += "  " + s }
        draw(line, threads: p.threadsUsed)
        return true
    }

    /// Handles one report of a job counted in steps (t-SNE's iterations: `epoch` of
    /// `epochs`), named `what`; false asks it to stop.
    func update(steps p: TrainingProgress, what: String) -> Bool {
        if stopRequested != 0 { return false }
        guard due(p, finished: p.epoch >= p.epochs) else { return true }
        let left = p.epoch > 0 ? p.seconds / Double(p.epoch) * Double(p.epochs - p.epoch) : 0
        draw(String(format: "%@ %d/%d  %@ left", what, p.epoch, p.epochs, clock(left)), threads: p.threadsUsed)
        return true
    }

    /// Whether to draw this report: on a terminal, at most every 0.1 s, and the last one.
    private func due(_ p: TrainingProgress, finished: Bool) -> Bool {
        guard enabled, finished || p.seconds - lastDraw >= 0.1 else { return false }
        lastDraw = p.seconds
        return true
    }

    /// Redraws the line over the previous one, the thread count last.
    private func draw(_ text: String, threads: Int) {
        _ = writeAll(STDERR_FILENO, "\r" + text + String(format: "  (%d thread%@)\u{1B}[K", threads, threads == 1 ? "" : "s"))
        drawn = true
    }

    /// Ends the progress line so later output starts on a fresh line.
    func finish() {
        if drawn { _ = writeAll(STDERR_FILENO, "\n") }
        drawn = false
    }

    private func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}
