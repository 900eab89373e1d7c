import Core

extension Planner {
    /// A planned FROM item: its plan and the columns it contributes.
    struct Relation {
        var plan: Plan
        var columns: [ScopeColumn]
        /// The base table when the plan is a plain scan (so lookups by key can replace it).
        var table: TableSchema?
        var label: String?
    }

    func planFromItem(_ item: FromItem, outer: Binder?, correlation: CorrelationFlag) throws(SQLError) -> Relation {
        switch item {
        case .table(let reference):
            return try planTableReference(reference, outer: outer, correlation: correlation)
        case let .subquery(query, alias, columnAliases, _):
            let planned = try planQuery(query, outer: outer, correlation: correlation)
            return Relation(plan: planned.plan, columns: Self.rename(planned.columns, columnAliases, table: alias), label: alias)
        case let .function(name, arguments, alias, position):
            let binder = Binder(columns: [], parameters: parameters, outer: outer, planner: self, correlation: correlation)
            if arguments.count <= 1, let system = try engineFunctionView(name, arguments, binder: binder) {
                let label = alias ?? name
                return Relation(plan: system.plan, columns: Self.rename(system.columns, nil, table: label), label: label)
            }
            let (plan, columns) = try TableFunctions.plan(name, arguments, binder: binder, position: position)
            let label = alias ?? name
            let renamed = alias != nil && columns.count == 1 && !TableFunctions.hasNamedColumns(name) ? [alias!] : nil
            return Relation(plan: plan, columns: Self.rename(columns, renamed, table: label), label: label)
        case let .join(left, right, kind, condition, position):
            let l = try planFromItem(left, outer: outer, correlation: correlation)
            if case let .lateral(inner, lateralPosition) = right {
                // The item reads the left side's columns as an enclosing
                // query's: one level out, its row pushed by the lateral join.
                let scope = Binder(columns: l.columns, parameters: parameters, outer: outer, planner: self, correlation: correlation)
                let readsOut = CorrelationFlag()
                let r = try planFromItem(inner, outer: scope, correlation: readsOut)
                // A RIGHT or FULL join has no left row for it to read (PostgreSQL's error).
                if readsOut.isCorrelated && (kind == .right || kind == .full) {
                    throw SQLError("42P10", "invalid reference to FROM-clause entry: the combining JOIN type must be INNER or LEFT for a LATERAL reference",
                                   position: lateralPosition)
                }
                // One that reads nothing outside itself is an ordinary join.
                return try join(l, r, kind, condition, position: position, outer: outer, correlation: correlation,
                                lateral: readsOut.isCorrelated)
            }
            let r = try planFromItem(right, outer: outer, correlation: correlation)
            return try join(l, r, kind, condition, position: position, outer: outer, correlation: correlation)
        case .lateral(let inner, _):
            // First in its FROM list, there is nothing to its left to read.
            return try planFromItem(inner, outer: outer, correlation: correlation)
        }
    }

    private func planTableReference(_ reference: TableReference, outer: Binder?, correlation: CorrelationFlag) throws(SQLError) -> Relation {
        let label = reference.alias ?? reference.name
        if let cte = commonTable(named: reference.name) {
            let plan: Plan = cte.plan == nil ? .recursiveWorkingSet(cte) : .commonTable(cte)
            return Relation(plan: plan, columns: Self.rename(cte.columns, reference.columnAliases, table: label), label: label)
        }
        if let system = try SystemCatalog.plan(reference.name, data: data) {
            return Relation(plan: system.plan, columns: Self.rename(system.columns, reference.columnAliases, table: label), label: label)
        }
        var readSCN = inheritedReadSCN
        switch reference.temporal {
        case .asOf(let point)?:
            readSCN = try resolveHistory(point, position: reference.position)
        case let .versionsBetween(from, through)?:
            return try planVersions(reference, from, through, label: label)
        case nil:
            break
        }
        let table: TableSchema
        if let readSCN {
            guard let past = data.table(named: reference.name, at: readSCN) else {
                throw SQLError(SQLState.undefinedTable, "relation \"\(reference.name)\" does not exist as of SCN \(readSCN)",
                               position: reference.position)
            }
            table = past
        } else {
            table = try Executor.table(reference.name, in: data, position: reference.position)
        }
        if let text = table.viewQuery {
            // A view read AS OF reads every table inside it at that point.
            let saved = inheritedReadSCN
            inheritedReadSCN = readSCN
            defer { inheritedReadSCN = saved }
            let planned = try planView(table, text, position: reference.position)
            return Relation(plan: planned.plan, columns: Self.rename(planned.columns, reference.columnAliases, table: label), label: label)
        }
        if let view = table.materialized, view.refreshedSCN == nil {
            throw SQLError("55000", "materialized view \"\(table.name)\" has never been refreshed. Run: REFRESH MATERIALIZED VIEW \(table.name)",
                           position: reference.position)
        }
        if let view = table.materialized, let visible = view.visibleColumns {
            // A maintained view: readers see its leading columns, and only
            // the rows its visibility column (HAVING) shows.
            var plan = Plan.scan(table)
            if let flag = view.visibilityColumn { plan = .filter(plan, .compare(.equal, .slot(flag), .constant(.boolean(true)))) }
            plan = .project(plan, (0..<visible).map { .slot($0) })
            let columns = table.columns.prefix(visible).map { ScopeColumn(table: label, name: $0.name, type: $0.type) }
            return Relation(plan: plan, columns: Self.rename(Array(columns), reference.columnAliases, table: label), label: label)
        }
        let columns = table.columns.map { ScopeColumn(table: label, name: $0.name, type: $0.type) }
        return Relation(plan: .scan(table), columns: Self.rename(columns, reference.columnAliases, table: label),
                        table: table, label: label)
    }

    /// Plans `left JOIN right`: USING/NATURAL become equalities; equalities
    /// between the two sides become hash-join keys; the rest of ON is a
    /// residual condition evaluated on matching pairs. A `lateral` right
    /// side is run once per left row, and the whole condition checked on
    /// each pair.
    func join(_ l: Relation, _ r: Relation, _ kind: JoinKind, _ condition: JoinCondition, position: Int,
              outer: Binder?, correlation: CorrelationFlag, lateral: Bool = false) throws(SQLError) -> Relation {
        if let a = l.label, a == r.label {
            throw SQLError("42712", "table name \"\(a)\" specified more than once", position: position)
        }
        let columns = l.columns + r.columns
        let binder = Binder(columns: columns, parameters: parameters, outer: outer, planner: self, correlation: correlation)
        var conjuncts: [Expression] = []
        var usingNames: [String] = []
        switch condition {
        case .none:
            if kind != .cross && kind != .inner {
                throw SQLError(SQLState.syntaxError, "\(kind.rawValue) JOIN requires an ON or USING clause", position: position)
            }
        case .on(let e): conjuncts = Self.conjuncts(e)
        case .using(let names): usingNames = names
        case .natural: usingNames = l.columns.map(\.name).filter { name in r.columns.contains { $0.name == name } }
        }
        var leftKeys: [BoundExpression] = [], rightKeys: [BoundExpression] = []
        for name in usingNames {
            guard let li = l.columns.firstIndex(where: { $0.name == name }),
                  let ri = r.columns.firstIndex(where: { $0.name == name }) else {
                throw SQLError(SQLState.undefinedColumn, "column \"\(name)\" specified in USING clause does not exist in both tables", position: position)
            }
            leftKeys.append(.slot(li)); rightKeys.append(.slot(ri))
        }
        var residual: [BoundExpression] = []
        if lateral {
            // No hash join: the USING equalities are checked on each pair.
            for (lk, rk) in zip(leftKeys, rightKeys) {
                guard case .slot(let ri) = rk else { continue }
                residual.append(.compare(.equal, lk, .slot(l.columns.count + ri)))
            }
            leftKeys = []; rightKeys = []
        }
        for conjunct in conjuncts {
            if !lateral, let (lk, rk) = try equiJoinKeys(conjunct, leftWidth: l.columns.count, binder: binder,
                                               rightColumns: r.columns, outer: outer, correlation: correlation) {
                leftKeys.append(lk); rightKeys.append(rk)
            } else {
                let (b, t) = try binder.bind(conjunct)
                residual.append(try binder.expectBoolean(b, t, conjunct.position))
            }
        }
        var joined = Relation(plan: .values([]), columns: columns)
        var resultColumns = columns
        if !usingNames.isEmpty {
            // USING/NATURAL: the join columns appear once, unqualified-resolvable.
            for name in usingNames {
                if let ri = r.columns.firstIndex(where: { $0.name == name }) {
                    resultColumns[l.columns.count + ri].hiddenByUsing = true
                }
            }
        }
        joined.columns = resultColumns
        let residualExpression = residual.isEmpty ? nil : residual.dropFirst().reduce(residual[0]) { .and($0, $1) }
        if lateral {
            joined.plan = .lateralJoin(l.plan, r.plan, kind == .left ? .left : .inner, condition: residualExpression,
                                       leftWidth: l.columns.count, rightWidth: r.columns.count)
        } else if leftKeys.isEmpty {
            joined.plan = .nestedLoopJoin(l.plan, r.plan, kind == .cross ? .inner : kind, condition: residualExpression,
                                          leftWidth: l.columns.count, rightWidth: r.columns.count)
        } else {
            joined.plan = .hashJoin(l.plan, r.plan, kind == .cross ? .inner : kind, leftKeys: leftKeys, rightKeys: rightKeys,
                                    residual: residualExpression, leftWidth: l.columns.count, rightWidth: r.columns.count)
        }
        if kind == .full && !usingNames.isEmpty {
            // FULL JOIN USING: the merged column is COALESCE(left, right).
            var expressions = (0..<resultColumns.count).map { BoundExpression.slot($0) }
            for name in usingNames {
                if let li = l.columns.firstIndex(where: { $0.name == name }), let ri = r.columns.firstIndex(where: { $0.name == name }) {
                    expressions[li] = .scalar(.coalesce, [.slot(li), .slot(l.columns.count + ri)])
                }
            }
            joined.plan = .project(joined.plan, expressions)
        }
        return joined
    }

    /// `a = b` where one side reads only the left input and the other only
    /// the right: the key expressions (right side bound to the right input).
    func equiJoinKeys(_ e: Expression, leftWidth: Int, binder: Binder, rightColumns: [ScopeColumn],
                      outer: Binder?, correlation: CorrelationFlag) throws(SQLError) -> (BoundExpression, BoundExpression)? {
        guard case let .binary(.equal, a, b, _) = e else { return nil }
        let (ba, ta) = try binder.bind(a), (bb, tb) = try binder.bind(b)
        guard let sa = ba.slotsIfLocal(), let sb = bb.slotsIfLocal(), !sa.isEmpty, !sb.isEmpty else { return nil }
        if let ta, let tb, ta != tb, !(ta.isNumeric && tb.isNumeric) { return nil }
        let rightBinder = Binder(columns: rightColumns, parameters: parameters, outer: outer, planner: self, correlation: correlation)
        if sa.allSatisfy({ $0 < leftWidth }) && sb.allSatisfy({ $0 >= leftWidth }) {
            return (ba, try rightBinder.bind(b).0)
        }
        if sb.allSatisfy({ $0 < leftWidth }) && sa.allSatisfy({ $0 >= leftWidth }) {
            return (bb, try rightBinder.bind(a).0)
        }
        return nil
    }

    static func conjuncts(_ e: Expression) -> [Expression] {
        if case let .binary(.and, l, r, _) = e { return conjuncts(l) + conjuncts(r) }
        return [e]
    }

    /// Joins the comma-separated FROM items left to right, using WHERE
    /// conjuncts: those reading one item are applied to it (a key lookup
    /// when they pin a table's primary key), equalities between the items
    /// joined so far and the next one become hash-join keys, and the rest
    /// are returned for a filter above the joins.
    func planFromList(_ items: [FromItem], where clause: Expression?, outer: Binder?,
                      correlation: CorrelationFlag) throws(SQLError) -> (Relation, remaining: [Expression]) {
        if items.count > 1, items.dropFirst().contains(where: { if case .lateral = $0 { true } else { false } }) {
            // A LATERAL item reads the items before it: the list becomes
            // left-deep cross joins, planned as one item.
            let chained = items.dropFirst().reduce(items[0]) { .join($0, $1, kind: .cross, condition: .none, position: $1.position) }
            return try planFromList([chained], where: clause, outer: outer, correlation: correlation)
        }
        var relations: [Relation] = []
        for item in items { relations.append(try planFromItem(item, outer: outer, correlation: correlation)) }
        if relations.isEmpty { relations = [Relation(plan: .values([[]]), columns: [])] }
        if relations.count == 1 {
            // One item: every local conjunct applies to it; no joins to order.
            var remaining: [Expression] = [], local: [Expression] = []
            let binder = Binder(columns: relations[0].columns, parameters: parameters, outer: outer, planner: self, correlation: correlation)
            for conjunct in clause.map(Self.conjuncts) ?? [] {
                if try binder.bind(conjunct).0.slotsIfLocal() == nil { remaining.append(conjunct) } else { local.append(conjunct) }
            }
            if !local.isEmpty { relations[0] = try pushDown(local, into: relations[0], outer: outer, correlation: correlation) }
            return (relations[0], remaining)
        }
        var labels = Set<String>()
        for (item, relation) in zip(items, relations) {
            guard let label = relation.label else { continue }
            if !labels.insert(label).inserted {
                throw SQLError("42712", "table name \"\(label)\" specified more than once", position: item.position)
            }
        }
        let allColumns = relations.flatMap(\.columns)
        let fullBinder = Binder(columns: allColumns, parameters: parameters, outer: outer, planner: self, correlation: correlation)
        var remaining: [Expression] = []
        var offsets: [Int] = []
        var offset = 0
        for r in relations { offsets.append(offset); offset += r.columns.count }
        var joinCandidates: [Expression] = []
        var pushed = relations.map { _ in [Expression]() }
        for conjunct in clause.map(Self.conjuncts) ?? [] {
            let (bound, _) = try fullBinder.bind(conjunct)
            guard let slots = bound.slotsIfLocal() else { remaining.append(conjunct); continue }
            if let k = relations.indices.first(where: { i in
                slots.allSatisfy { $0 >= offsets[i] && $0 < offsets[i] + relations[i].columns.count } }) {
                pushed[k].append(conjunct)
            } else {
                joinCandidates.append(conjunct)
            }
        }
        for k in relations.indices where !pushed[k].isEmpty {
            relations[k] = try pushDown(pushed[k], into: relations[k], outer: outer, correlation: correlation)
        }
        let (combined, leftover) = try joinInOrder(relations, offsets: offsets, pending: joinCandidates, fullBinder: fullBinder,
                                                   outer: outer, correlation: correlation)
        return (combined, leftover + remaining)
    }

    /// Joins the items greedily: start from an item with its own filter,
    /// then repeatedly add an item linked to those joined so far by an
    /// equality (a hash join), falling back to a cross join. Each conjunct is
    /// applied at the first join where all its items are present. The
    /// result's columns are put back in FROM order.
    private func joinInOrder(_ relations: [Relation], offsets: [Int], pending: [Expression], fullBinder: Binder,
                             outer: Binder?, correlation: CorrelationFlag) throws(SQLError) -> (Relation, [Expression]) {
        func relationOf(_ slot: Int) -> Int { offsets.lastIndex { $0 <= slot } ?? 0 }
        var pendingSets: [(expression: Expression, relations: Set<Int>)] = []
        var leftover: [Expression] = []
        for conjunct in pending {
            guard let slots = try fullBinder.bind(conjunct).0.slotsIfLocal(), !slots.isEmpty else { leftover.append(conjunct); continue }
            pendingSets.append((conjunct, Set(slots.map(relationOf))))
        }
        var order: [Int] = []
        var remaining = Set(relations.indices)
        let start = relations.indices.first { if case .filter = relations[$0].plan { true } else { false } } ?? 0
        order.append(start); remaining.remove(start)
        while !remaining.isEmpty {
            let joined = Set(order)
            let linked = remaining.sorted().first { r in
                pendingSets.contains { $0.relations.contains(r) && $0.relations.count > 1 && $0.relations.subtracting([r]).isSubset(of: joined) }
            }
            let next = linked ?? remaining.min()!
            order.append(next); remaining.remove(next)
        }
        var combined = relations[order[0]]
        var joinedSet: Set<Int> = [order[0]]
        for next in order.dropFirst() {
            let right = relations[next]
            let binder = Binder(columns: combined.columns + right.columns, parameters: parameters, outer: outer, planner: self, correlation: correlation)
            var leftKeys: [BoundExpression] = [], rightKeys: [BoundExpression] = []
            var residual: [BoundExpression] = []
            joinedSet.insert(next)
            var still: [(expression: Expression, relations: Set<Int>)] = []
            for item in pendingSets {
                guard item.relations.isSubset(of: joinedSet) else { still.append(item); continue }
                if item.relations.contains(next),
                   let (lk, rk) = try equiJoinKeys(item.expression, leftWidth: combined.columns.count, binder: binder,
                                                   rightColumns: right.columns, outer: outer, correlation: correlation) {
                    leftKeys.append(lk); rightKeys.append(rk)
                } else {
                    let (b, t) = try binder.bind(item.expression)
                    residual.append(try binder.expectBoolean(b, t, item.expression.position))
                }
            }
            pendingSets = still
            let condition = residual.isEmpty ? nil : residual.dropFirst().reduce(residual[0]) { .and($0, $1) }
            let plan: Plan = leftKeys.isEmpty
                ? .nestedLoopJoin(combined.plan, right.plan, .inner, condition: condition, leftWidth: combined.columns.count, rightWidth: right.columns.count)
                : .hashJoin(combined.plan, right.plan, .inner, leftKeys: leftKeys, rightKeys: rightKeys, residual: condition,
                            leftWidth: combined.columns.count, rightWidth: right.columns.count)
            combined = Relation(plan: plan, columns: combined.columns + right.columns)
        }
        leftover += pendingSets.map(\.expression)
        if order != Array(relations.indices) {
            var positionInJoin: [Int: Int] = [:]
            var offset = 0
            for r in order { positionInJoin[r] = offset; offset += relations[r].columns.count }
            var expressions: [BoundExpression] = []
            for r in relations.indices {
                for c in 0..<relations[r].columns.count { expressions.append(.slot(positionInJoin[r]! + c)) }
            }
            combined = Relation(plan: .project(combined.plan, expressions), columns: relations.flatMap(\.columns))
        }
        return (combined, leftover)
    }

    /// Applies the conjuncts that read only this item to it: as primary-key
    /// lookups when they pin the key of a plain table scan, else as filters,
    /// moved below joins where they read one side only.
    private func pushDown(_ conjuncts: [Expression], into relation: Relation, outer: Binder?,
                          correlation: CorrelationFlag) throws(SQLError) -> Relation {
        var r = relation
        let binder = Binder(columns: r.columns, parameters: parameters, outer: outer, planner: self, correlation: correlation)
        var predicates: [BoundExpression] = []
        for conjunct in conjuncts {
            let (b, t) = try binder.bind(conjunct)
            predicates.append(try binder.expectBoolean(b, t, conjunct.position))
        }
        let predicate = predicates.dropFirst().reduce(predicates[0]) { .and($0, $1) }
        if let table = r.table, case .scan = r.plan {
            let constants = Binder(columns: [], parameters: parameters, outer: outer, planner: self, correlation: correlation)
            if let keys = try KeyLookupPlanner.keys(for: table, label: r.label, conjuncts: conjuncts, constantBinder: constants) {
                r.plan = .filter(.keyLookup(table, keys), predicate)
                return r
            }
            if let range = IndexRangePlanner.range(for: table, label: r.label, conjuncts: conjuncts, constantBinder: constants) {
                r.plan = .filter(range, predicate)
                return r
            }
        }
        // A join: each condition goes as far down as it may.
        r.plan = FilterPushdown.apply(predicates, to: r.plan)
        return r
    }
}
