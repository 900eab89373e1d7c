import Core

/// A column visible to expressions: which table (alias) it comes from, its
/// name and type, by position in the input row.
struct ScopeColumn {
    var table: String?
    var name: String
    var type: DataType
    /// A NULL literal's column: its type adapts in set operations.
    var unknownType = false
    /// An untyped string literal's column (typed text until then): in set
    /// operations and VALUES it takes the other rows' type, as PostgreSQL
    /// resolves unknown literals.
    var untypedLiteral = false
    /// The right-hand copy of a USING/NATURAL join column: reachable only qualified.
    var hiddenByUsing = false
}

/// Resolves names and types: turns AST expressions into bound expressions
/// over a row layout. Names not found locally are looked up in the
/// enclosing queries (`outer`), which makes a subquery correlated. In
/// aggregate mode, expressions are bound against the output of grouping
/// (group keys, then aggregate results) and aggregate calls are collected;
/// window calls are collected and read from columns appended after those.
final class Binder {
    let columns: [ScopeColumn]
    let parameters: [Value]
    let outer: Binder?
    let planner: Planner?
    let correlation: CorrelationFlag
    private var groupKeys: [String]?
    private var groupTypes: [DataType?] = []
    private(set) var inputBinder: Binder?
    private(set) var aggregates: [AggregateCall] = []
    private var aggregateKeys: [String] = []
    var windowCalls: [WindowCall] = []
    /// `WINDOW w AS (…)` definitions of the SELECT being bound.
    var namedWindows: [String: WindowSpecification] = [:]
    var windowBase: Int?

    init(columns: [ScopeColumn], parameters: [Value], outer: Binder? = nil, planner: Planner? = nil,
         correlation: CorrelationFlag = CorrelationFlag()) {
        self.columns = columns; self.parameters = parameters; self.outer = outer
        self.planner = planner; self.correlation = correlation
    }

    /// Switches to aggregate mode: `groupBy` expressions (bound against the
    /// input) become slots 0..<n of the grouped row.
    func enterAggregation(groupBy: [Expression]) throws(SQLError) -> [BoundExpression] {
        let input = Binder(columns: columns, parameters: parameters, outer: outer, planner: planner, correlation: correlation)
        var bound: [BoundExpression] = []
        var types: [DataType?] = []
        for e in groupBy {
            let (b, t) = try input.bind(e)
            bound.append(b); types.append(t)
        }
        inputBinder = input
        groupKeys = bound.map(\.fingerprint)
        groupTypes = types
        return bound
    }

    var isAggregating: Bool { groupKeys != nil }

    /// Window results are read from slot `base + i`.
    func beginWindows(base: Int) { windowBase = base }

    static func isAggregateName(_ name: String) -> Bool { AggregateFunction.named(name) != nil }

    /// Whether `e` contains an aggregate call (not looking into subqueries or window calls).
    static func containsAggregate(_ e: Expression) -> Bool {
        var found = false
        e.visit { node in
            if case let .function(name, _, _, _, _, _) = node, isAggregateName(name) { found = true }
        }
        return found
    }

    /// Binds every aggregate call inside `e` so the aggregate list is complete
    /// before window slots are numbered.
    func registerAggregates(in e: Expression) throws(SQLError) {
        var calls: [Expression] = []
        e.visit { node in
            if case let .function(name, _, _, _, _, _) = node, Self.isAggregateName(name) { calls.append(node) }
        }
        for call in calls { _ = try bind(call) }
    }

    // MARK: Binding

    func bind(_ e: Expression) throws(SQLError) -> (BoundExpression, DataType?) {
        if let groupKeys {
            if case let .function(name, arguments, distinct, star, clauses, position) = e, Self.isAggregateName(name) {
                return try bindAggregate(name, arguments, distinct, star, clauses, position)
            }
            if !Self.containsAggregate(e), !e.containsWindow, let input = inputBinder,
               let (b, t) = try? input.bind(e), let i = groupKeys.firstIndex(of: b.fingerprint) {
                return (.slot(i), groupTypes[i] ?? t)
            }
            if case let .column(table, name, position) = e {
                if (try? inputBinder?.resolveLocal(table: table, name: name, position: position)) != nil {
                    let qualified = table.map { "\($0).\(name)" } ?? name
                    throw SQLError(SQLState.groupingError,
                                   "column \"\(qualified)\" must appear in the GROUP BY clause or be used in an aggregate function",
                                   position: position)
                }
            }
        } else if case let .function(name, _, _, _, _, position) = e, Self.isAggregateName(name) {
            throw SQLError(SQLState.groupingError, "aggregate functions are not allowed here", position: position)
        }
        return try bindStructure(e)
    }

    private func bindAggregate(_ name: String, _ arguments: [Expression], _ distinct: Bool, _ star: Bool,
                               _ clauses: AggregateClauses?, _ position: Int) throws(SQLError) -> (BoundExpression, DataType?) {
        let call = try aggregateCall(name, arguments, distinct, star, clauses, position, binder: inputBinder!)
        let key = call.fingerprint
        let slotBase = groupKeys!.count
        if let existing = aggregateKeys.firstIndex(of: key) {
            return (.slot(slotBase + existing), aggregates[existing].resultType)
        }
        aggregates.append(call)
        aggregateKeys.append(key)
        return (.slot(slotBase + aggregates.count - 1), call.resultType)
    }

    /// An aggregate call with its argument bound by `binder` (the input scope).
    func aggregateCall(_ name: String, _ arguments: [Expression], _ distinct: Bool, _ star: Bool,
                       _ clauses: AggregateClauses?, _ position: Int, binder: Binder) throws(SQLError) -> AggregateCall {
        let function = AggregateFunction.named(name)!
        var argument: BoundExpression?
        var argumentType: DataType?
        var extra: BoundExpression?
        if star {
            guard function == .count else { throw SQLError.syntax("\(name)(*) is not valid", at: position) }
        } else {
            let expected = function == .stringAgg || function == .jsonbObjectAgg ? 2 : 1
            guard arguments.count == expected else {
                throw SQLError(SQLState.undefinedFunction, "function \(name) with \(arguments.count) argument(s) does not exist", position: position)
            }
            if arguments.contains(where: Self.containsAggregate) {
                throw SQLError(SQLState.groupingError, "aggregate function calls cannot be nested", position: position)
            }
            if arguments.contains(where: \.containsWindow) {
                throw SQLError(SQLState.groupingError, "aggregate function calls cannot contain window function calls", position: position)
            }
            (argument, argumentType) = try binder.bind(arguments[0])
            if function == .stringAgg || function == .jsonbObjectAgg { extra = try binder.bind(arguments[1]).0 }
        }
        let resultType = try function.resultType(argumentType, name: name, position: position)
        var call = AggregateCall(function: function, argument: argument, distinct: distinct, resultType: resultType, extra: extra)
        if let clauses { try bindClauses(clauses, of: &call, arguments: arguments, binder: binder) }
        return call
    }

    /// An aggregate's ORDER BY and FILTER, over its input rows (checked as
    /// PostgreSQL checks them).
    private func bindClauses(_ clauses: AggregateClauses, of call: inout AggregateCall, arguments: [Expression],
                             binder: Binder) throws(SQLError) {
        var argumentShapes: Set<String> = []
        for argument in arguments { argumentShapes.insert(try binder.bind(argument).0.fingerprint) }
        for item in clauses.orderBy {
            if Self.containsAggregate(item.expression) {
                throw SQLError(SQLState.groupingError, "aggregate function calls cannot be nested", position: item.expression.position)
            }
            let key = try binder.bind(item.expression).0
            // With DISTINCT the rows are the distinct arguments: only they can order them.
            if call.distinct, !argumentShapes.contains(key.fingerprint) {
                throw SQLError("42P10", "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list",
                               position: item.expression.position)
            }
            call.orderBy.append(PlanSortKey(expression: key, descending: item.descending, nullsFirst: item.nullsFirst))
        }
        if let filter = clauses.filter {
            if Self.containsAggregate(filter) {
                throw SQLError(SQLState.groupingError, "aggregate functions are not allowed in FILTER", position: filter.position)
            }
            if filter.containsWindow {
                throw SQLError("42P20", "window functions are not allowed in FILTER", position: filter.position)
            }
            let (bound, type) = try binder.bind(filter)
            call.filter = try binder.expectBoolean(bound, type, filter.position)
        }
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
            return try resolve(table: table, name: name, position: position)
        case let .unary(op, operand, position):
            let (b, t) = try bind(operand)
            switch op {
            case .not: return (.not(try expectBoolean(b, t, position)), .boolean)
            case .plus, .minus:
                if let t, !t.isNumeric {
                    if case .untypedConstant(let v) = b, case .text = v {
                        let number = try Casts.cast(v, to: .double)
                        return (op == .minus ? .negate(.constant(number)) : .constant(number), .double)
                    }
                    throw SQLError(SQLState.undefinedFunction, "operator does not exist: \(op.rawValue) \(t.description.lowercased())", position: position)
                }
                if op == .minus, case .constant(let v) = b { return (.constant(try Arithmetic.negate(v)), t) }
                return (op == .minus ? .negate(b) : b, t)
            }
        case let .binary(op, l, r, position):
            return try bindBinary(op, l, r, position)
        default:
            return try bindOther(e)
        }
    }
}
