import Core

extension Planner {
    /// Plans one SELECT block with the ORDER BY / LIMIT of its query.
    func planSelect(_ select: Select, orderBy: [OrderItem], limit: Expression?, offset: Expression?, withTies: Bool = false,
                    outer: Binder?, correlation: CorrelationFlag) throws(SQLError) -> Planned {
        let (relation, remaining) = try planFromList(select.from, where: select.whereClause, outer: outer, correlation: correlation)
        var plan = relation.plan
        let scope = relation.columns
        let binder = Binder(columns: scope, parameters: parameters, outer: outer, planner: self, correlation: correlation)
        for named in select.windows { binder.namedWindows[named.name] = named.window }
        var filters: [Expression] = []
        for conjunct in remaining {
            if let joined = try semiJoin(conjunct, over: plan, columns: scope, outer: outer, correlation: correlation) {
                plan = joined
            } else {
                filters.append(conjunct)
            }
        }
        if !filters.isEmpty {
            var predicates: [BoundExpression] = []
            for conjunct in filters {
                let (b, t) = try binder.bind(conjunct)
                predicates.append(try binder.expectBoolean(b, t, conjunct.position))
            }
            plan = .filter(plan, predicates.dropFirst().reduce(predicates[0]) { .and($0, $1) })
        }
        let expressionsOfItems = select.items.compactMap { item -> Expression? in
            if case .expression(let e, _) = item { return e } else { return nil }
        }
        let aggregating = !select.groupBy.isEmpty || select.having != nil
            || expressionsOfItems.contains(where: Binder.containsAggregate)
            || orderBy.contains { Binder.containsAggregate($0.expression) }
        var groupKeys: [BoundExpression] = []
        if aggregating {
            let groupBy = try resolveGroupBy(select.groupBy, items: select.items, scope: scope)
            groupKeys = try binder.enterAggregation(groupBy: groupBy)
            for e in expressionsOfItems + orderBy.map(\.expression) + [select.having].compactMap({ $0 }) {
                try binder.registerAggregates(in: e)
            }
        }
        let having = try select.having.map { (e) throws(SQLError) in
            let (b, t) = try binder.bind(e)
            return try binder.expectBoolean(b, t, e.position)
        }
        let windowBase = aggregating ? groupKeys.count + binder.aggregates.count : scope.count
        binder.beginWindows(base: windowBase)
        var projection = try bindItems(select.items, binder: binder, scope: scope)
        let visible = projection.expressions.count
        var sortKeys: [PlanSortKey] = []
        for item in orderBy {
            // (DISTINCT ON may order by anything: the first row of each group is kept.)
            let slot = try projection.slot(for: item.expression, binder: binder, distinct: select.distinct && select.distinctOn.isEmpty)
            if slot < projection.columns.count, projection.columns[slot].type == .json {
                throw SQLError(SQLState.undefinedFunction, "could not identify an ordering operator for type json",
                               position: item.expression.position)
            }
            sortKeys.append(PlanSortKey(expression: .slot(slot), descending: item.descending, nullsFirst: item.nullsFirst))
        }
        var distinctOn: [BoundExpression]?
        if !select.distinctOn.isEmpty {
            distinctOn = []
            for e in select.distinctOn {
                let slot = try projection.slot(for: e, binder: binder, distinct: false)
                distinctOn!.append(.slot(slot))
            }
        }
        if aggregating {
            plan = .aggregate(plan, groupKeys: groupKeys, aggregates: binder.aggregates)
            if let having { plan = .filter(plan, having) }
        }
        if !binder.windowCalls.isEmpty { plan = .window(plan, binder.windowCalls) }
        plan = .project(plan, projection.expressions)
        if select.distinct, projection.columns.prefix(visible).contains(where: { $0.type == .json }) {
            throw SQLError(SQLState.undefinedFunction, "could not identify an equality operator for type json")
        }
        if select.distinct && select.distinctOn.isEmpty { plan = .distinct(plan, on: (0..<visible).map { .slot($0) }) }
        if let distinctOn {
            let leading = sortKeys.prefix(distinctOn.count).map(\.expression.fingerprint)
            if !sortKeys.isEmpty && (leading.count < distinctOn.count || Set(leading) != Set(distinctOn.map(\.fingerprint))) {
                throw SQLError("42P10", "SELECT DISTINCT ON expressions must match initial ORDER BY expressions",
                               position: select.distinctOn[0].position)
            }
            if !sortKeys.isEmpty { plan = .sort(plan, sortKeys) }
            plan = .distinct(plan, on: distinctOn)
            plan = try orderAndLimit(plan, [], limit, offset, outer: outer, correlation: correlation)
        } else {
            plan = VectorScanPlanner.rewrite(try orderAndLimit(plan, sortKeys, limit, offset, withTies: withTies,
                                                               outer: outer, correlation: correlation))
        }
        if projection.expressions.count > visible { plan = .truncate(plan, width: visible) }
        projection.columns.removeSubrange(visible...)
        return Planned(plan: plan, columns: projection.columns)
    }

    /// Sort (top-N when a LIMIT follows), then LIMIT/OFFSET (WITH TIES:
    /// the rows equal to the last one in the sort keys too).
    func orderAndLimit(_ input: Plan, _ keys: [PlanSortKey], _ limit: Expression?, _ offset: Expression?, withTies: Bool = false,
                       outer: Binder?, correlation: CorrelationFlag) throws(SQLError) -> Plan {
        let binder = Binder(columns: [], parameters: parameters, outer: outer, planner: self, correlation: correlation)
        let count = try limit.map { (e) throws(SQLError) in try binder.bind(e).0 }
        let skip = try offset.map { (e) throws(SQLError) in try binder.bind(e).0 }
        if withTies, !keys.isEmpty, let count {
            return .limitWithTies(.sort(input, keys), keys, count: count, offset: skip)
        }
        if !keys.isEmpty, let count, case .constant(.integer(let n)) = count, n <= 10_000 {
            return .topN(input, keys, count: count, offset: skip)
        }
        var plan = input
        if !keys.isEmpty { plan = .sort(plan, keys) }
        if count != nil || skip != nil { plan = .limit(plan, count: count, offset: skip) }
        return plan
    }

    /// GROUP BY items may name an output column by position (`GROUP BY 1`)
    /// or by alias when no input column has that name.
    private func resolveGroupBy(_ groupBy: [Expression], items: [SelectItem], scope: [ScopeColumn]) throws(SQLError) -> [Expression] {
        try groupBy.map { (e) throws(SQLError) -> Expression in
            if case .literal(.integer(let n), let position) = e {
                guard n >= 1, n <= items.count, case .expression(let item, _) = items[Int(n) - 1] else {
                    throw SQLError("42P10", "GROUP BY position \(n) is not in select list", position: position)
                }
                return item
            }
            if case .column(nil, let name, _) = e, !scope.contains(where: { $0.name == name }) {
                for item in items {
                    if case .expression(let itemExpression, let alias) = item, alias == name { return itemExpression }
                }
            }
            return e
        }
    }

    struct ProjectionList {
        var expressions: [BoundExpression] = []
        var columns: [ScopeColumn] = []

        /// ORDER BY resolves an ordinal, then an output column name, then any
        /// expression over the input (added as a hidden column).
        mutating func slot(for e: Expression, binder: Binder, distinct: Bool) throws(SQLError) -> Int {
            let visible = columns.count
            if case .literal(.integer(let n), let position) = e {
                guard n >= 1, n <= visible else {
                    throw SQLError("42P10", "ORDER BY position \(n) is not in select list", position: position)
                }
                return Int(n) - 1
            }
            if case .column(nil, let name, let position) = e {
                let matches = columns.indices.filter { columns[$0].name == name && !columns[$0].hiddenByUsing }
                if matches.count == 1 { return matches[0] }
                if matches.count > 1 {
                    throw SQLError(SQLState.ambiguousColumn, "ORDER BY \"\(name)\" is ambiguous", position: position)
                }
            }
            let (b, _) = try binder.bind(e)
            if let existing = expressions.indices.first(where: { expressions[$0].fingerprint == b.fingerprint }) {
                return existing
            }
            if distinct {
                throw SQLError("42P10", "for SELECT DISTINCT, ORDER BY expressions must appear in select list", position: e.position)
            }
            expressions.append(b)
            return expressions.count - 1
        }
    }

    private func bindItems(_ items: [SelectItem], binder: Binder, scope: [ScopeColumn]) throws(SQLError) -> ProjectionList {
        var p = ProjectionList()
        for item in items {
            switch item {
            case let .wildcard(table, position):
                let matching = scope.enumerated().filter { (table == nil && !$0.element.hiddenByUsing) || (table != nil && $0.element.table == table) }
                if matching.isEmpty {
                    if let table { throw SQLError(SQLState.undefinedTable, "missing FROM-clause entry for table \"\(table)\"", position: position) }
                    throw SQLError(SQLState.syntaxError, "SELECT * with no tables specified is not valid", position: position)
                }
                for (i, column) in matching {
                    if binder.isAggregating {
                        let (b, _) = try binder.bind(.column(table: column.table, name: column.name, position: position))
                        p.expressions.append(b)
                    } else {
                        p.expressions.append(.slot(i))
                    }
                    p.columns.append(ScopeColumn(table: nil, name: column.name, type: column.type))
                }
            case let .expression(e, alias):
                let (b, t) = try binder.bind(e)
                p.expressions.append(b)
                p.columns.append(ScopeColumn(table: nil, name: alias ?? Self.derivedName(e), type: t ?? .text, unknownType: t == nil,
                                             untypedLiteral: b.isUntypedText))
            }
        }
        return p
    }

    /// PostgreSQL's output column name for an unaliased expression.
    static func derivedName(_ e: Expression) -> String {
        switch e {
        case .column(_, let name, _): return name
        case .function(let name, _, _, _, _, _), .window(let name, _, _, _, _): return name
        case .cast(let inner, let type, _):
            if case .column = inner { return derivedName(inner) }
            if case .function = inner { return derivedName(inner) }
            return type.castName
        case .caseWhen: return "case"
        case .exists: return "exists"
        case .subquery(let q, _):
            if case .select(let s) = q.body, s.items.count == 1, case .expression(let inner, let alias) = s.items[0] {
                return alias ?? derivedName(inner)
            }
            return "?column?"
        case .special(let name, _): return name
        case .row: return "row"
        case .array: return "array"
        default: return "?column?"
        }
    }
}

extension DataType {
    /// The name PostgreSQL gives a cast's output column (`int4`, `float8`…).
    var castName: String {
        switch self {
        case .smallint: "int2"
        case .integer: "int4"
        case .bigint: "int8"
        case .double: "float8"
        case .text: "text"
        case .boolean: "bool"
        case .date: "date"
        case .timestamp: "timestamp"
        case .timestampWithTimeZone: "timestamptz"
        case .interval: "interval"
        case .uuid: "uuid"
        case .bytea: "bytea"
        case .json: "json"
        case .jsonb: "jsonb"
        case .vector: "vector"
        }
    }
}
