import Core

/// Executes plans against a transaction. Every operator materializes its
/// output as an array of rows; joins hash the smaller-is-right input.
final class PlanRunner {
    let data: any SQLDataAccess
    let context: ExecutionContext

    init(data: any SQLDataAccess, context: ExecutionContext) {
        self.data = data; self.context = context
    }

    func run(_ plan: Plan) throws(SQLError) -> [Row] {
        try run(plan, Environment(runner: self))
    }

    func run(_ plan: Plan, _ env: Environment) throws(SQLError) -> [Row] {
        switch plan {
        case .values(let rows):
            var out: [Row] = []
            out.reserveCapacity(rows.count)
            for row in rows {
                var values: Row = []
                for e in row { values.append(try e.evaluate([], env)) }
                out.append(values)
            }
            return out
        case .scan, .filter, .project, .truncate, .semiJoin, .limit:
            return try collect(plan, env)
        case let .limitWithTies(input, keys, count, offset):
            let skip = try offset.map { (e) throws(SQLError) in try Self.count(e, env, what: "OFFSET", state: "2201X") ?? 0 } ?? 0
            let rows = try run(input, env).dropFirst(skip)
            // (A NULL count is no limit, as in PostgreSQL 15.)
            guard let n = try Self.count(count, env, what: "LIMIT", state: "2201W") else { return Array(rows) }
            guard n > 0, let last = rows.dropFirst(n - 1).first else { return n > 0 ? Array(rows) : [] }
            // The rows after the n-th that equal it in every sort key.
            let lastKey = try keys.map { (k) throws(SQLError) in try k.expression.evaluate(last, env) }
            func ties(_ row: Row) throws(SQLError) -> Bool {
                for (k, value) in zip(keys, lastKey) where Value.order(try k.expression.evaluate(row, env), value) != 0 { return false }
                return true
            }
            var out = Array(rows.prefix(n))
            for row in rows.dropFirst(n) {
                guard try ties(row) else { break }
                out.append(row)
            }
            return out
        case let .keyLookup(table, keys):
            var out: [Row] = []
            var seen = Set<RowKey>()
            for keyExpressions in keys {
                var values: [Value] = []
                for (i, e) in keyExpressions.enumerated() {
                    let v = try e.evaluate([], env)
                    guard let exact = KeyLookupPlanner.exact(v, table.columns[table.primaryKey[i]].type) else { values = []; break }
                    values.append(exact)
                }
                guard !values.isEmpty else { continue }
                let key = RowKey(values)
                if seen.insert(key).inserted, let row = data.get(table, key: key) { out.append(row) }
            }
            return out
        case let .indexRange(table, column, lower, lowerInclusive, upper, upperInclusive):
            let low = try lower?.evaluate([], env), high = try upper?.evaluate([], env)
            if low?.isNull == true || high?.isNull == true { return [] }
            return data.indexRange(table, column: column, lower: low, lowerInclusive: lowerInclusive,
                                   upper: high, upperInclusive: upperInclusive)
        case .commonTable(let table):
            if let rows = table.rows { return rows }
            guard let plan = table.plan else { return [] }
            let rows = try run(plan, env)
            table.rows = rows
            return rows
        case .recursiveWorkingSet(let table):
            return table.rows ?? []
        case let .nestedLoopJoin(left, right, kind, condition, leftWidth, rightWidth):
            return try Joins.nestedLoop(try run(left, env), try run(right, env), kind, condition,
                                        leftWidth, rightWidth, env, context)
        case let .hashJoin(_, _, kind, _, _, _, _, _) where kind == .inner || kind == .left:
            return try collect(plan, env)
        case .lateralJoin:
            return try collect(plan, env)
        case let .hashJoin(left, right, kind, leftKeys, rightKeys, residual, leftWidth, rightWidth):
            return try Joins.hash(try run(left, env), try run(right, env), kind, leftKeys, rightKeys, residual,
                                  leftWidth, rightWidth, env, context)
        case let .aggregate(input, keys, calls):
            return try Aggregation.run(keys: keys, calls: calls, env: env, context: context) { (sink) throws(SQLError) in
                try stream(input, env, sink)
            }
        case let .window(input, calls):
            return try Windows.run(try run(input, env), calls, env)
        case let .distinct(input, on):
            return try Self.distinct(try run(input, env), on: on, env)
        case let .sort(input, keys):
            return try Sorting.sort(try run(input, env), keys, env)
        case let .topN(input, keys, count, offset):
            let n = try Self.count(count, env, what: "LIMIT", state: "2201W") ?? Int.max
            let skip = try offset.map { (e) throws(SQLError) in try Self.count(e, env, what: "OFFSET", state: "2201X") ?? 0 } ?? 0
            let keep = n.addingReportingOverflow(skip).overflow ? Int.max : n + skip
            if keep > 10_000 { return Array(try Sorting.sort(try run(input, env), keys, env).dropFirst(skip).prefix(n)) }
            // Over a projection of plain columns and at most one computed
            // column that is the first sort key (`ORDER BY embedding <-> $1`),
            // rank the projection's input, reading each stored row in place,
            // and project only the rows kept, reusing their key values.
            if case let .project(source, columns) = input, let rewritten = Self.remapSortKeys(keys, through: columns) {
                var best = TopN(keys: rewritten, keep: keep)
                try stream(source, env) { (row) throws(SQLError) in try best.add(row, env) }
                var out: [Row] = []
                for entry in best.entries.dropFirst(skip).prefix(n) {
                    out.append(try Self.project(entry, columns, keys, env))
                }
                return out
            }
            var best = TopN(keys: keys, keep: keep)
            try stream(input, env) { (row) throws(SQLError) in try best.add(row, env) }
            return Array(best.rows.dropFirst(skip).prefix(n))
        case let .setOperation(op, all, left, right):
            return SetOperations.apply(op, all: all, try run(left, env), try run(right, env))
        case let .recursiveUnion(anchor, recursive, all, table):
            return try recursiveUnion(anchor, recursive, all, table, env)
        case let .generated(_, produce):
            return try produce(env)
        case let .vectorScan(table, spec):
            return try runVectorScan(table, spec, env)
        }
    }

    /// Visits the visible rows of `table`, checking the deadline as it goes.
    func forEachRow(_ table: TableSchema, _ body: (Row) throws(SQLError) -> Void) throws(SQLError) {
        var count = 0
        do {
            try data.forEachRow(table) { row in
                count += 1
                if count & 4095 == 0 { try context.checkDeadline() }
                try body(row)
            }
        } catch let error as SQLError {
            throw error
        } catch {
            throw SQLError(SQLState.internalError, "\(error)")
        }
    }

    /// WITH RECURSIVE: iterate the recursive term over the rows the previous
    /// round produced until a round adds nothing (UNION drops duplicates).
    private func recursiveUnion(_ anchor: Plan, _ recursive: Plan, _ all: Bool, _ table: CommonTableResult,
                                _ env: Environment) throws(SQLError) -> [Row] {
        var result = try run(anchor, env)
        var seen = Set<Row>()
        if !all { result = result.filter { seen.insert($0).inserted } }
        var working = result
        var rounds = 0
        while !working.isEmpty {
            rounds += 1
            try context.checkDeadline()
            if rounds > 1_000_000 || result.count > 50_000_000 {
                throw SQLError("54000", "recursive query \"\(table.name)\" did not terminate")
            }
            table.rows = working
            var next = try run(recursive, env)
            if !all { next = next.filter { seen.insert($0).inserted } }
            result.append(contentsOf: next)
            working = next
        }
        table.rows = nil
        return result
    }

    static func distinct(_ rows: [Row], on: [BoundExpression]?, _ env: Environment) throws(SQLError) -> [Row] {
        guard let on else {
            var seen = Set<Row>()
            return rows.filter { seen.insert($0).inserted }
        }
        var seen = Set<Row>()
        var out: [Row] = []
        for row in rows {
            var key: Row = []
            for e in on { key.append(try e.evaluate(row, env)) }
            if seen.insert(key).inserted { out.append(row) }
        }
        return out
    }

    /// Sort keys over a projection's output rewritten over its input (each
    /// key becomes its column's expression), when each key is an output
    /// column and every column but the first key's is a plain column
    /// reference or a constant. Top-N computes the first key of every row
    /// (later keys only to break ties), so every row still evaluates every
    /// computed column once, errors included, as the projection would.
    static func remapSortKeys(_ keys: [PlanSortKey], through columns: [BoundExpression]) -> [PlanSortKey]? {
        var rewritten: [PlanSortKey] = []
        for key in keys {
            guard case .slot(let i) = key.expression, i < columns.count else { return nil }
            var remapped = key
            remapped.expression = columns[i]
            rewritten.append(remapped)
        }
        for (i, column) in columns.enumerated() where !isPlain(column) {
            guard case .slot(i)? = keys.first?.expression else { return nil }
        }
        return rewritten
    }

    private static func isPlain(_ e: BoundExpression) -> Bool {
        switch e {
        case .slot, .constant, .untypedConstant: true
        default: false
        }
    }

    /// The projection of a row kept by top-N: the computed column is the
    /// first key's value, the others are read from the row.
    static func project(_ entry: (key: [Value], row: Row), _ columns: [BoundExpression], _ keys: [PlanSortKey],
                        _ env: Environment) throws(SQLError) -> Row {
        var out: Row = []
        out.reserveCapacity(columns.count)
        for (i, column) in columns.enumerated() {
            if case .slot(i)? = keys.first?.expression, !isPlain(column) {
                out.append(entry.key[0])
            } else {
                out.append(try column.evaluate(entry.row, env))
            }
        }
        return out
    }

    /// Evaluates a LIMIT/OFFSET expression to a non-negative count (nil for NULL = no limit).
    static func count(_ e: BoundExpression, _ env: Environment, what: String, state: String) throws(SQLError) -> Int? {
        let value = try Casts.cast(e.evaluate([], env), to: .bigint)
        guard case .integer(let n) = value else { return nil }
        guard n >= 0 else { throw SQLError(state, "\(what) must not be negative") }
        return Int(clamping: n)
    }
}

enum SetOperations {
    /// UNION/INTERSECT/EXCEPT with SQL's duplicate rules: without ALL the
    /// result is a set; with ALL, INTERSECT keeps min(m, n) copies and
    /// EXCEPT keeps max(m - n, 0).
    static func apply(_ op: SetOperator, all: Bool, _ left: [Row], _ right: [Row]) -> [Row] {
        switch (op, all) {
        case (.union, true):
            return left + right
        case (.union, false):
            var seen = Set<Row>()
            return (left + right).filter { seen.insert($0).inserted }
        case (.intersect, _), (.except, _):
            var counts: [Row: Int] = [:]
            for row in right { counts[row, default: 0] += 1 }
            var emitted = Set<Row>()
            var out: [Row] = []
            for row in left {
                let inRight = counts[row, default: 0] > 0
                if all {
                    if op == .intersect, inRight { counts[row]! -= 1; out.append(row) }
                    if op == .except {
                        if inRight { counts[row]! -= 1 } else { out.append(row) }
                    }
                } else if (op == .intersect) == inRight, emitted.insert(row).inserted {
                    out.append(row)
                }
            }
            return out
        }
    }
}
