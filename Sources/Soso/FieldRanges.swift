// FieldRanges.swift - the integer fields of the configurations become the C core's
// uint32_t: a value beyond that range must be refused under its name, not clamped (soft's
// epochs = 2^32 + 2 became 4294967295 epochs) nor reported as "must be >= 1".

/// The first of `fields` (name, value, least allowed) outside least...UInt32.max, said.
func uint32FieldProblem(_ fields: [(String, Int, Int)]) -> String? {
    for (name, value, least) in fields where value < least || value > Int(UInt32.max) {
        return "\(name) must be between \(least) and \(UInt32.max), got \(value)"
    }
    return nil
}
