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

    /// What a delta gives of the joined rows that were: the rows (a
    /// grouped view subtracts them) or only their keys (a view storing one
    /// row per joined row deletes by key; see `Delta.removedKeys`).
    enum PastSide { case rows, keys }

    /// The joined rows involving a changed row, by key.
    struct Delta {
        /// As they were (every table at `since`): with `PastSide.rows`.
        var removed: [RowKey: Row] = [:]
        /// With `PastSide.keys`: the keys of the rows that were, possibly
        /// more (where the view's key is a changed table's own key, every
        /// changed row's old key, whether or not it joined or passed WHERE).
        var removedKeys = Set<RowKey>()
        /// As they are.
        var added: [RowKey: Row] = [:]
    }

    /// The joined rows involving a changed row, as they were and as they
    /// are; `changes` is by table name.
    func delta(_ changes: [String: [TableChange]], since: SCN, past: PastSide, on data: any SQLDataAccess,
               context: ExecutionContext) throws(SQLError) -> Delta {
        var delta = Delta()
        let runner = PlanRunner(data: data, context: context)
        func pastSchema(_ table: TableSchema) throws(SQLError) -> TableSchema {
            guard let schema = data.table(named: table.name, at: since) else {
                throw SQLError(SQLState.undefinedTable, "relation \"\(table.name)\" does not exist as of SCN \(since)")
            }
            return schema
        }
        // A LEFT JOIN B: a change of B changes the rows of the A rows it
        // matched before or matches now (joined, or null-extended): those A
        // rows are treated as changed, as they were and as they are.
        var changes = changes
        if let innerOfLeftJoin, let changedB = changes[leaves[1].table.name], !changedB.isEmpty {
            let a = leaves[0].table
            var touched = Set<RowKey>()
            for (rows, atPast) in [(changedB.compactMap(\.old), true), (changedB.compactMap(\.new), false)] where !rows.isEmpty {
                let plan = try substituted(innerOfLeftJoin, changing: 1, with: rows) { (table) throws(SQLError) -> Plan in
                    .scan(atPast ? try pastSchema(table) : table)
                }
                for row in try runner.run(plan) {
                    touched.insert(RowKey(a.primaryKey.map { row[leaves[0].offset + $0] }))
                }
            }
            let keys = Array(touched)
            let before = data.get(try pastSchema(a), keys: keys), now = data.get(a, keys: keys)
            var asChanges = changes[a.name] ?? []
            let already = Set(asChanges.map(\.key))
            for (i, key) in keys.enumerated() where !already.contains(key) {
                asChanges.append(TableChange(key: key, old: before[i], new: now[i]))
            }
            changes[a.name] = asChanges
            changes[leaves[1].table.name] = nil
        }
        // The rows that were of a changed table that alone keys the view
        // are named by its changed rows' keys (those passing its own
        // conditions), with no join.
        let keyedByChanges = past == .keys && keyLeaves.count == 1 ? keyLeaves[0] : nil
        // Rows of unchanged tables read by key, shared by the passes (the
        // table is the same before and after); one pass alone (the new rows
        // of a table keying the view) has nothing to share.
        let changedLeaves = leaves.indices.filter { !(changes[leaves[$0].table.name]?.isEmpty ?? true) }
        let onePass = changedLeaves.count <= 1 && changedLeaves.allSatisfy { $0 == keyedByChanges }
        var unchanged = LookupCache(tables: onePass ? [] : Set(leaves.map(\.table.name).filter { changes[$0]?.isEmpty ?? true }))
        for (i, leaf) in leaves.enumerated() {
            guard let changed = changes[leaf.table.name], !changed.isEmpty else { continue }
            let old = changed.compactMap(\.old), new = changed.compactMap(\.new)
            if !old.isEmpty && keyedByChanges == i {
                let primaryKey = leaf.table.primaryKey
                let tests = ownConditions(of: i).map { $0.compiledPredicate() }
                let env = Environment(runner: runner)
                rows: for row in old {
                    for test in tests where try !test(row, env) { continue rows }
                    delta.removedKeys.insert(RowKey(primaryKey.map { row[$0] }))
                }
            } else if !old.isEmpty {
                let plan = try substituted(changing: i, with: old) { (table) throws(SQLError) -> Plan in .scan(try pastSchema(table)) }
                for row in try runner.run(try narrowed(plan, runner, &unchanged)) {
                    if past == .rows { delta.removed[key(of: row)] = row } else { delta.removedKeys.insert(key(of: row)) }
                }
            }
            if !new.isEmpty {
                let plan = try substituted(changing: i, with: new) { (table) throws(SQLError) -> Plan in .scan(table) }
                for row in try runner.run(try narrowed(plan, runner, &unchanged)) { delta.added[key(of: row)] = row }
            }
        }
        return delta
    }

    /// The conditions on leaf `target`'s rows alone: the filters right
    /// above its scan (WHERE conjuncts pushed down to it).
    private func ownConditions(of target: Int) -> [BoundExpression] {
        var index = 0
        var found: [BoundExpression] = []
        func walk(_ plan: Plan) {
            switch plan {
            case .scan:
                index += 1
            case .filter:
                var inner = plan, conditions: [BoundExpression] = []
                while case let .filter(input, predicate) = inner { conditions.append(predicate); inner = input }
                if case .scan = inner {
                    if index == target { found = conditions }
                    index += 1
                } else {
                    walk(inner)
                }
            case let .hashJoin(l, r, _, _, _, _, _, _), let .nestedLoopJoin(l, r, _, _, _, _):
                walk(l)
                walk(r)
            default:
                break
            }
        }
        walk(child)
        return found
    }

    /// The plan with each hash join between the changed rows' side and a
    /// table joined on its primary key replaced by the joined rows, found
    /// by primary-key lookups of just the keys the changed rows carry
    /// (instead of a scan of the whole table and a hash table over it).
    private func narrowed(_ plan: Plan, _ runner: PlanRunner, _ cache: inout LookupCache) throws(SQLError) -> Plan {
        switch plan {
        case let .filter(input, predicate):
            return .filter(try narrowed(input, runner, &cache), predicate)
        case let .nestedLoopJoin(l, r, kind, condition, lw, rw):
            let left = try narrowed(l, runner, &cache)
            return .nestedLoopJoin(left, try narrowed(r, runner, &cache), kind, condition: condition, leftWidth: lw, rightWidth: rw)
        case let .hashJoin(l, r, kind, lk, rk, residual, lw, rw):
            let left = try narrowed(l, runner, &cache), right = try narrowed(r, runner, &cache)
            var joined: [Row]?
            if Self.readsChanges(left) && !Self.readsChanges(right) && (kind == .inner || kind == .left) {
                joined = try joinByKey(left, keys: lk, to: right, keys: rk, changedOnLeft: true, padded: kind == .left,
                                       residual: residual, sideWidth: rw, runner, &cache)
            } else if Self.readsChanges(right) && !Self.readsChanges(left) && kind == .inner {
                joined = try joinByKey(right, keys: rk, to: left, keys: lk, changedOnLeft: false, padded: false,
                                       residual: residual, sideWidth: lw, runner, &cache)
            }
            if let joined { return .generated(name: "joined changes") { _ in joined } }
            return .hashJoin(left, right, kind, leftKeys: lk, rightKeys: rk, residual: residual, leftWidth: lw, rightWidth: rw)
        default:
            return plan
        }
    }

    /// When `side` is `filter*(scan T)` joined by exactly T's primary key:
    /// the changed side's rows (run now) joined with the T rows their keys
    /// name, each changed row meeting at most one; with `padded` (a LEFT
    /// JOIN whose left side changed) a changed row meeting none is kept
    /// with nulls. Nil when the keys are of a kind a lookup does not find
    /// (the join then runs as planned).
    private func joinByKey(_ changed: Plan, keys changedKeys: [BoundExpression], to side: Plan, keys sideKeys: [BoundExpression],
                           changedOnLeft: Bool, padded: Bool, residual: BoundExpression?, sideWidth: Int,
                           _ runner: PlanRunner, _ cache: inout LookupCache) throws(SQLError) -> [Row]? {
        guard let (table, filters) = Self.keyedTable(side, joinedBy: sideKeys) else { return nil }
        let rows = try runner.run(changed)
        let env = Environment(runner: runner)
        // Each changed row's key, numbered among the distinct keys (-1: a
        // null in it, which matches nothing). A lookup finds a key only in
        // the stored value's own form: keep to integer and text keys
        // compared with columns of those types.
        let columnTypes = table.primaryKey.map { table.columns[$0].type }
        var numbers: [RowKey: Int] = [:], distinct: [RowKey] = []
        var numberOfRow = [Int](repeating: -1, count: rows.count)
        for (i, row) in rows.enumerated() {
            var values: [Value] = []
            values.reserveCapacity(changedKeys.count)
            for (k, type) in zip(changedKeys, columnTypes) {
                let v = try k.evaluate(row, env)
                switch (v, type) {
                case (.null, _): break
                case (.integer, .integer), (.integer, .bigint), (.integer, .smallint), (.text, .text): values.append(v)
                default: return nil
                }
            }
            guard values.count == changedKeys.count else { continue }
            let key = RowKey(values)
            if let number = numbers[key] {
                numberOfRow[i] = number
            } else {
                numbers[key] = distinct.count
                numberOfRow[i] = distinct.count
                distinct.append(key)
            }
        }
        var found = cache.rows(of: table, keys: distinct, from: runner.data)
        if !filters.isEmpty {
            let tests = filters.map { $0.compiledPredicate() }
            for j in found.indices {
                guard let row = found[j] else { continue }
                for test in tests where try !test(row, env) { found[j] = nil; break }
            }
        }
        let test = residual?.compiledPredicate()
        let nulls = [Value](repeating: .null, count: sideWidth)
        var out: [Row] = []
        out.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            if numberOfRow[i] >= 0, let other = found[numberOfRow[i]] {
                let joined = changedOnLeft ? row + other : other + row
                if try test?(joined, env) ?? true { out.append(joined); continue }
            }
            if padded { out.append(row + nulls) }
        }
        return out
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
    /// One table's rows by key (nil inside: no such row).
    private final class TableRows { var byKey: [RowKey: Row?] = [:] }
    private var cached: [String: TableRows] = [:]

    init(tables: Set<String>) { self.tables = tables }

    /// The row of each key (nil: none).
    mutating func rows(of table: TableSchema, keys: [RowKey], from data: any SQLDataAccess) -> [Row?] {
        guard tables.contains(table.name) else { return data.get(table, keys: keys) }
        let known: TableRows
        if let existing = cached[table.name] { known = existing } else { known = TableRows(); cached[table.name] = known }
        let missing = keys.filter { known.byKey[$0] == nil }
        for (key, row) in zip(missing, data.get(table, keys: missing)) { known.byKey[key] = .some(row) }
        return keys.map { known.byKey[$0] ?? nil }
    }
}
