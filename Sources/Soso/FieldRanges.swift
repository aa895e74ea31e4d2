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

/// A count the caller may leave out (nil: the default, or all); one given must be at least
/// `least` (a negative keep meant "every unit", a negative topWords "10", silently).
func givenCount(_ value: Int?, _ name: String, least: Int = 1) throws -> Int {
    guard let v = value else { return 0 }
    guard v >= least else { throw SosoError(.invalidArgument, "\(name) must be at least \(least), got \(v)") }
    return v
}
