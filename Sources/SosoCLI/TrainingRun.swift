// TrainingRun.swift - training to the planned epochs the way every command does it: a
// progress line, checkpoints every N epochs, and on Ctrl-C a final checkpoint and the
// command that continues (shared by `soso train` and `soso update`).
import Foundation
import Soso

struct TrainingRun {
    let checkpointPath: String
    let checkpointEvery: Int
    let quiet: Bool
    /// The command line that, with --resume, continues this run ("soso train CORPUS -o OUT").
    let command: String
    /// `--epochs auto`: stops training once the documents keep their units.
    var convergence: ConvergenceCheck? = nil

    /// Trains on the streamed file when there is one (in pieces of the given blocks), else
    /// on the documents in memory.
    func train(_ model: Model, _ stream: (CorpusStream, Int)?, else documents: Documents, threads: Int) throws {
        try train(model) { progress in
            if let (s, pieceBlocks) = stream {
                try model.train(s, pieceBlocks: pieceBlocks, threads: threads, progress: progress)
            } else {
                try model.train(documents, threads: threads, progress: progress)
            }
        }
    }

    /// Where the checkpoint went and the command that continues from it.
    var resumeHint: String {
        "checkpoint written to \(checkpointPath); continue with: \(command) --resume \(shellQuoted(checkpointPath))"
    }

    /// Runs `train` (a model's training call) with this run's progress handler.
    func train(_ model: Model, _ train: (@escaping (TrainingProgress) -> Bool) throws -> Void) throws {
        installStopHandlers()
        let line = ProgressLine(quiet: quiet)
        var lastCheckpoint = model.epochsDone
        var checkpointError: Error?
        let seenBefore = model.documentsSeen
        do {
            try train { p in
                // Progress arrives where the model is whole: a checkpoint can be written,
                // the documents encoded.
                if checkpointEvery > 0 && p.epoch - lastCheckpoint >= checkpointEvery && p.epoch < p.epochs {
                    do { try model.save(to: checkpointPath) } catch { checkpointError = error; return false }
                    lastCheckpoint = p.epoch
                }
                if let c = convergence {
                    do { if try c.shouldStop(p) { return false } } catch { checkpointError = error; return false }
                    line.status = c.status
                }
                return line.update(p)
            }
        } catch let error as SosoError where error.code == .aborted {
            line.finish()
            if let e = checkpointError { throw e }
            if convergence?.converged == true && stopRequested == 0 { return try model.finish() }
            try model.save(to: checkpointPath)
            throw SosoError(.aborted, "interrupted after \(model.epochsDone) of \(model.totalEpochs) epochs; "
                + resumeHint)
        } catch let error as SosoError where error.code == .outOfMemory && model.documentsSeen > seenBefore {
            // The model keeps the documents trained before the failure (and the steps it
            // owes): a checkpoint keeps them too, where memory allows writing one.
            line.finish()
            guard (try? model.save(to: checkpointPath)) != nil else { throw error }
            throw SosoError(.outOfMemory, "\(error.message), after \(model.documentsSeen - seenBefore) documents of this run "
                + "(\(model.epochsDone) of \(model.totalEpochs) epochs done); " + resumeHint)
        }
        line.finish()
    }
}

/// The checkpoint options of a run, for the command that continues it: without them the
/// resumed run would write its checkpoints elsewhere (OUTPUT.checkpoint) or not at all.
func checkpointFlags(_ path: String?, every: Int) -> String {
    (path.map { " --checkpoint \(shellQuoted($0))" } ?? "") + (every > 0 ? " --checkpoint-every \(every)" : "")
}

let trainingThreadsHelp = "Threads (results do not depend on it). Default: all cores, but 2 for training a hebbian"
    + " model, whose mini-batches were too small to share among more (measured at 26 units; bench/RESULTS.md)."
    + " Training uses at most this many: it times smaller teams too and trains on the fastest."

/// Threads for training `model` when --threads is not given: all cores, but at most 2 for
/// Hebbian training, whose mini-batches (~60 microseconds of work at 26 units on wn-nouns)
/// ran slower on 4 or more threads than on 1 on a 16-core Xeon, and fastest on 2
/// (bench/RESULTS.md; not measured at other sizes).
func defaultTrainingThreads(_ model: Model) -> Int {
    model.learner == .hebbian ? min(2, Soso.maxThreads) : Soso.maxThreads
}
