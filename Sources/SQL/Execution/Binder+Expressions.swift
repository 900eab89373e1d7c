import Core

extension Binder {
    /// Everything but literals, parameters, columns, unary and binary operators.
    func bindOther(_ e: Expression) throws(SQLError) -> (BoundExpression, DataType?) {
        switch e {
        case let .isNull(x, negated, _):
            return (.isNull(try bind(x).0, negated: negated), .boolean)
        case let .isTruth(x, value, negated, position):
            let (b, t) = try bind(x)
            return (.isTruth(try expectBoolean(b, t, position), value: value, negated: negated), .boolean)
        case let .isDistinctFrom(l, r, negated, position):
            let (bl, tl) = try bind(l), (br, tr) = try bind(r)
            let (cl, ctl) = try coerceForComparison(bl, tl, to: tr, position: position)
            let (cr, ctr) = try coerceForComparison(br, tr, to: ctl, position: position)
            try checkComparable(ctl, ctr, .equal, position)
            return (.isDistinct(cl, cr, negated: negated), .boolean)
        case let .like(x, pattern, negated, caseInsensitive, _):
            return (.like(try bind(x).0, pattern: try bind(pattern).0, negated: negated, caseInsensitive: caseInsensitive), .boolean)
        case let .inList(.row(values, rowPosition), items, negated, position):
            // `(a, b) IN ((1, 2), (3, 4))`: a disjunction of row equalities.
            var any: BoundExpression?
            for item in items {
                let (c, _) = try bindBinary(.equal, .row(values, position: rowPosition), item, position)
                any = any.map { .or($0, c) } ?? c
            }
            let result = any ?? .constant(.boolean(false))
            return (negated ? .not(result) : result, .boolean)
        case let .inList(x, items, negated, position):
            let (bx, tx) = try bind(x)
            var bound: [BoundExpression] = []
            var itemTypes: [DataType?] = []
            for item in items {
                let (bi, ti) = try bind(item)
                let (ci, cti) = try coerceForComparison(bi, ti, to: tx, position: position)
                try checkComparable(tx, cti, .equal, position)
                bound.append(ci); itemTypes.append(cti)
            }
            let (cx, _) = try coerceForComparison(bx, tx, to: ScalarFunctions.widest(itemTypes), position: position)
            return (.inList(cx, bound, negated: negated), .boolean)
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
        case let .function(name, arguments, _, _, clauses, position):
            guard let function = ScalarFunction.named(name) else {
                throw SQLError(SQLState.undefinedFunction, "function \(name) does not exist", position: position)
            }
            if let clauses {
                throw SQLError("42809", "\(clauses.filter != nil ? "FILTER" : "ORDER BY") specified, but \(name) is not an aggregate function",
                               position: position)
            }
            var bound: [BoundExpression] = [], types: [DataType?] = []
            for a in arguments {
                let (b, t) = try bind(a)
                bound.append(b); types.append(t)
            }
            if function.isVector { return try VectorFunctions.bind(function, bound, types, position: position) }
            if [.coalesce, .greatest, .least, .nullif].contains(function) {
                let resolved = try TypeResolution.resolve(bound, types, context: function.rawValue.uppercased(), position: position)
                bound = resolved.expressions
                types = types.map { _ in resolved.type }
            }
            return (.scalar(function, bound), try ScalarFunctions.resultType(function, types, position: position))
        case let .subquery(query, position):
            let (sub, columns) = try planSubquery(query, kind: .scalar, position: position)
            guard columns.count == 1 else {
                throw SQLError(SQLState.syntaxError, "subquery must return only one column", position: position)
            }
            return (.subquery(sub), columns[0].unknownType ? nil : columns[0].type)
        case let .exists(query, position):
            return (.subquery(try planSubquery(query, kind: .exists, position: position).0), .boolean)
        case let .inSubquery(x, query, negated, position):
            let (probe, probeType) = try bind(x)
            let (sub, columns) = try planSubquery(query, kind: .membership(probe, negated: negated), position: position)
            try checkSingleColumn(columns, probeType, position)
            return (.subquery(sub), .boolean)
        case let .quantified(op, x, quantifier, source, position):
            let (probe, probeType) = try bind(x)
            switch source {
            case .subquery(let query):
                let (sub, columns) = try planSubquery(query, kind: .quantified(op, probe, quantifier), position: position)
                try checkSingleColumn(columns, probeType, position)
                return (.subquery(sub), .boolean)
            case .list(let items):
                var result: BoundExpression?
                for item in items {
                    let (c, _) = try bindBinary(op, x, item, position)
                    result = result.map { quantifier == .any ? .or($0, c) : .and($0, c) } ?? c
                }
                return (result ?? .constant(.boolean(quantifier == .all)), .boolean)
            }
        case let .row(items, position):
            throw SQLError(SQLState.featureNotSupported, "a row value of \(items.count) columns is only supported in comparisons", position: position)
        case let .window(name, arguments, star, over, position):
            return try bindWindow(name, arguments, star, over, position)
        case .defaultValue(let position):
            throw SQLError(SQLState.syntaxError, "DEFAULT is not allowed in this context", position: position)
        case let .special(name, position):
            let now = ScalarFunctions.nowMicros()
            switch name {
            case "current_timestamp", "now": return (.constant(.timestamp(now, zoned: true)), .timestampWithTimeZone)
            case "localtimestamp": return (.constant(.timestamp(now, zoned: false)), .timestamp)
            case "current_date": return (.constant(.date(DateTime.floorDiv(now, DateTime.microsPerDay))), .date)
            default: throw SQLError(SQLState.featureNotSupported, "\(name) is not supported yet", position: position)
            }
        case let .array(_, position):
            throw SQLError(SQLState.featureNotSupported, "arrays are not supported yet", position: position)
        default:
            throw SQLError(SQLState.internalError, "unexpected expression", position: e.position)
        }
    }

    private func checkSingleColumn(_ columns: [ScopeColumn], _ probeType: DataType?, _ position: Int) throws(SQLError) {
        guard columns.count == 1 else {
            throw SQLError(SQLState.syntaxError, "subquery has too many columns", position: position)
        }
        if !columns[0].unknownType { try checkComparable(probeType, columns[0].type, .equal, position) }
    }

    /// Plans a subquery with this binder as its enclosing scope.
    func planSubquery(_ query: Query, kind: SubqueryExpression.Kind, position: Int) throws(SQLError) -> (SubqueryExpression, [ScopeColumn]) {
        guard let planner else {
            throw SQLError(SQLState.featureNotSupported, "subqueries are not allowed here", position: position)
        }
        if let planned = planner.plannedSubquery(query, position: position) {
            return (SubqueryExpression(kind: kind, plan: planned.plan, correlated: false), planned.columns)
        }
        let flag = CorrelationFlag()
        let planned = try planner.planQuery(query, outer: self, correlation: flag)
        if !flag.isCorrelated { planner.rememberSubquery(query, position: position, planned) }
        return (SubqueryExpression(kind: kind, plan: planned.plan, correlated: flag.isCorrelated), planned.columns)
    }

    private func bindWindow(_ name: String, _ arguments: [Expression], _ star: Bool, _ over: WindowSpecification,
                            _ position: Int) throws(SQLError) -> (BoundExpression, DataType?) {
        guard let base = windowBase else {
            throw SQLError("42P20", "window functions are not allowed here", position: position)
        }
        let function: WindowCall.Function
        var type: DataType?
        var bound: [BoundExpression] = []
        for a in arguments where !Self.isAggregateName(name) { bound.append(try bind(a).0) }
        switch name {
        case "row_number": function = .rowNumber; type = .bigint
        case "rank": function = .rank; type = .bigint
        case "dense_rank": function = .denseRank; type = .bigint
        case "percent_rank": function = .percentRank; type = .double
        case "cume_dist": function = .cumeDist; type = .double
        case "ntile": function = .ntile; type = .integer
        case "lag", "lead", "first_value", "last_value", "nth_value":
            guard !arguments.isEmpty else {
                throw SQLError(SQLState.undefinedFunction, "function \(name)() does not exist", position: position)
            }
            type = try bind(arguments[0]).1
            function = switch name {
            case "lag": .lag
            case "lead": .lead
            case "first_value": .firstValue
            case "last_value": .lastValue
            default: .nthValue
            }
        default:
            guard Self.isAggregateName(name) else {
                throw SQLError(SQLState.undefinedFunction, "function \(name) is not a window function", position: position)
            }
            let call = try aggregateCall(name, arguments, false, star, nil, position, binder: self)
            function = .aggregate(call)
            type = call.resultType
        }
        var over = over
        if let base = over.baseName {
            guard let named = namedWindows[base] else {
                throw SQLError("42704", "window \"\(base)\" does not exist", position: position)
            }
            if over.partitionBy.isEmpty { over.partitionBy = named.partitionBy }
            if over.orderBy.isEmpty { over.orderBy = named.orderBy }
            if over.frame == nil { over.frame = named.frame }
        }
        var partition: [BoundExpression] = []
        for e in over.partitionBy { partition.append(try bind(e).0) }
        var order: [PlanSortKey] = []
        for item in over.orderBy {
            order.append(PlanSortKey(expression: try bind(item.expression).0, descending: item.descending, nullsFirst: item.nullsFirst))
        }
        var call = WindowCall(function: function, arguments: bound, partitionBy: partition, orderBy: order, frame: over.frame)
        if let frame = over.frame {
            if case .preceding(let e) = frame.start { call.frameStart = try bind(e).0 }
            if case .following(let e) = frame.start { call.frameStart = try bind(e).0 }
            if case .preceding(let e) = frame.end { call.frameEnd = try bind(e).0 }
            if case .following(let e) = frame.end { call.frameEnd = try bind(e).0 }
        }
        windowCalls.append(call)
        return (.slot(base + windowCalls.count - 1), type)
    }
}

extension Expression {
    /// Calls `body` on this node and every node below it, not descending
    /// into subqueries or window calls (they are separate scopes).
    func visit(_ body: (Expression) -> Void) {
        body(self)
        switch self {
        case .literal, .parameter, .column, .defaultValue, .special, .subquery, .exists, .window: break
        case let .unary(_, x, _), let .isNull(x, _, _), let .isTruth(x, _, _, _), let .cast(x, _, _), let .inSubquery(x, _, _, _):
            x.visit(body)
        case let .binary(_, l, r, _), let .like(l, r, _, _, _), let .isDistinctFrom(l, r, _, _):
            l.visit(body); r.visit(body)
        case let .inList(x, items, _, _):
            x.visit(body); items.forEach { $0.visit(body) }
        case let .quantified(_, x, _, source, _):
            x.visit(body)
            if case .list(let items) = source { items.forEach { $0.visit(body) } }
        case let .between(x, l, h, _, _):
            x.visit(body); l.visit(body); h.visit(body)
        case let .caseWhen(operand, branches, elseResult, _):
            operand?.visit(body)
            for b in branches { b.condition.visit(body); b.result.visit(body) }
            elseResult?.visit(body)
        case let .function(_, arguments, _, _, clauses, _):
            arguments.forEach { $0.visit(body) }
            clauses?.orderBy.forEach { $0.expression.visit(body) }
            clauses?.filter?.visit(body)
        case let .row(items, _), let .array(items, _):
            items.forEach { $0.visit(body) }
        }
    }

    /// Whether a window call appears (`visit` reports window nodes, without entering them).
    var containsWindow: Bool {
        var found = false
        visit { if case .window = $0 { found = true } }
        return found
    }
}
