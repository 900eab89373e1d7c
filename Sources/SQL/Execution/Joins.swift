import Core

/// Join algorithms. Rows are `left ++ right`; the NULL-extended side of an
/// outer join is filled with NULLs of the other input's width.
enum Joins {
    static func nestedLoop(_ left: [Row], _ right: [Row], _ kind: JoinKind, _ condition: BoundExpression?,
                           _ leftWidth: Int, _ rightWidth: Int, _ env: Environment,
                           _ context: ExecutionContext) throws(SQLError) -> [Row] {
        var out: [Row] = []
        var rightMatched = [Bool](repeating: false, count: kind == .right || kind == .full ? right.count : 0)
        let leftNulls = Row(repeating: .null, count: leftWidth), rightNulls = Row(repeating: .null, count: rightWidth)
        for (n, l) in left.enumerated() {
            if n & 255 == 255 { try context.checkDeadline() }
            var matched = false
            for (j, r) in right.enumerated() {
                let combined = l + r
                if let condition, try condition.truth(condition.evaluate(combined, env)) != true { continue }
                matched = true
                if !rightMatched.isEmpty { rightMatched[j] = true }
                out.append(combined)
            }
            if !matched && (kind == .left || kind == .full) { out.append(l + rightNulls) }
        }
        for (j, r) in right.enumerated() where !rightMatched.isEmpty && !rightMatched[j] { out.append(leftNulls + r) }
        return out
    }

    /// Equi-join: builds a hash table on the right input's keys, probes with
    /// the left. NULL keys never match (SQL equality).
    static func hash(_ left: [Row], _ right: [Row], _ kind: JoinKind, _ leftKeys: [BoundExpression],
                     _ rightKeys: [BoundExpression], _ residual: BoundExpression?, _ leftWidth: Int, _ rightWidth: Int,
                     _ env: Environment, _ context: ExecutionContext) throws(SQLError) -> [Row] {
        if kind == .inner && left.count < right.count {
            return try hashBuildingLeft(left, right, leftKeys, rightKeys, residual, env, context)
        }
        var table: [[Value]: [Int]] = [:]
        table.reserveCapacity(right.count)
        for (j, r) in right.enumerated() {
            guard let key = try joinKey(r, rightKeys, env) else { continue }
            table[key, default: []].append(j)
        }
        var out: [Row] = []
        var rightMatched = [Bool](repeating: false, count: kind == .right || kind == .full ? right.count : 0)
        let leftNulls = Row(repeating: .null, count: leftWidth), rightNulls = Row(repeating: .null, count: rightWidth)
        for (n, l) in left.enumerated() {
            if n & 4095 == 4095 { try context.checkDeadline() }
            var matched = false
            if let key = try joinKey(l, leftKeys, env), let candidates = table[key] {
                for j in candidates {
                    let combined = l + right[j]
                    if let residual, try residual.truth(residual.evaluate(combined, env)) != true { continue }
                    matched = true
                    if !rightMatched.isEmpty { rightMatched[j] = true }
                    out.append(combined)
                }
            }
            if !matched && (kind == .left || kind == .full) { out.append(l + rightNulls) }
        }
        for (j, r) in right.enumerated() where !rightMatched.isEmpty && !rightMatched[j] { out.append(leftNulls + r) }
        return out
    }

    /// Inner join hashing the smaller left input and probing with the right;
    /// rows keep the `left ++ right` layout. A single key is hashed as the
    /// value itself, several as an array.
    private static func hashBuildingLeft(_ left: [Row], _ right: [Row], _ leftKeys: [BoundExpression],
                                         _ rightKeys: [BoundExpression], _ residual: BoundExpression?,
                                         _ env: Environment, _ context: ExecutionContext) throws(SQLError) -> [Row] {
        if leftKeys.count == 1 {
            func key(_ e: BoundExpression) -> (Row) throws(SQLError) -> Value? {
                { (row) throws(SQLError) in
                    let v = try e.evaluate(row, env)
                    return v.isNull ? nil : SubqueryExpression.normalize(v)
                }
            }
            return try buildLeftProbeRight(left, right, key(leftKeys[0]), key(rightKeys[0]), residual, env, context)
        }
        return try buildLeftProbeRight(left, right, { (row) throws(SQLError) in try joinKey(row, leftKeys, env) },
                                       { (row) throws(SQLError) in try joinKey(row, rightKeys, env) }, residual, env, context)
    }

    private static func buildLeftProbeRight<Key: Hashable>(
        _ left: [Row], _ right: [Row], _ leftKey: (Row) throws(SQLError) -> Key?, _ rightKey: (Row) throws(SQLError) -> Key?,
        _ residual: BoundExpression?, _ env: Environment, _ context: ExecutionContext) throws(SQLError) -> [Row] {
        var table: [Key: [Int]] = [:]
        table.reserveCapacity(left.count)
        for (i, l) in left.enumerated() {
            if let key = try leftKey(l) { table[key, default: []].append(i) }
        }
        var out: [Row] = []
        for (n, r) in right.enumerated() {
            if n & 4095 == 4095 { try context.checkDeadline() }
            guard let key = try rightKey(r), let candidates = table[key] else { continue }
            for i in candidates {
                let combined = left[i] + r
                if let residual, try residual.truth(residual.evaluate(combined, env)) != true { continue }
                out.append(combined)
            }
        }
        return out
    }

    static func semi(_ left: [Row], _ right: [Row], _ leftKeys: [BoundExpression], _ rightKeys: [BoundExpression],
                     _ anti: Bool, _ env: Environment) throws(SQLError) -> [Row] {
        var keys = Set<[Value]>()
        for r in right { if let key = try joinKey(r, rightKeys, env) { keys.insert(key) } }
        var out: [Row] = []
        for l in left {
            let found = try joinKey(l, leftKeys, env).map { keys.contains($0) } ?? false
            if found != anti { out.append(l) }
        }
        return out
    }

    /// The key values, numbers normalized so 1 and 1.0 meet; nil when any is NULL.
    static func joinKey(_ row: Row, _ keys: [BoundExpression], _ env: Environment) throws(SQLError) -> [Value]? {
        var key: [Value] = []
        key.reserveCapacity(keys.count)
        for e in keys {
            let v = try e.evaluate(row, env)
            if v.isNull { return nil }
            key.append(SubqueryExpression.normalize(v))
        }
        return key
    }
}

enum Sorting {
    /// Stable sort; NULLs last ascending and first descending unless NULLS FIRST/LAST says otherwise.
    static func sort(_ rows: [Row], _ keys: [PlanSortKey], _ env: Environment) throws(SQLError) -> [Row] {
        let decorated = try decorate(rows, keys, env)
        return decorated.sorted { less($0, $1, keys) }.map(\.row)
    }

    /// The first `keep` rows in sort order, using a bounded buffer. Once it
    /// is full, a row's keys are computed one at a time only as far as
    /// needed to reject it against the current last entry.
    static func topN(_ rows: [Row], _ keys: [PlanSortKey], keep: Int, _ env: Environment) throws(SQLError) -> [Row] {
        if keep >= rows.count / 2 { return try sort(rows, keys, env) }
        if keep == 0 { return [] }
        var best: [(key: [Value], index: Int, row: Row)] = []
        best.reserveCapacity(keep + 1)
        for (i, row) in rows.enumerated() {
            if best.count == keep, let last = best.last {
                var rejected = true
                for (k, sortKey) in keys.enumerated() {
                    let c = compare(try sortKey.expression.evaluate(row, env), last.key[k], sortKey)
                    if c != 0 { rejected = c > 0; break }
                }
                if rejected { continue }
            }
            var key: [Value] = []
            key.reserveCapacity(keys.count)
            for k in keys { key.append(try k.expression.evaluate(row, env)) }
            let item = (key: key, index: i, row: row)
            var lo = 0, hi = best.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if less(item, best[mid], keys) { hi = mid } else { lo = mid + 1 }
            }
            best.insert(item, at: lo)
            if best.count > keep { best.removeLast() }
        }
        return best.map(\.row)
    }

    private static func decorate(_ rows: [Row], _ keys: [PlanSortKey], _ env: Environment) throws(SQLError) -> [(key: [Value], index: Int, row: Row)] {
        var out: [(key: [Value], index: Int, row: Row)] = []
        out.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            var key: [Value] = []
            key.reserveCapacity(keys.count)
            for k in keys { key.append(try k.expression.evaluate(row, env)) }
            out.append((key, i, row))
        }
        return out
    }

    static func less(_ a: (key: [Value], index: Int, row: Row), _ b: (key: [Value], index: Int, row: Row), _ keys: [PlanSortKey]) -> Bool {
        for (i, k) in keys.enumerated() {
            let c = compare(a.key[i], b.key[i], k)
            if c != 0 { return c < 0 }
        }
        return a.index < b.index
    }

    static func compare(_ x: Value, _ y: Value, _ key: PlanSortKey) -> Int {
        if x.isNull || y.isNull {
            if x.isNull && y.isNull { return 0 }
            let nullsFirst = key.nullsFirst ?? key.descending
            return x.isNull == nullsFirst ? -1 : 1
        }
        let c = Value.order(x, y)
        return key.descending ? -c : c
    }
}
