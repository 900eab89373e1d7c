import Core

// Incremental maintenance of materialized views: the delta rules.
//
// A view's query is planned as usual, then read back as one of two shapes
// the rules cover (anything else is refused, with the reason, and the view
// is recomputed on refresh):
//
//   rows    SELECT exprs FROM t [WHERE p]        (filter and projection)
//   groups  SELECT … FROM t [WHERE p] GROUP BY k [HAVING h]
//           with count, sum, avg, min, max (DISTINCT allowed);
//           SELECT DISTINCT … is a GROUP BY of its outputs
//
// and where `FROM t` may be inner or cross joins of keyed tables, or a
// LEFT JOIN of two (see JoinDelta.swift).
//
// The view's stored rows carry hidden bookkeeping columns after the
// visible ones, and a primary key over them:
//
//   rows    visible…, __k0…  the base row's key: a changed base key maps to
//           exactly one view row, replaced or deleted
//   groups  visible…, __g0… (group key), __count, then per aggregate
//           __a<j> (running sum, extreme or value) and __n<j> (non-null
//           inputs), and __visible (HAVING holds). A change subtracts the
//           old row's contribution and adds the new one's; avg is sum/count
//           at the end; min and max are recomputed only for groups whose
//           extreme was removed, DISTINCT aggregates for groups touched.
//
// Integer sums are exact, so a maintained view equals a recomputed one
// value for value. Double sums are not associative: after subtracting,
// they can differ from a recomputation in the last bits.

/// How to maintain one view incrementally (see the header above).
public struct MaintenancePlan: @unchecked Sendable {
    public enum Kind: String, Sendable { case rows, groups }

    public let kind: Kind
    /// The tables the view reads, left to right.
    public let baseTables: [String]
    /// Stored columns: the visible ones, then the hidden bookkeeping.
    public let storedColumns: [ColumnSchema]
    public let visibleCount: Int
    public let primaryKey: [Int]
    /// The `__visible` column (groups), nil for rows.
    public let visibilityColumn: Int?

    /// For a join: its tables and plan; nil for one table, read directly.
    let joins: JoinDelta?
    let filter: BoundExpression?
    let projection: [BoundExpression]
    let groupKeys: [BoundExpression]
    let calls: [AggregateCall]
    let having: BoundExpression?
    /// The filter, group keys, aggregate arguments, HAVING and the
    /// projection compiled once.
    private let test: CompiledPredicate?
    private let keyReaders: [ValueReader]
    private let havingTest: CompiledPredicate?
    private let columnReaders: [CompiledExpression]
    private let inputs: GroupState.Inputs
    /// Width of the stored key (the group's or the base rows').
    var keyWidth: Int { primaryKey.count }

    init(kind: Kind, baseTables: [String], storedColumns: [ColumnSchema], visibleCount: Int, primaryKey: [Int],
         visibilityColumn: Int?, joins: JoinDelta?, filter: BoundExpression?, projection: [BoundExpression],
         groupKeys: [BoundExpression], calls: [AggregateCall], having: BoundExpression?) {
        self.kind = kind
        self.baseTables = baseTables
        self.storedColumns = storedColumns
        self.visibleCount = visibleCount
        self.primaryKey = primaryKey
        self.visibilityColumn = visibilityColumn
        self.joins = joins
        self.filter = filter
        self.projection = projection
        self.groupKeys = groupKeys
        self.calls = calls
        self.having = having
        test = filter?.compiledPredicate()
        keyReaders = groupKeys.map(ValueReader.init)
        havingTest = having?.compiledPredicate()
        columnReaders = projection.map { $0.compiled() }
        inputs = GroupState.Inputs(calls)
    }

    /// The plan for `query`, or the reason no rule covers it.
    public static func analyze(_ query: Query, on data: any SQLDataAccess,
                               context: ExecutionContext) throws(SQLError) -> Result<MaintenancePlan, Refusal> {
        let planner = Planner(data: data, parameters: context.parameters)
        let planned = try planner.planQuery(query, outer: nil, correlation: CorrelationFlag())
        var top = planned.plan
        // SELECT DISTINCT over a projection is a GROUP BY of every output
        // column with no aggregate: a row stays while its group has rows.
        var distinct = false
        if case let .distinct(input, on) = top, on.map({ keys in keys.enumerated().allSatisfy { i, k in k.fingerprint == "$\(i)" } }) ?? true,
           case .project = input {
            distinct = true
            top = input
        }
        guard case let .project(inner, projected) = top else {
            return .failure(Refusal(planned.plan.refusalReason))
        }
        var projection = projected
        var source = inner
        var having: BoundExpression?
        var keys: [BoundExpression] = [], calls: [AggregateCall] = []
        var grouped = false
        if distinct {
            if case .aggregate = source { return .failure(Refusal("DISTINCT over GROUP BY has no delta rule yet")) }
            grouped = true
            keys = projection
            projection = projection.indices.map { .slot($0) }
        }
        if !distinct, case let .filter(p, h) = source, case .aggregate = p { having = h; source = p }
        if !distinct, case let .aggregate(p, k, c) = source { grouped = true; keys = k; calls = c; source = p }
        let child = source
        var predicates: [BoundExpression] = []
        while case let .filter(p, predicate) = source { predicates.append(predicate); source = p }
        var joins: JoinDelta?
        var base: TableSchema?
        if case .scan(let table) = source {
            if table.isView || table.readSCN != nil { return .failure(Refusal("it reads \(table.name) as a view or AS OF")) }
            base = table
        } else {
            switch JoinDelta.analyze(child) {
            case .failure(let refusal): return .failure(refusal)
            case .success(let shape): joins = shape; predicates = []
            }
        }
        let tables = joins?.leaves.map(\.table.name) ?? [base!.name]
        let filter = predicates.isEmpty ? nil : predicates.dropFirst().reduce(predicates[0]) { .and($0, $1) }
        let expressions = projection + keys + [filter, having].compactMap { $0 } + calls.compactMap(\.argument)
        if let volatile = expressions.first(where: { !$0.isMovable }) {
            return .failure(Refusal("it uses a non-deterministic or correlated expression (\(volatile.fingerprint))"))
        }
        if let unsupported = calls.first(where: { ![.count, .sum, .avg, .min, .max].contains($0.function) || $0.extra != nil }) {
            return .failure(Refusal("no delta rule for the aggregate \(unsupported.function.rawValue)"))
        }
        if let clause = calls.first(where: { $0.filter != nil || !$0.orderBy.isEmpty }) {
            return .failure(Refusal("no delta rule for an aggregate with \(clause.filter != nil ? "FILTER" : "ORDER BY")"))
        }
        var stored = planned.columns.map { ColumnSchema(name: $0.name, type: $0.type) }
        let visible = stored.count
        if grouped {
            let width = max(keys.count, 1)
            for i in 0..<width { stored.append(ColumnSchema(name: "__g\(i)", type: .text)) }
            stored.append(ColumnSchema(name: "__count", type: .bigint))
            for (j, call) in calls.enumerated() {
                stored.append(ColumnSchema(name: "__a\(j)", type: call.resultType))
                stored.append(ColumnSchema(name: "__n\(j)", type: .bigint))
            }
            stored.append(ColumnSchema(name: "__visible", type: .boolean))
            return .success(MaintenancePlan(kind: .groups, baseTables: tables, storedColumns: stored, visibleCount: visible,
                                            primaryKey: Array(visible..<(visible + width)), visibilityColumn: stored.count - 1,
                                            joins: joins, filter: filter, projection: projection, groupKeys: keys, calls: calls,
                                            having: having))
        }
        let keyTypes = joins?.keyTypes
            ?? (base!.primaryKey.isEmpty ? [.bigint] : base!.primaryKey.map { base!.columns[$0].type })
        for (i, type) in keyTypes.enumerated() { stored.append(ColumnSchema(name: "__k\(i)", type: type)) }
        return .success(MaintenancePlan(kind: .rows, baseTables: tables, storedColumns: stored, visibleCount: visible,
                                        primaryKey: Array(visible..<(visible + keyTypes.count)), visibilityColumn: nil,
                                        joins: joins, filter: filter, projection: projection, groupKeys: [], calls: [],
                                        having: nil))
    }

    // MARK: Full computation

    /// Every stored row of the view, computed from the base table.
    public func computeAll(on data: any SQLDataAccess, context: ExecutionContext) throws(SQLError) -> [Row] {
        let env = Environment(runner: PlanRunner(data: data, context: context))
        let input = try inputRows(on: data, context: context)
        switch kind {
        case .rows:
            var out: [Row] = []
            for (key, row) in input where try passes(row, env) {
                out.append(try storedRow(row, key: key, env))
            }
            return out
        case .groups:
            var groups = GroupIndex(keyReaders)
            var states: [GroupState] = []
            for (_, row) in input where try passes(row, env) {
                let number = try groups.group(of: row, env)
                if number == states.count { states.append(GroupState(calls)) }
                _ = try states[number].add(row, env, inputs)
            }
            if groupKeys.isEmpty && groups.count == 0 { _ = groups.addGlobalGroup(); states.append(GroupState(calls)) }
            var out: [Row] = []
            out.reserveCapacity(states.count)
            for (number, key) in groups.keys.enumerated() { out.append(try finish(key, states[number], env)) }
            return out
        }
    }

    // MARK: Deltas

    /// Applies base-table changes to the view's stored rows in `view`;
    /// returns the rows written and the deltas (changed base rows) applied.
    /// `changes` are by base table name; `since` is the SCN the view's rows
    /// were computed at.
    public func apply(_ changes: [String: [TableChange]], since: SCN, to view: TableSchema, on data: any SQLDataAccess,
                      context: ExecutionContext) throws(SQLError) -> (rowsChanged: Int, deltas: Int) {
        let env = Environment(runner: PlanRunner(data: data, context: context))
        let deltas = changes.values.reduce(0) { $0 + $1.count }
        // How the view's input changed, by input key: for one table, its
        // changed rows (each side counts only when it passes WHERE, tested
        // below); for a join, the joined rows involving a changed row (old,
        // new, or both when the same combination changed), WHERE applied.
        // The table's change list is read in place: no row is copied into a
        // second list (each copy costs reference counting, twice).
        var input: [TableChange] = []
        var joined: JoinDelta.Delta?
        if let joins {
            let delta = try joins.delta(changes, since: since, past: kind == .rows ? .keys : .rows, on: data, context: context)
            if kind == .groups {
                input.reserveCapacity(max(delta.removed.count, delta.added.count))
                for (key, row) in delta.removed {
                    let now = delta.added[key]
                    if now != row { input.append(TableChange(key: key, old: row, new: now)) }
                }
                for (key, row) in delta.added where delta.removed[key] == nil { input.append(TableChange(key: key, old: nil, new: row)) }
            }
            joined = delta
        } else {
            input = changes[baseTables[0]] ?? []
        }
        /// Whether a change's side is in the view's input.
        func kept(_ row: Row?) throws(SQLError) -> Bool {
            guard let row else { return false }
            return try passes(row, env)
        }
        var written = 0
        /// Writes a stored row (nil: deletes it), given the row stored now.
        func put(_ key: RowKey, _ row: Row?, existing: Row?) throws(SQLError) {
            guard existing != row else { return }
            written += 1
            try Executor.storage {
                switch (existing, row) {
                case (nil, let row?): _ = try data.insert(view, row: row)
                case (_?, let row?): try data.update(view, key: key, row: row)
                case (_?, nil): try data.delete(view, key: key)
                case (nil, nil): break
                }
            }
        }
        switch kind {
        case .rows:
            // One stored row per input key: every touched one read at once.
            var keys: [RowKey] = [], news: [Row?] = []
            if let joined {
                // Joined rows that were go by key, unless they are still joined.
                for key in joined.removedKeys where joined.added[key] == nil { keys.append(key); news.append(nil) }
                for (key, row) in joined.added { keys.append(key); news.append(row) }
            }
            for change in input {
                let old = try kept(change.old), new = try kept(change.new)
                if old || new { keys.append(change.key); news.append(new ? change.new : nil) }
            }
            let existing = data.get(view, keys: keys)
            for i in keys.indices {
                try put(keys[i], try news[i].map { (row) throws(SQLError) in try storedRow(row, key: keys[i], env) },
                        existing: existing[i])
            }
        case .groups:
            // Groups numbered by first use; each change's old and new group
            // (-1: none, or not in the input). The states are then mutated
            // in place.
            var groups = GroupIndex(keyReaders)
            var oldGroups = [Int32](repeating: -1, count: input.count)
            var newGroups = oldGroups
            for i in input.indices {
                if try kept(input[i].old) { oldGroups[i] = Int32(try groups.group(of: input[i].old!, env)) }
                if try kept(input[i].new) { newGroups[i] = Int32(try groups.group(of: input[i].new!, env)) }
            }
            // Every touched group's stored row, read at once.
            let storedRows = data.get(view, keys: groups.keys)
            var states = storedRows.map { stored in
                stored.map { GroupState(stored: $0, calls: calls, at: visibleCount + keyWidth) } ?? GroupState(calls)
            }
            var recompute = [Bool](repeating: false, count: states.count)
            // Every removal before any addition (what `settled` expects).
            for i in input.indices where oldGroups[i] >= 0 {
                let number = Int(oldGroups[i])
                if try !states[number].remove(input[i].old!, env, inputs) { recompute[number] = true }
            }
            for i in input.indices where newGroups[i] >= 0 {
                let number = Int(newGroups[i])
                if try !states[number].add(input[i].new!, env, inputs) { recompute[number] = true }
            }
            for number in states.indices where !recompute[number] && !states[number].settled { recompute[number] = true }
            if recompute.contains(true) {
                // One pass over the input rebuilds every group whose extreme
                // (or DISTINCT set) the deltas could not maintain.
                for number in states.indices where recompute[number] { states[number] = GroupState(calls) }
                for (_, row) in try inputRows(on: data, context: context) where try passes(row, env) {
                    if let number = try groups.existingGroup(of: row, env), recompute[number] {
                        _ = try states[number].add(row, env, inputs)
                    }
                }
            }
            for (number, key) in groups.keys.enumerated() {
                let row = states[number].count == 0 && !groupKeys.isEmpty ? nil : try finish(key, states[number], env)
                try put(key, row, existing: storedRows[number])
            }
        }
        return (written, deltas)
    }

    // MARK: Rows

    static let globalGroup = RowKey(.integer(0))

    /// The view's input as it is now, each row with its key: the joined
    /// rows, or the base table's rows.
    private func inputRows(on data: any SQLDataAccess, context: ExecutionContext) throws(SQLError) -> [(key: RowKey, row: Row)] {
        if let joins { return try joins.all(on: data, context: context).map { (joins.key(of: $0), $0) } }
        guard let base = data.table(named: baseTables[0]) else {
            throw SQLError(SQLState.undefinedTable, "relation \"\(baseTables[0])\" does not exist")
        }
        return data.scan(base)
    }

    private func passes(_ row: Row, _ env: Environment) throws(SQLError) -> Bool {
        guard let test else { return true }
        return try test(row, env)
    }

    private func storedRow(_ row: Row, key: RowKey, _ env: Environment) throws(SQLError) -> Row {
        var out: Row = []
        out.reserveCapacity(storedColumns.count)
        for column in columnReaders { out.append(try column(row, env)) }
        out.append(contentsOf: key.values)
        return out
    }

    /// The stored row of a group: HAVING and the projection over (keys,
    /// aggregates), then the group's bookkeeping.
    private func finish(_ key: RowKey, _ state: borrowing GroupState, _ env: Environment) throws(SQLError) -> Row {
        let keyValues = key.values, results = state.results
        var output = groupKeys.isEmpty ? [] : keyValues
        output.append(contentsOf: results)
        let shown = try havingTest?(output, env) ?? true
        var row: Row = []
        row.reserveCapacity(storedColumns.count)
        for column in columnReaders { row.append(shown ? try column(output, env) : .null) }
        row.append(contentsOf: keyValues)
        state.appendStored(to: &row, finished: results)
        row.append(.boolean(shown))
        return row
    }
}

/// Why a view is not maintained incrementally.
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension Plan {
    /// Why no delta rule covers this plan operator.
    var refusalReason: String {
        switch self {
        case .nestedLoopJoin, .hashJoin, .lateralJoin: "joins have no delta rule yet"
        case .semiJoin: "it uses a subquery (IN / EXISTS)"
        case .window: "it uses window functions"
        case .distinct: "DISTINCT ON has no delta rule yet"
        case .sort, .topN, .limit, .limitWithTies, .truncate: "it uses ORDER BY, LIMIT or OFFSET"
        case .setOperation, .recursiveUnion: "it uses UNION, INTERSECT or EXCEPT"
        case .keyLookup, .indexRange: "its WHERE clause is answered by an index lookup"
        case .commonTable, .recursiveWorkingSet: "it uses a WITH query"
        case .values, .generated: "it does not read a table"
        case .vectorScan: "it uses a vector index scan"
        default: "its shape is not filter, projection or GROUP BY over one table"
        }
    }
}
