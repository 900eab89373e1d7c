import Core

extension Planner {
    /// Rewrites `[NOT] EXISTS (SELECT … FROM … WHERE inner = outer AND …)`
    /// into a hash semi (anti) join when every reference to the enclosing
    /// query is an equality with an inner expression; the subquery then runs
    /// once instead of once per outer row. Returns nil when the subquery does
    /// not have that shape (it then runs as a correlated subquery).
    func semiJoin(_ conjunct: Expression, over input: Plan, columns: [ScopeColumn],
                  outer: Binder?, correlation: CorrelationFlag) throws(SQLError) -> Plan? {
        var anti = false
        var candidate = conjunct
        if case let .unary(.not, inner, _) = conjunct { anti = true; candidate = inner }
        guard case .exists(let query, _) = candidate, query.with.isEmpty, query.limit == nil, query.offset == nil,
              case .select(let select) = query.body, select.groupBy.isEmpty, select.having == nil, !select.from.isEmpty,
              !select.items.contains(where: { if case .expression(let e, _) = $0 { Binder.containsAggregate(e) } else { false } })
        else { return nil }
        // FROM items that read the enclosing query (a LATERAL item or a
        // derived table referring to it) cannot be planned on their own:
        // the subquery then runs correlated, which reads them fine.
        guard let innerRelations = try? planFromListShape(select.from) else { return nil }
        let innerBinder = Binder(columns: innerRelations, parameters: parameters, planner: self)
        let outerBinder = Binder(columns: columns, parameters: parameters, outer: outer, planner: self, correlation: correlation)
        var leftKeys: [BoundExpression] = [], rightKeys: [BoundExpression] = []
        var innerConjuncts: [Expression] = []
        for c in select.whereClause.map(Self.conjuncts) ?? [] {
            if (try? innerBinder.bind(c)) != nil { innerConjuncts.append(c); continue }
            guard case let .binary(.equal, a, b, _) = c else { return nil }
            if let (ib, it) = try? innerBinder.bind(a), let (ob, ot) = try? outerBinder.bind(b), ob.slotsIfLocal() != nil {
                if let it, let ot, it != ot, !(it.isNumeric && ot.isNumeric) { return nil }
                rightKeys.append(ib); leftKeys.append(ob)
            } else if let (ib, it) = try? innerBinder.bind(b), let (ob, ot) = try? outerBinder.bind(a), ob.slotsIfLocal() != nil {
                if let it, let ot, it != ot, !(it.isNumeric && ot.isNumeric) { return nil }
                rightKeys.append(ib); leftKeys.append(ob)
            } else {
                return nil
            }
        }
        guard !leftKeys.isEmpty else { return nil }
        let innerWhere = innerConjuncts.dropFirst().reduce(innerConjuncts.first) { partial, next in
            partial.map { .binary(.and, $0, next, position: next.position) } ?? next
        }
        guard let (relation, remaining) = try? planFromList(select.from, where: innerWhere, outer: nil, correlation: CorrelationFlag()) else {
            return nil
        }
        var innerPlan = relation.plan
        if !remaining.isEmpty {
            let binder = Binder(columns: relation.columns, parameters: parameters, planner: self)
            var predicates: [BoundExpression] = []
            for r in remaining {
                let (b, t) = try binder.bind(r)
                predicates.append(try binder.expectBoolean(b, t, r.position))
            }
            innerPlan = .filter(innerPlan, predicates.dropFirst().reduce(predicates[0]) { .and($0, $1) })
        }
        return .semiJoin(input, innerPlan, leftKeys: leftKeys, rightKeys: rightKeys, anti: anti)
    }

    /// The columns a FROM list produces, without planning it for execution.
    private func planFromListShape(_ items: [FromItem]) throws(SQLError) -> [ScopeColumn] {
        var columns: [ScopeColumn] = []
        for item in items { columns += try planFromItem(item, outer: nil, correlation: CorrelationFlag()).columns }
        return columns
    }
}
