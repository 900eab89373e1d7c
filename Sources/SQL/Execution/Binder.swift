import Core

/// A column visible to expressions: which table (alias) it comes from, its
/// name and type, by position in the input row.
struct ScopeColumn {
    var table: String?
    var name: String
    var type: DataType
}

/// Resolves names and types: turns AST expressions into bound expressions
/// over a row layout. In aggregate mode, expressions are bound against the
/// output of grouping (group keys, then aggregate results) and aggregate
/// calls are collected as they are met.
final class Binder {
    let columns: [ScopeColumn]
    let parameters: [Value]
    private var groupKeys: [String]?
    private var groupTypes: [DataType?] = []
    private var inputBinder: Binder?
    private(set) var aggregates: [AggregateCall] = []
    private var aggregateKeys: [String] = []

    init(columns: [ScopeColumn], parameters: [Value]) {
        self.columns = columns; self.parameters = parameters
    }

    /// Switches to aggregate mode: `groupBy` expressions (bound against the
    /// input) become slots 0..<n of the grouped row.
    func enterAggregation(groupBy: [Expression]) throws(SQLError) -> [BoundExpression] {
        let input = Binder(columns: columns, parameters: parameters)
        var bound: [BoundExpression] = []
        var types: [DataType?] = []
        for e in groupBy {
            let (b, t) = try input.bind(e)
            bound.append(b); types.append(t)
        }
        inputBinder = input
        groupKeys = groupBy.map(Self.canonical)
        groupTypes = types
        return bound
    }

    var isAggregating: Bool { groupKeys != nil }

    static func isAggregateName(_ name: String) -> Bool { AggregateFunction(rawValue: name) != nil }

    /// Whether `e` contains an aggregate call (outside of nested queries).
    static func containsAggregate(_ e: Expression) -> Bool {
        switch e {
        case let .function(name, arguments, _, _, _):
            return isAggregateName(name) || arguments.contains(where: containsAggregate)
        case .literal, .parameter, .column: return false
        case let .unary(_, x, _), let .isNull(x, _, _), let .cast(x, _, _): return containsAggregate(x)
        case let .binary(_, l, r, _), let .like(l, r, _, _, _): return containsAggregate(l) || containsAggregate(r)
        case let .inList(x, items, _, _): return containsAggregate(x) || items.contains(where: containsAggregate)
        case let .between(x, l, h, _, _): return [x, l, h].contains(where: containsAggregate)
        case let .caseWhen(operand, branches, elseResult, _):
            return (operand.map(containsAggregate) ?? false)
                || branches.contains { containsAggregate($0.condition) || containsAggregate($0.result) }
                || (elseResult.map(containsAggregate) ?? false)
        default:
            return false
        }
    }

    // MARK: Binding

    func bind(_ e: Expression) throws(SQLError) -> (BoundExpression, DataType?) {
        if let groupKeys {
            if let i = groupKeys.firstIndex(of: Self.canonical(e)) { return (.slot(i), groupTypes[i]) }
            if case let .function(name, arguments, distinct, star, position) = e, Self.isAggregateName(name) {
                return try bindAggregate(name, arguments, distinct, star, position, key: Self.canonical(e))
            }
            if case let .column(_, name, position) = e {
                let qualified = columnLabel(e) ?? name
                throw SQLError(SQLState.groupingError,
                               "column \"\(qualified)\" must appear in the GROUP BY clause or be used in an aggregate function",
                               position: position)
            }
        } else if case let .function(name, _, _, _, position) = e, Self.isAggregateName(name) {
            throw SQLError(SQLState.groupingError, "aggregate functions are not allowed here", position: position)
        }
        return try bindStructure(e)
    }

    private func columnLabel(_ e: Expression) -> String? {
        if case let .column(table, name, _) = e { return table.map { "\($0).\(name)" } ?? name }
        return nil
    }

    private func bindAggregate(_ name: String, _ arguments: [Expression], _ distinct: Bool, _ star: Bool,
                               _ position: Int, key: String) throws(SQLError) -> (BoundExpression, DataType?) {
        let function = AggregateFunction(rawValue: name)!
        let slotBase = groupKeys!.count
        if let existing = aggregateKeys.firstIndex(of: key) {
            return (.slot(slotBase + existing), aggregates[existing].resultType)
        }
        var argument: BoundExpression?
        var argumentType: DataType?
        if star {
            guard function == .count else { throw SQLError.syntax("\(name)(*) is not valid", at: position) }
        } else {
            guard arguments.count == 1 else {
                throw SQLError(SQLState.undefinedFunction, "function \(name) takes exactly one argument", position: position)
            }
            if arguments.contains(where: Self.containsAggregate) {
                throw SQLError(SQLState.groupingError, "aggregate function calls cannot be nested", position: position)
            }
            (argument, argumentType) = try inputBinder!.bind(arguments[0])
        }
        let resultType: DataType
        switch function {
        case .count: resultType = .bigint
        case .avg: resultType = .double
        case .sum: resultType = argumentType == .double ? .double : .bigint
        case .min, .max: resultType = argumentType ?? .text
        }
        if function == .sum || function == .avg, let argumentType, !argumentType.isNumeric {
            throw SQLError(SQLState.undefinedFunction,
                           "function \(name)(\(argumentType.description.lowercased())) does not exist", position: position)
        }
        aggregates.append(AggregateCall(function: function, argument: argument, distinct: distinct, resultType: resultType))
        aggregateKeys.append(key)
        return (.slot(slotBase + aggregates.count - 1), resultType)
    }

    private func bindStructure(_ e: Expression) throws(SQLError) -> (BoundExpression, DataType?) {
        switch e {
        case .literal(let v, _):
            if case .text = v { return (.untypedConstant(v), .text) }
            return (.constant(v), Self.literalType(v))
        case let .parameter(n, position):
            guard n >= 1, n <= parameters.count else {
                throw SQLError(SQLState.undefinedParameter, "there is no parameter $\(n)", position: position)
            }
            let v = parameters[n - 1]
            return (.untypedConstant(v), Self.literalType(v))
        case let .column(table, name, position):
            let (slot, type) = try resolve(table: table, name: name, position: position)
            return (.slot(slot), type)
        case let .unary(op, operand, position):
            let (b, t) = try bind(operand)
            switch op {
            case .not: return (.not(try expectBoolean(b, t, position)), .boolean)
            case .plus, .minus:
                if let t, !t.isNumeric {
                    throw SQLError(SQLState.undefinedFunction, "operator does not exist: \(op.rawValue) \(t.description.lowercased())", position: position)
                }
                return (op == .minus ? .negate(b) : b, t)
            }
        case let .binary(op, l, r, position):
            return try bindBinary(op, l, r, position)
        case let .isNull(x, negated, _):
            return (.isNull(try bind(x).0, negated: negated), .boolean)
        case let .like(x, pattern, negated, caseInsensitive, _):
            return (.like(try bind(x).0, pattern: try bind(pattern).0, negated: negated, caseInsensitive: caseInsensitive), .boolean)
        case let .inList(x, items, negated, position):
            let (bx, tx) = try bind(x)
            var bound: [BoundExpression] = []
            for item in items {
                let (bi, ti) = try bind(item)
                bound.append(try coerceForComparison(bi, ti, to: tx, position: position).0)
            }
            return (.inList(try coerceForComparison(bx, tx, to: nil, position: position).0, bound, negated: negated), .boolean)
        case let .between(x, low, high, negated, position):
            let lower = Expression.binary(.greaterOrEqual, x, low, position: position)
            let upper = Expression.binary(.lessOrEqual, x, high, position: position)
            let (both, _) = try bindBinary(.and, lower, upper, position)
            return (negated ? .not(both) : both, .boolean)
        case let .cast(x, type, _):
            let (b, _) = try bind(x)
            if let v = b.constantValue { return (.constant(try Casts.cast(v, to: type, explicit: true)), type) }
            return (.cast(b, type), type)
        case let .caseWhen(operand, branches, elseResult, position):
            return try bindCase(operand, branches, elseResult, position)
        case let .function(name, arguments, _, _, position):
            guard let function = ScalarFunction.named(name) else {
                throw SQLError(SQLState.undefinedFunction, "function \(name) does not exist", position: position)
            }
            var bound: [BoundExpression] = [], types: [DataType?] = []
            for a in arguments {
                let (b, t) = try bind(a)
                bound.append(b); types.append(t)
            }
            return (.scalar(function, bound), try ScalarFunctions.resultType(function, types, position: position))
        default:
            throw SQLError(SQLState.featureNotSupported, "expression not supported yet", position: e.position)
        }
    }
}
