// ProgressCallback.swift - a Swift progress closure as the C core's callback (training
// and t-SNE report through the same soso_progress).
import CSoso

/// Runs a C call that reports progress with `progress` turned into its callback.
func withProgress(_ progress: ((TrainingProgress) -> Bool)?,
                  _ call: (soso_progress_fn?, UnsafeMutableRawPointer?) -> soso_status) throws {
    guard let progress else { return try check(call(nil, nil)) }
    final class Box { let fn: (TrainingProgress) -> Bool; init(_ f: @escaping (TrainingProgress) -> Bool) { fn = f } }
    let box = Box(progress)
    try withExtendedLifetime(box) {
        try check(call({ p, user in
            let b = Unmanaged<Box>.fromOpaque(user!).takeUnretainedValue()
            let s = p!.pointee
            let info = TrainingProgress(epoch: Int(s.epoch), epochs: Int(s.epochs), documentsDone: Int(s.docs_done),
                                        documentsTotal: Int(s.docs_total), seconds: s.seconds,
                                        threadsUsed: Int(s.threads_used), effectiveUnits: s.effective_units,
                                        temperature: s.temperature > 0 ? s.temperature : nil)
            return b.fn(info) ? 0 : 1
        }, Unmanaged.passUnretained(box).toOpaque()))
    }
}
