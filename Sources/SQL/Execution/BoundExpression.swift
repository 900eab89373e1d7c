import Core

/// An expression with names resolved to input-row slots and its result type
/// known. `type` nil means "unknown" (a NULL literal), which PostgreSQL
/// reports as text.
indirect enum BoundExpression {
    case constant(Value)
    /// A literal or parameter whose type may still adapt to its context
    /// (PostgreSQL's "unknown"-typed literal: `id = '5'` compares as integer).
    case untypedConstant(Value)
    case slot(Int)
    case negate(BoundExpression)
    case not(BoundExpression)
    case arithmetic(BinaryOperator, BoundExpression, BoundExpression, DataType)
    case concat(BoundExpression, BoundExpression)
    case compare(BinaryOperator, BoundExpression, BoundExpression)
    case and(BoundExpression, BoundExpression)
    case or(BoundExpression, BoundExpression)
    case isNull(BoundExpression, negated: Bool)
    case like(BoundExpression, pattern: BoundExpression, negated: Bool, caseInsensitive: Bool)
    case inList(BoundExpression, [BoundExpression], negated: Bool)
    case cast(BoundExpression, DataType)
    case caseWhen([(condition: BoundExpression, result: BoundExpression)], elseResult: BoundExpression?)
    case scalar(ScalarFunction, [BoundExpression])

    /// The value when the expression needs no row (constants only).
    var constantValue: Value? {
        switch self {
        case .constant(let v), .untypedConstant(let v): v
        default: nil
        }
    }
}

/// Built-in scalar functions.
enum ScalarFunction: String {
    case lower, upper, length, abs, coalesce, nullif, round, floor, ceil, greatest, least
    case concat, substr, trim, replace, mod, sqrt, power

    static func named(_ name: String) -> ScalarFunction? {
        switch name {
        case "char_length", "character_length": .length
        case "ceiling": .ceil
        case "substring": .substr
        case "pow": .power
        case "btrim": .trim
        default: ScalarFunction(rawValue: name)
        }
    }
}

/// Aggregate functions, computed by the aggregation stage.
enum AggregateFunction: String {
    case count, sum, avg, min, max
}

/// One aggregate call of a query, e.g. `count(DISTINCT x)`.
struct AggregateCall {
    var function: AggregateFunction
    /// nil for `count(*)`.
    var argument: BoundExpression?
    var distinct: Bool
    var resultType: DataType
}
