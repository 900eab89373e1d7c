import Core

// PostgreSQL's resolution of expressions that must share one type: CASE
// results, the arguments of COALESCE, GREATEST, LEAST and NULLIF, and a
// VALUES column. The typed expressions decide: numbers widen (integer,
// bigint, double), vectors of different dimensions give a vector of any
// dimension, date and timestamps widen to the widest of them; any other
// mix is 42804 ("CASE types integer and vector cannot be matched").
// Untyped string literals then take that type, converted once at bind
// time (a literal the type cannot read fails there, 22P02, as in
// PostgreSQL); with nothing typed they stay text.

enum TypeResolution {
    /// The common type of `types` (the untyped literals' left out), or nil
    /// when none is known (all NULL or untyped).
    static func commonType(_ types: [DataType?], untyped: [Bool], context: String,
                           position: Int) throws(SQLError) -> DataType? {
        let known = zip(types, untyped).compactMap { $1 ? nil : $0 }
        guard let first = known.first else { return nil }
        if known.allSatisfy(\.isNumeric) { return ScalarFunctions.widest(known) }
        if known.allSatisfy(\.isVector) {
            // A literal beside them may have any dimension too, as pgvector's unknown-typed input does.
            return known.allSatisfy({ $0 == first }) && !untyped.contains(true) ? first : .vector(dimensions: 0)
        }
        if known.allSatisfy(\.isTemporal) {
            for widest in [DataType.timestampWithTimeZone, .timestamp] where known.contains(widest) { return widest }
            return first
        }
        if let other = known.first(where: { $0 != first }) {
            throw SQLError(SQLState.datatypeMismatch,
                           "\(context) types \(first.errorName) and \(other.errorName) cannot be matched", position: position)
        }
        return first
    }

    /// `expressions` with their untyped literals converted to `type`.
    static func convertingLiterals(_ expressions: [BoundExpression], to type: DataType?,
                                   position: Int) throws(SQLError) -> [BoundExpression] {
        guard let type, type != .text else { return expressions }
        var converted: [BoundExpression] = []
        converted.reserveCapacity(expressions.count)
        for e in expressions {
            guard e.isUntypedText, let literal = e.constantValue else { converted.append(e); continue }
            do {
                converted.append(.constant(try Casts.cast(literal, to: type)))
            } catch var error {
                error.position = position
                throw error
            }
        }
        return converted
    }

    /// Both steps: the common type and the expressions converted to it.
    static func resolve(_ expressions: [BoundExpression], _ types: [DataType?], context: String,
                        position: Int) throws(SQLError) -> (expressions: [BoundExpression], type: DataType?) {
        let type = try commonType(types, untyped: expressions.map(\.isUntypedText), context: context, position: position)
        return (try convertingLiterals(expressions, to: type, position: position), type ?? (types.contains { $0 != nil } ? .text : nil))
    }

}

extension DataType {
    /// The type as PostgreSQL names it in errors (`vector` without its dimension).
    var errorName: String { isVector ? "vector" : description.lowercased() }
}
