import Core

/// Expressions compiled once per operator run into nested closures, so a
/// loop over a million rows calls straight-line code instead of walking the
/// bound tree (matching an indirect enum costs a retain and a release of its
/// payload box at every node). The common shapes of WHERE clauses, join
/// keys, GROUP BY keys and aggregate arguments get closures of their own: a
/// column read, a column compared with a constant, AND/OR chains, column
/// arithmetic, a vector distance between a column and a constant
/// (VectorFunctions.swift). Everything else falls back to the tree evaluator, so the
/// results and errors are those of `evaluate`.
typealias CompiledExpression = (Row, Environment) throws(SQLError) -> Value
/// A compiled condition: true only when the value is TRUE (NULL and FALSE reject).
typealias CompiledPredicate = (Row, Environment) throws(SQLError) -> Bool

extension BoundExpression {
    func compiled() -> CompiledExpression {
        switch self {
        case .constant(let v), .untypedConstant(let v):
            return { _, _ in v }
        case .slot(let i):
            return { row, _ in row[i] }
        case let .arithmetic(op, l, r, type):
            let a = l.compiled(), b = r.compiled()
            return { (row, env) throws(SQLError) in try Arithmetic.apply(op, a(row, env), b(row, env), type) }
        case let .scalar(function, arguments) where function.isVector:
            return VectorFunctions.compiled(function, arguments)
        case .compare, .and, .or, .isNull:
            let test = compiledTruth()
            return { (row, env) throws(SQLError) in try test(row, env).map(Value.boolean) ?? .null }
        default:
            let tree = self
            return { (row, env) throws(SQLError) in try tree.evaluate(row, env) }
        }
    }

    func compiledPredicate() -> CompiledPredicate {
        switch self {
        case let .and(l, r):
            let a = l.compiledPredicate(), b = r.compiledPredicate()
            return { (row, env) throws(SQLError) in
                if try !a(row, env) { return false }
                return try b(row, env)
            }
        case let .or(l, r):
            let a = l.compiledPredicate(), b = r.compiledPredicate()
            return { (row, env) throws(SQLError) in
                if try a(row, env) { return true }
                return try b(row, env)
            }
        case let .compare(op, .slot(i), constant) where constant.constantValue != nil:
            return Self.columnTest(op, i, constant.constantValue!)
        case let .compare(op, constant, .slot(i)) where constant.constantValue != nil:
            return Self.columnTest(op.flipped, i, constant.constantValue!)
        default:
            let truth = compiledTruth()
            return { (row, env) throws(SQLError) in try truth(row, env) == true }
        }
    }

    /// Three-valued truth: nil for NULL. Non-boolean values are the same
    /// error as in `truth(_:)`.
    private func compiledTruth() -> (Row, Environment) throws(SQLError) -> Bool? {
        switch self {
        case let .compare(op, l, r):
            let a = l.compiled(), b = r.compiled()
            return { (row, env) throws(SQLError) in
                let x = try a(row, env), y = try b(row, env)
                if x.isNull || y.isNull { return nil }
                return try Self.compare(op, x, y)
            }
        case let .and(l, r):
            let a = l.compiledTruth(), b = r.compiledTruth()
            return { (row, env) throws(SQLError) in
                let x = try a(row, env)
                if x == false { return false }
                let y = try b(row, env)
                if y == false { return false }
                return x == nil || y == nil ? nil : true
            }
        case let .or(l, r):
            let a = l.compiledTruth(), b = r.compiledTruth()
            return { (row, env) throws(SQLError) in
                let x = try a(row, env)
                if x == true { return true }
                let y = try b(row, env)
                if y == true { return true }
                return x == nil || y == nil ? nil : false
            }
        case let .isNull(e, negated):
            let value = e.compiled()
            return { (row, env) throws(SQLError) in try value(row, env).isNull != negated }
        default:
            let value = compiled(), tree = self
            return { (row, env) throws(SQLError) in try tree.truth(value(row, env)) }
        }
    }

    /// `column op constant`, with the constant's type decided once.
    private static func columnTest(_ op: BinaryOperator, _ slot: Int, _ constant: Value) -> CompiledPredicate {
        switch constant {
        case .null:
            return { _, _ in false }
        case .integer(let k):
            return { (row, _) throws(SQLError) in
                if case .integer(let x) = row[slot] { return op.holds(x < k ? -1 : (x == k ? 0 : 1)) }
                return try generic(op, row[slot], constant)
            }
        case .timestamp(let k, _):
            return { (row, _) throws(SQLError) in
                if case .timestamp(let x, _) = row[slot] { return op.holds(x < k ? -1 : (x == k ? 0 : 1)) }
                return try generic(op, row[slot], constant)
            }
        case .text(let k):
            return { (row, _) throws(SQLError) in
                if case .text(let x) = row[slot] { return op.holds(Value.compareCodePoints(x, k)) }
                return try generic(op, row[slot], constant)
            }
        default:
            return { (row, _) throws(SQLError) in try generic(op, row[slot], constant) }
        }
    }

    private static func generic(_ op: BinaryOperator, _ value: Value, _ constant: Value) throws(SQLError) -> Bool {
        if value.isNull { return false }
        return try compare(op, value, constant)
    }
}

extension BinaryOperator {
    /// Whether a three-way `ordering` satisfies this comparison.
    @inline(__always)
    func holds(_ ordering: Int) -> Bool {
        switch self {
        case .equal: ordering == 0
        case .notEqual: ordering != 0
        case .less: ordering < 0
        case .lessOrEqual: ordering <= 0
        case .greater: ordering > 0
        case .greaterOrEqual: ordering >= 0
        default: false
        }
    }
}
