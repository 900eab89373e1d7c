import Core

/// Turns a parsed query into a `Plan`: resolves names through a `Binder`,
/// plans FROM items and joins (pushing single-table predicates down to
/// their table, choosing primary-key lookups and hash joins for equalities),
/// then aggregation, window functions, projection, DISTINCT, ORDER BY
/// (top-N when a LIMIT follows) and LIMIT/OFFSET. Subqueries in expressions
/// are planned here too and marked correlated when they read an enclosing
/// query's row.
final class Planner {
    let data: any SQLDataAccess
    /// The SCN tables are read at while planning a view read AS OF.
    var inheritedReadSCN: SCN?
    let parameters: [Value]
    /// WITH queries in scope, innermost last.
    var commonTables: [[String: CommonTableResult]] = [] {
        didSet { scopeGeneration &+= 1 }
    }
    private var viewDepth = 0
    /// Changes whenever the names a query can see change (a WITH scope
    /// pushed, popped or filled, a view's body entered or left).
    private var scopeGeneration: UInt64 = 0
    /// Uncorrelated subqueries planned in this statement, by where they
    /// are. Binding a condition more than once (to classify it, then to
    /// apply it) would otherwise plan its subqueries again each time, and
    /// subqueries nested in conditions n deep 2^n times.
    private var plannedSubqueries: [SubqueryKey: (query: Query, planned: Planned)] = [:]

    struct SubqueryKey: Hashable {
        var position: Int
        var generation: UInt64
        var readSCN: SCN?
    }

    private func subqueryKey(_ position: Int) -> SubqueryKey {
        SubqueryKey(position: position, generation: scopeGeneration, readSCN: inheritedReadSCN)
    }

    /// The plan of this uncorrelated subquery, if planned here already.
    func plannedSubquery(_ query: Query, position: Int) -> Planned? {
        guard let hit = plannedSubqueries[subqueryKey(position)], hit.query == query else { return nil }
        return hit.planned
    }

    func rememberSubquery(_ query: Query, position: Int, _ planned: Planned) {
        plannedSubqueries[subqueryKey(position)] = (query, planned)
    }

    init(data: any SQLDataAccess, parameters: [Value]) {
        self.data = data; self.parameters = parameters
    }

    /// A planned query: the plan and its output columns (names and types).
    struct Planned {
        var plan: Plan
        var columns: [ScopeColumn]
    }

    func planQuery(_ query: Query, outer: Binder?, correlation: CorrelationFlag) throws(SQLError) -> Planned {
        if query.withTies && query.orderBy.isEmpty {
            throw SQLError(SQLState.syntaxError, "WITH TIES cannot be specified without ORDER BY clause", position: query.position)
        }
        let pushed = !query.with.isEmpty
        if pushed {
            commonTables.append([:])
            for cte in query.with { try planCommonTable(cte, recursive: query.recursive, outer: outer, correlation: correlation) }
        }
        defer { if pushed { commonTables.removeLast() } }
        if case .select(let select) = query.body {
            return try planSelect(select, orderBy: query.orderBy, limit: query.limit, offset: query.offset,
                                  withTies: query.withTies, outer: outer, correlation: correlation)
        }
        var planned = try planBody(query.body, outer: outer, correlation: correlation)
        if !query.orderBy.isEmpty || query.limit != nil || query.offset != nil {
            let binder = Binder(columns: planned.columns, parameters: parameters, outer: outer, planner: self, correlation: correlation)
            var keys: [PlanSortKey] = []
            for item in query.orderBy {
                let expression: BoundExpression
                if case .literal(.integer(let n), let position) = item.expression {
                    guard n >= 1, n <= planned.columns.count else {
                        throw SQLError("42P10", "ORDER BY position \(n) is not in select list", position: position)
                    }
                    expression = .slot(Int(n) - 1)
                } else {
                    expression = try binder.bind(item.expression).0
                }
                keys.append(PlanSortKey(expression: expression, descending: item.descending, nullsFirst: item.nullsFirst))
            }
            planned.plan = try orderAndLimit(planned.plan, keys, query.limit, query.offset, withTies: query.withTies,
                                             outer: outer, correlation: correlation)
        }
        return planned
    }

    func planBody(_ body: QueryBody, outer: Binder?, correlation: CorrelationFlag) throws(SQLError) -> Planned {
        switch body {
        case .select(let select):
            return try planSelect(select, orderBy: [], limit: nil, offset: nil, outer: outer, correlation: correlation)
        case .nested(let query):
            return try planQuery(query, outer: outer, correlation: correlation)
        case let .values(rows, position):
            return try planValues(rows, position: position, outer: outer, correlation: correlation)
        case let .setOperation(op, all, left, right):
            let l = try planBody(left, outer: outer, correlation: correlation)
            let r = try planBody(right, outer: outer, correlation: correlation)
            guard l.columns.count == r.columns.count else {
                throw SQLError(SQLState.syntaxError, "each \(op.rawValue) query must have the same number of columns")
            }
            let (columns, leftPlan, rightPlan) = try unify(op, l, r)
            return Planned(plan: .setOperation(op, all: all, leftPlan, rightPlan), columns: columns)
        }
    }

    /// Gives both sides of a set operation the same column types (integers
    /// widen to double when the other side is double; an untyped literal's
    /// column is cast to the other side's type; two vector columns of
    /// different dimensions give a vector of any dimension).
    private func unify(_ op: SetOperator, _ l: Planned, _ r: Planned) throws(SQLError) -> ([ScopeColumn], Plan, Plan) {
        var columns = l.columns
        var castLeft = false, castRight = false
        var leftExpressions: [BoundExpression] = [], rightExpressions: [BoundExpression] = []
        for i in columns.indices {
            let (left, right) = (l.columns[i], r.columns[i])
            let a = left.type, b = right.type
            var type = a
            if a != b {
                if a.isNumeric && b.isNumeric {
                    type = ScalarFunctions.widest([a, b])!
                } else if a.isVector && b.isVector {
                    type = .vector(dimensions: 0)
                } else if left.unknownType || (left.untypedLiteral && !right.unknownType) {
                    type = b
                } else if !right.unknownType && !right.untypedLiteral {
                    throw SQLError(SQLState.datatypeMismatch,
                                   "\(op.rawValue) types \(a.description.lowercased()) and \(b.description.lowercased()) cannot be matched")
                }
            }
            columns[i].type = type
            columns[i].unknownType = left.unknownType && right.unknownType
            columns[i].untypedLiteral = left.untypedLiteral && right.untypedLiteral
            // Only values change: double for integers, the type for a literal's text.
            let castsLeft = type != a && !left.unknownType && (type == .double || left.untypedLiteral)
            let castsRight = type != b && !right.unknownType && (type == .double || right.untypedLiteral)
            leftExpressions.append(castsLeft ? .cast(.slot(i), type) : .slot(i))
            rightExpressions.append(castsRight ? .cast(.slot(i), type) : .slot(i))
            castLeft = castLeft || castsLeft
            castRight = castRight || castsRight
        }
        return (columns, castLeft ? .project(l.plan, leftExpressions) : l.plan,
                castRight ? .project(r.plan, rightExpressions) : r.plan)
    }

    func planValues(_ rows: [[Expression]], position: Int, outer: Binder?, correlation: CorrelationFlag) throws(SQLError) -> Planned {
        let binder = Binder(columns: [], parameters: parameters, outer: outer, planner: self, correlation: correlation)
        var bound: [[BoundExpression]] = []
        var types: [[DataType?]] = []
        let width = rows.first?.count ?? 0
        for row in rows {
            guard row.count == width else {
                throw SQLError(SQLState.syntaxError, "VALUES lists must all be the same length", position: position)
            }
            var out: [BoundExpression] = [], rowTypes: [DataType?] = []
            for e in row {
                let (b, t) = try binder.bind(e)
                out.append(b); rowTypes.append(t)
            }
            bound.append(out); types.append(rowTypes)
        }
        // Each column resolves as PostgreSQL resolves a VALUES column (TypeResolution.swift).
        var columns: [ScopeColumn] = []
        for i in 0..<width {
            let resolved = try TypeResolution.resolve(bound.map { $0[i] }, types.map { $0[i] }, context: "VALUES", position: position)
            for r in bound.indices { bound[r][i] = resolved.expressions[r] }
            // Only untyped literals (and NULLs): the column adapts in a set operation.
            let literal = bound.contains { $0[i].isUntypedText }
                && zip(bound, types).allSatisfy { row, rowTypes in row[i].isUntypedText || rowTypes[i] == nil }
            columns.append(ScopeColumn(table: nil, name: "column\(i + 1)", type: resolved.type ?? .text,
                                       unknownType: resolved.type == nil, untypedLiteral: literal))
        }
        return Planned(plan: .values(bound), columns: columns)
    }

    private func planCommonTable(_ cte: CommonTableExpression, recursive: Bool, outer: Binder?, correlation: CorrelationFlag) throws(SQLError) {
        let name = cte.name
        if recursive, case let .setOperation(.union, all, anchorBody, recursiveBody) = cte.query.body,
           cte.query.orderBy.isEmpty, Self.references(recursiveBody, name) {
            let anchor = try planBody(anchorBody, outer: outer, correlation: correlation)
            let columns = Self.rename(anchor.columns, cte.columns, table: name)
            let table = CommonTableResult(name: name, columns: columns)
            commonTables[commonTables.count - 1][name] = table
            table.plan = nil
            let working = CommonTableResult(name: name, columns: columns)
            commonTables[commonTables.count - 1][name] = working
            let step = try planBody(recursiveBody, outer: outer, correlation: correlation)
            guard step.columns.count == columns.count else {
                throw SQLError(SQLState.datatypeMismatch, "recursive query \"\(name)\" column count differs between its parts")
            }
            table.plan = .recursiveUnion(anchor: anchor.plan, recursive: step.plan, all: all, table: working)
            commonTables[commonTables.count - 1][name] = table
            return
        }
        let planned = try planQuery(cte.query, outer: outer, correlation: correlation)
        let table = CommonTableResult(name: name, columns: Self.rename(planned.columns, cte.columns, table: name))
        table.plan = planned.plan
        commonTables[commonTables.count - 1][name] = table
    }

    static func rename(_ columns: [ScopeColumn], _ names: [String]?, table: String?) -> [ScopeColumn] {
        columns.enumerated().map { i, column in
            var c = column
            c.table = table
            if let names, i < names.count { c.name = names[i] }
            return c
        }
    }

    /// Whether a query body reads the table `name` (for WITH RECURSIVE).
    static func references(_ body: QueryBody, _ name: String) -> Bool {
        switch body {
        case .select(let s): return s.from.contains { references($0, name) }
        case .values: return false
        case .nested(let q): return references(q.body, name)
        case let .setOperation(_, _, l, r): return references(l, name) || references(r, name)
        }
    }

    private static func references(_ item: FromItem, _ name: String) -> Bool {
        switch item {
        case .table(let t): return t.name == name
        case .subquery(let q, _, _, _): return references(q.body, name)
        case .function: return false
        case let .join(l, r, _, _, _): return references(l, name) || references(r, name)
        case .lateral(let inner, _): return references(inner, name)
        }
    }

    func commonTable(named name: String) -> CommonTableResult? {
        for scope in commonTables.reversed() { if let t = scope[name] { return t } }
        return nil
    }

    /// Plans the stored query of a view, guarding against views that refer to themselves.
    func planView(_ table: TableSchema, _ text: String, position: Int) throws(SQLError) -> Planned {
        viewDepth += 1
        defer { viewDepth -= 1 }
        guard viewDepth < 32 else {
            throw SQLError("42P17", "infinite recursion detected in view \"\(table.name)\"", position: position)
        }
        guard case .select(let query)? = try Parser.parse(text).first else {
            throw SQLError(SQLState.internalError, "view \"\(table.name)\" has no query")
        }
        let saved = commonTables
        commonTables = []
        defer { commonTables = saved }
        var planned = try planQuery(query, outer: nil, correlation: CorrelationFlag())
        for i in planned.columns.indices where i < table.columns.count { planned.columns[i].name = table.columns[i].name }
        return planned
    }
}

/// Set when binding a query reads a column of an enclosing query's row.
final class CorrelationFlag {
    var isCorrelated = false
}
