// ConvergenceCheck.swift - `--epochs auto`: the share of documents whose unit (argmax code)
// changed over the last quarter of the epochs so far; training stops once it is small.
// Per-epoch change alone misleads: the Hebbian rule moves a few documents an epoch for
// hundreds of epochs (0.2% an epoch at epoch 12 of 200, NMI 0.05 there against 0.16 at the
// end on the bundled sample), so the window grows with the training.
import Foundation
import Soso

final class ConvergenceCheck {
    let model: Model
    let documents: Documents
    /// Stop when fewer than this share of the documents changed unit in an epoch.
    let threshold: Double
    let threads: Int
    private var previous: [Int]?
    private var lastEpoch: Int
    private var nextCheck = 1
    private var reference = 0
    /// The epochs the last measured change spans.
    private(set) var window: (from: Int, to: Int)?
    /// The share that changed in the last epoch checked, for the progress line.
    private(set) var changed: Double?
    private(set) var converged = false

    init(model: Model, documents: Documents, threshold: Double, threads: Int) {
        self.model = model
        self.documents = documents
        self.threshold = threshold
        self.threads = threads
        lastEpoch = model.epochsDone
    }

    /// Called with every progress report; true at the end of an epoch e when fewer than
    /// `threshold` of the documents changed unit since epoch r, the last reference, taken
    /// at e >= 4r/3 (references at epochs 1, 2, 3, 4, 6, 8, 11, 15, 20, ...).
    /// The last epoch is measured too, for the summary only (stopping there is moot): the
    /// window then ends where training did, not at the last reference (154 of 200).
    func shouldStop(_ p: TrainingProgress) throws -> Bool {
        guard p.epoch > lastEpoch, p.epoch <= p.epochs else { return false } // an epoch just ended
        lastEpoch = p.epoch
        let last = p.epoch == p.epochs
        guard p.epoch >= nextCheck || last else { return false }
        let now = try assignments()
        defer {
            previous = now
            reference = p.epoch
            nextCheck = max(p.epoch + 1, (4 * p.epoch + 2) / 3)
        }
        guard let before = previous, !now.isEmpty else { return false }
        window = (reference, p.epoch)
        // Documents without a known word have no unit: they neither count nor change.
        let coded = zip(before, now).filter { $0.0 >= 0 && $0.1 >= 0 }
        guard !coded.isEmpty else { return false }
        let moved = coded.reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) }
        changed = Double(moved) / Double(coded.count)
        converged = !last && changed! < threshold
        return converged
    }

    /// The unit of each document with a known word (-1 for the others).
    private func assignments() throws -> [Int] {
        let codes = try model.encode(documents, threads: threads)
        let units = model.units
        return (0..<documents.rows).map { i in
            let row = Array(codes[i * units..<(i + 1) * units])
            return row.allSatisfy { $0 == 0 } ? -1 : Codes(values: row).cluster
        }
    }

    var status: String? { changed.map { String(format: "changed %.2f%% (window)", 100 * $0) } }
}
