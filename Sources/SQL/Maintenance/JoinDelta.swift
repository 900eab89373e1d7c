import Core

/// The delta rule for joins: a view over inner joins of several tables
/// keeps one stored row per combination of base rows, keyed by their
/// primary keys together (less the keys a join on a whole primary key
/// implies; see `keyLeaves`). After changes, the stored rows involving a
/// changed base row are exactly
///
///     removed = ⋃ᵢ join(old versions of table i's changed rows, every other table as it was)
///     added   = ⋃ᵢ join(new versions of table i's changed rows, every other table as it is)
///
/// each side deduplicated by the combined key; every other stored row is
/// unchanged. The joins are the view's own plan with its table scans
/// swapped for those row sets; a table joined on its primary key is read
/// by key for just the changed rows' matches (`narrowed`), once for both
/// sides when it did not change itself. For `A LEFT JOIN B`, a changed B row first
/// marks the A rows it matched or matches as changed (their joined or
/// null-extended rows are derived again), and only A's changes are applied.
struct JoinDelta {
    struct Leaf {
        var table: TableSchema
        /// Where the table's columns start in the joined row.
        var offset: Int
    }

    let child: Plan
    let leaves: [Leaf]
    /// The leaves whose keys identify a joined row: a table joined by its
    /// whole primary key adds at most one row to each row of the rest, so
    /// its key is implied and left out (orders JOIN customers ON
    /// o.customer_id = c.id is keyed by the order alone).
    let keyLeaves: [Int]
    /// For `A LEFT JOIN B` (two tables): the join itself, turned inner, for
    /// finding the A rows a change of B touches. Nil for inner joins.
    let innerOfLeftJoin: Plan?

    /// The joined tables of an SPJ plan (scans, filters, inner and cross
    /// joins), left to right; the reason when the plan is anything else.
    static func analyze(_ child: Plan) -> Result<JoinDelta, Refusal> {
        var leaves: [Leaf] = []
        var width = 0
        // A LEFT JOIN B of two tables (filters above and inside allowed).
        var top = child
        while case let .filter(input, _) = top { top = input }
        var innerOfLeftJoin: Plan?
        switch top {
        case let .hashJoin(l, r, .left, lk, rk, residual, lw, rw):
            innerOfLeftJoin = .hashJoin(l, r, .inner, leftKeys: lk, rightKeys: rk, residual: residual, leftWidth: lw, rightWidth: rw)
        case let .nestedLoopJoin(l, r, .left, condition, lw, rw):
            innerOfLeftJoin = .nestedLoopJoin(l, r, .inner, condition: condition, leftWidth: lw, rightWidth: rw)
        default:
            break
        }
        func walk(_ plan: Plan) -> Refusal? {
            switch plan {
            case .scan(let table):
                leaves.append(Leaf(table: table, offset: width))
                width += table.columns.count
                return nil
            case let .filter(input, predicate):
                return predicate.isMovable ? walk(input) : Refusal("it uses a non-deterministic or correlated expression")
            case let .hashJoin(l, r, kind, lk, rk, residual, _, _):
                guard kind == .inner || kind == .cross || (kind == .left && innerOfLeftJoin != nil) else {
                    return Refusal("\(kind.rawValue) joins have no delta rule yet")
                }
                guard (lk + rk + [residual].compactMap { $0 }).allSatisfy(\.isMovable) else {
                    return Refusal("it uses a non-deterministic or correlated expression")
                }
                return walk(l) ?? walk(r)
            case let .nestedLoopJoin(l, r, kind, condition, _, _):
                guard kind == .inner || kind == .cross || (kind == .left && innerOfLeftJoin != nil) else {
                    return Refusal("\(kind.rawValue) joins have no delta rule yet")
                }
                guard condition?.isMovable ?? true else { return Refusal("it uses a non-deterministic or correlated expression") }
                return walk(l) ?? walk(r)
            default:
                return Refusal(plan.refusalReason)
            }
        }
        if let refusal = walk(child) { return .failure(refusal) }
        if let keyless = leaves.first(where: { $0.table.primaryKey.isEmpty }) {
            return .failure(Refusal("the joined table \(keyless.table.name) has no primary key"))
        }
        if Set(leaves.map(\.table.name)).count < leaves.count { return .failure(Refusal("a table is joined with itself")) }
        if let view = leaves.first(where: { $0.table.isView || $0.table.readSCN != nil }) {
            return .failure(Refusal("it reads \(view.table.name) as a view or AS OF"))
        }
        if innerOfLeftJoin != nil && leaves.count != 2 {
            return .failure(Refusal("a LEFT join has a delta rule between two tables only"))
        }
        var next = 0
        let keyLeaves = determining(child, &next)
        return .success(JoinDelta(child: child, leaves: leaves, keyLeaves: keyLeaves, innerOfLeftJoin: innerOfLeftJoin))
    }

    /// The leaves (numbered left to right) whose keys determine the rows of
    /// `plan`: all of them, except a side that is one table joined by its
    /// whole primary key (the right side of an inner or left join, the left
    /// side of an inner join).
    private static func determining(_ plan: Plan, _ next: inout Int) -> [Int] {
        switch plan {
        case .scan:
            defer { next += 1 }
            return [next]
        case let .filter(input, _):
            return determining(input, &next)
        case let .hashJoin(l, r, kind, lk, rk, _, _, _):
            let left = determining(l, &next), right = determining(r, &next)
            if (kind == .inner || kind == .left) && keyedTable(r, joinedBy: rk) != nil { return left }
            if kind == .inner && keyedTable(l, joinedBy: lk) != nil { return right }
            return left + right
        case let .nestedLoopJoin(l, r, _, _, _, _):
            let left = determining(l, &next)
            return left + determining(r, &next)
        default:
            return []
        }
    }

    /// When `side` is `filter*(scan T)` and `keys` are exactly T's primary
    /// key columns: T and the filters' predicates, innermost first.
    private static func keyedTable(_ side: Plan, joinedBy keys: [BoundExpression]) -> (table: TableSchema, filters: [BoundExpression])? {
        var filters: [BoundExpression] = []
        var inner = side
        while case let .filter(input, predicate) = inner { filters.append(predicate); inner = input }
        guard case .scan(let table) = inner, !table.primaryKey.isEmpty, keys.count == table.primaryKey.count,
              zip(keys, table.primaryKey).allSatisfy({ $0.fingerprint == "$\($1)" }) else { return nil }
        return (table, filters.reversed())
    }

    /// The key columns' types, leaf by leaf.
    var keyTypes: [DataType] {
        keyLeaves.flatMap { i in leaves[i].table.primaryKey.map { leaves[i].table.columns[$0].type } }
    }

    /// The key of a joined row: the determining tables' primary keys in turn.
    func key(of row: Row) -> RowKey {
        var values: [Value] = []
        for i in keyLeaves { for column in leaves[i].table.primaryKey { values.append(row[leaves[i].offset + column]) } }
        return RowKey(values)
    }

    /// Every joined row as the tables are now.
    func all(on data: any SQLDataAccess, context: ExecutionContext) throws(SQLError) -> [Row] {
        try PlanRunner(data: data, context: context).run(child)
    }

    /// The joined rows involving a changed row: as they were (every table
    /// at `since`) and as they are; `changes` is by table name.
    func delta(_ changes: [String: [TableChange]], since: SCN, on data: any SQLDataAccess,
               context: ExecutionContext) throws(SQLError) -> (removed: [RowKey: Row], added: [RowKey: Row]) {
        var removed: [RowKey: Row] = [:], added: [RowKey: Row] = [:]
        let runner = PlanRunner(data: data, context: context)
        func past(_ table: TableSchema) throws(SQLError) -> TableSchema {
            guard let schema = data.table(named: table.name, at: since) else {
                throw SQLError(SQLState.undefinedTable, "relation \"\(table.name)\" does not exist as of SCN \(since)")
            }
            return schema
        }
        // Rows of unchanged tables read by key, shared by the passes (the
        // table is the same before and after).
        var unchanged = LookupCache(tables: Set(leaves.map(\.table.name).filter { changes[$0]?.isEmpty ?? true }))
        // A LEFT JOIN B: a change of B changes the rows of the A rows it
        // matched before or matches now (joined, or null-extended): those A
        // rows are treated as changed, as they were and as they are.
        var changes = changes
        if let innerOfLeftJoin, let changedB = changes[leaves[1].table.name], !changedB.isEmpty {
            let a = leaves[0].table
            var touched = Set<RowKey>()
            for (rows, atPast) in [(changedB.compactMap(\.old), true), (changedB.compactMap(\.new), false)] where !rows.isEmpty {
                let plan = try substituted(innerOfLeftJoin, changing: 1, with: rows) { (table) throws(SQLError) -> Plan in
                    .scan(atPast ? try past(table) : table)
                }
                for row in try runner.run(plan) {
                    touched.insert(RowKey(a.primaryKey.map { row[leaves[0].offset + $0] }))
                }
            }
            let keys = Array(touched)
            let before = data.get(try past(a), keys: keys), now = data.get(a, keys: keys)
            var asChanges = changes[a.name] ?? []
            let already = Set(asChanges.map(\.key))
            for (i, key) in keys.enumerated() where !already.contains(key) {
                asChanges.append(TableChange(key: key, old: before[i], new: now[i]))
            }
            changes[a.name] = asChanges
            changes[leaves[1].table.name] = nil
        }
        for (i, leaf) in leaves.enumerated() {
            guard let changed = changes[leaf.table.name], !changed.isEmpty else { continue }
            let old = changed.compactMap(\.old), new = changed.compactMap(\.new)
            if !old.isEmpty {
                let plan = try substituted(changing: i, with: old) { (table) throws(SQLError) -> Plan in .scan(try past(table)) }
                for row in try runner.run(try narrowed(plan, runner, &unchanged)) { removed[key(of: row)] = row }
            }
            if !new.isEmpty {
                let plan = try substituted(changing: i, with: new) { (table) throws(SQLError) -> Plan in .scan(table) }
                for row in try runner.run(try narrowed(plan, runner, &unchanged)) { added[key(of: row)] = row }
            }
        }
        return (removed, added)
    }

    /// The plan with each hash join between the changed rows' side and a
    /// table joined on its primary key rewritten to read only the rows
    /// matching those keys (primary-key lookups instead of a scan of the
    /// whole table). The changed side runs first.
    private func narrowed(_ plan: Plan, _ runner: PlanRunner, _ cache: inout LookupCache) throws(SQLError) -> Plan {
        switch plan {
        case let .filter(input, predicate):
            return .filter(try narrowed(input, runner, &cache), predicate)
        case let .nestedLoopJoin(l, r, kind, condition, lw, rw):
            let left = try narrowed(l, runner, &cache)
            return .nestedLoopJoin(left, try narrowed(r, runner, &cache), kind, condition: condition, leftWidth: lw, rightWidth: rw)
        case let .hashJoin(l, r, kind, lk, rk, residual, lw, rw):
            var left = try narrowed(l, runner, &cache), right = try narrowed(r, runner, &cache)
            if Self.readsChanges(left) && !Self.readsChanges(right),
               let looked = try lookup(right, keys: rk, from: left, keyedBy: lk, runner, &cache) {
                (left, right) = looked
            } else if Self.readsChanges(right) && !Self.readsChanges(left),
                      let looked = try lookup(left, keys: lk, from: right, keyedBy: rk, runner, &cache) {
                (right, left) = looked
            }
            return .hashJoin(left, right, kind, leftKeys: lk, rightKeys: rk, residual: residual, leftWidth: lw, rightWidth: rw)
        default:
            return plan
        }
    }

    /// When `side` is `filter*(scan T)` joined by exactly T's primary key:
    /// the changed side's rows (run now) and T's rows with their keys.
    private func lookup(_ side: Plan, keys: [BoundExpression], from changed: Plan, keyedBy changedKeys: [BoundExpression],
                        _ runner: PlanRunner, _ cache: inout LookupCache) throws(SQLError) -> (changed: Plan, side: Plan)? {
        guard let (table, filters) = Self.keyedTable(side, joinedBy: keys) else { return nil }
        let rows = try runner.run(changed)
        let env = Environment(runner: runner)
        var wanted = Set<RowKey>()
        // A lookup finds a key only in the stored value's own form: keep to
        // integer and text keys compared with columns of those types
        // (anything else joins by scanning, as the plan would).
        let columnTypes = table.primaryKey.map { table.columns[$0].type }
        for row in rows {
            var values: [Value] = []
            for (k, type) in zip(changedKeys, columnTypes) {
                let v = try k.evaluate(row, env)
                switch (v, type) {
                case (.null, _): break
                case (.integer, .integer), (.integer, .bigint), (.integer, .smallint), (.text, .text): values.append(v)
                default: return nil
                }
            }
            if values.count == changedKeys.count { wanted.insert(RowKey(values)) }
        }
        let found = cache.rows(of: table, keys: Array(wanted), from: runner.data)
        var plan = Plan.generated(name: "\(table.name) by key") { _ in found }
        for predicate in filters { plan = .filter(plan, predicate) }
        let computed = rows
        return (.generated(name: "joined changes") { _ in computed }, plan)
    }

    static func readsChanges(_ plan: Plan) -> Bool {
        switch plan {
        case .generated(let name, _): name.hasSuffix("changes")
        case let .filter(input, _): readsChanges(input)
        case let .hashJoin(l, r, _, _, _, _, _, _), let .nestedLoopJoin(l, r, _, _, _, _): readsChanges(l) || readsChanges(r)
        default: false
        }
    }

    /// The child plan with leaf `changing` reading `rows` and every other
    /// leaf what `other` gives.
    private func substituted(changing target: Int, with rows: [Row],
                             _ other: (TableSchema) throws(SQLError) -> Plan) throws(SQLError) -> Plan {
        try substituted(child, changing: target, with: rows, other)
    }

    private func substituted(_ plan: Plan, changing target: Int, with rows: [Row],
                             _ other: (TableSchema) throws(SQLError) -> Plan) throws(SQLError) -> Plan {
        var index = 0
        func rewrite(_ plan: Plan) throws(SQLError) -> Plan {
            switch plan {
            case .scan(let table):
                defer { index += 1 }
                if index == target {
                    let fixed = rows
                    return .generated(name: "\(table.name) changes") { _ in fixed }
                }
                return try other(table)
            case let .filter(input, predicate):
                return .filter(try rewrite(input), predicate)
            case let .hashJoin(l, r, kind, lk, rk, residual, lw, rw):
                let left = try rewrite(l)
                return .hashJoin(left, try rewrite(r), kind, leftKeys: lk, rightKeys: rk, residual: residual, leftWidth: lw, rightWidth: rw)
            case let .nestedLoopJoin(l, r, kind, condition, lw, rw):
                let left = try rewrite(l)
                return .nestedLoopJoin(left, try rewrite(r), kind, condition: condition, leftWidth: lw, rightWidth: rw)
            default:
                return plan
            }
        }
        return try rewrite(plan)
    }
}

/// Rows read by primary key during one delta computation. A table with no
/// changes reads the same before and after, so its rows are fetched once
/// for both the removed and the added side; other tables are read through.
struct LookupCache {
    let tables: Set<String>
    private var rows: [String: [RowKey: Row?]] = [:]

    init(tables: Set<String>) { self.tables = tables }

    /// The rows found for `keys` (keys with no row are skipped).
    mutating func rows(of table: TableSchema, keys: [RowKey], from data: any SQLDataAccess) -> [Row] {
        guard tables.contains(table.name) else { return data.get(table, keys: keys).compactMap { $0 } }
        let missing = keys.filter { rows[table.name]?[$0] == nil }
        for (key, row) in zip(missing, data.get(table, keys: missing)) { rows[table.name, default: [:]][key] = .some(row) }
        return keys.compactMap { rows[table.name]?[$0] ?? nil }
    }
}
