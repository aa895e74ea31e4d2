// Stacking.swift - layer-wise stacking: an upper model trained on a lower model's codes,
// composed into one model over the lower model's words (soso_model_stack in the C core).
import CSoso

extension Model {
    /// The input of an upper layer: this model's full codes of each document, each scaled
    /// to unit length, over a vocabulary of one word per unit ("unit0", "unit1", ...).
    /// Create and train the upper layer on them, then compose with `Model(stacking:on:)`.
    /// - Throws: `.invalidArgument` for no documents or documents with another number of
    ///   columns than this model's words (the words themselves are not compared).
    public func stackInput(_ documents: Documents, threads: Int = 1) throws -> (vocabulary: Vocabulary, codes: Documents) {
        var v: OpaquePointer?
        var d: OpaquePointer?
        try check(soso_model_stack_input(handle, documents.handle, Int32(clamping: threads), &v, &d))
        return (Vocabulary(owning: v!), Documents(owning: d!))
    }

    /// One model over `lower`'s words that codes text as `upper` does on `lower`'s full
    /// codes: the upper layer's learner, settings and training state, the lower model's
    /// vocabulary and input options. Exact up to float rounding and a positive scale per
    /// document (cluster ids, top-k and cosines unchanged).
    /// - Throws: `.invalidArgument` when `upper` does not read `lower`'s units, or is
    ///   Hebbian with p = 1.
    public convenience init(stacking upper: Model, on lower: Model) throws {
        var h: OpaquePointer?
        try check(soso_model_stack(lower.handle, upper.handle, &h))
        self.init(handle: h!)
    }
}
