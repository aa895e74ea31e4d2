// Evaluation.swift - a model's quality on labelled (or unlabelled) documents, and the
// 2-D map of documents by t-SNE.
import CSoso

extension Corpus {
    /// Label ids (numbered in byte order of the names) and the names; -1 for a document
    /// without a label.
    public func labelIDs() throws -> (ids: [Int32], names: [String]) {
        var ids = [Int32](repeating: -1, count: count)
        var n = 0
        try check(soso_corpus_label_ids(handle, &ids, ids.count, &n))
        var names = [String](repeating: "", count: n)
        for i in 0..<count where ids[i] >= 0 { names[Int(ids[i])] = label(i) ?? "" }
        return (ids, names)
    }
}

/// The measures of ALGORITHMS.md section 7.
public struct ModelEvaluation: Sendable {
    public var units: Int
    /// Documents with a known word (they have a cluster), those with a label, and labels.
    public var documents: Int
    public var labelled: Int
    public var labels: Int
    /// Clusters (argmax unit) against labels; nil without labels.
    public var nmi: Double?
    public var ari: Double?
    public var purity: Double?
    /// Mean NPMI over the pairs of each unit's top words; distinct top words / (top x units).
    public var npmi: Double
    public var diversity: Double
    public var meanAbsCos: Double
    public var maxAbsCos: Double
    public var deadUnits: Int
    /// Mean number of units with a positive code per document.
    public var codeSparsity: Double
}

extension Model {
    /// Evaluates the model on documents; `labels` gives one id per document (-1: none).
    public func evaluate(_ documents: Documents, labels: [Int32]? = nil, topWords: Int = 10,
                         threads: Int = 1) throws -> ModelEvaluation {
        if let l = labels, l.count != documents.rows {
            throw SosoError(.invalidArgument, "\(l.count) labels for \(documents.rows) documents")
        }
        var e = soso_eval()
        if let l = labels {
            try check(soso_model_eval(handle, documents.handle, l, try givenCount(topWords, "topWords"), Int32(clamping: threads), &e))
        } else {
            try check(soso_model_eval(handle, documents.handle, nil, try givenCount(topWords, "topWords"), Int32(clamping: threads), &e))
        }
        return ModelEvaluation(units: e.units, documents: e.documents, labelled: e.labelled, labels: e.labels,
                               nmi: e.nmi.isNaN ? nil : e.nmi, ari: e.ari.isNaN ? nil : e.ari,
                               purity: e.purity.isNaN ? nil : e.purity, npmi: e.npmi, diversity: e.diversity,
                               meanAbsCos: e.mean_abs_cos, maxAbsCos: e.max_abs_cos, deadUnits: e.dead_units,
                               codeSparsity: e.code_sparsity)
    }
}

/// Exact t-SNE into two dimensions.
public enum TSNE {
    /// Embeds `count` points of `dimension` values (row-major) into 2-D: returns count x 2
    /// floats. Deterministic for a seed. At most 5,000 points. `progress` hears every 10
    /// iterations (`epoch` = iterations done, `epochs` = iterations); returning false
    /// stops with `.aborted`.
    public static func embed(_ points: [Float], count: Int, dimension: Int, perplexity: Float = 30,
                             iterations: Int = 1000, seed: UInt64 = 1, threads: Int = 1,
                             progress: ((TrainingProgress) -> Bool)? = nil) throws -> [Float] {
        let (values, overflow) = count.multipliedReportingOverflow(by: dimension) // Int.max points trapped
        guard count >= 0, dimension > 0, !overflow, points.count == values else {
            throw SosoError(.invalidArgument, "\(points.count) values for \(count) points of dimension \(dimension)")
        }
        var p = soso_tsne_params()
        soso_tsne_params_default(&p)
        p.perplexity = perplexity
        p.iterations = UInt32(clamping: iterations)
        p.seed = seed
        p.threads = Int32(clamping: threads)
        var y = [Float](repeating: 0, count: count * 2)
        try withProgress(progress) { fn, user in
            p.progress = fn
            p.user = user
            return soso_tsne(points, count, dimension, &p, &y)
        }
        return y
    }
}
