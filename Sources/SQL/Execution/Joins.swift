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

    /// Right and full equi-joins (inner and left ones stream, see Pipeline):
    /// builds a hash table on the right input's keys, probes with the left.
    /// NULL keys never match (SQL equality).
    static func hash(_ left: [Row], _ right: [Row], _ kind: JoinKind, _ leftKeys: [BoundExpression],
                     _ rightKeys: [BoundExpression], _ residual: BoundExpression?, _ leftWidth: Int, _ rightWidth: Int,
                     _ env: Environment, _ context: ExecutionContext) throws(SQLError) -> [Row] {
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

    private static func decorate(_ rows: [Row], _ keys: [PlanSortKey], _ env: Environment) throws(SQLError) -> [(key: [Value], index: Int, row: Row)] {
        var out: [(key: [Value], index: Int, row: Row)] = []
        out.reserveCapacity(rows.count)
        let compiledKeys = keys.map { $0.expression.compiled() }
        for (i, row) in rows.enumerated() {
            var key: [Value] = []
            key.reserveCapacity(keys.count)
            for k in compiledKeys { key.append(try k(row, env)) }
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

/// ORDER BY … LIMIT n: the first `keep` rows in sort order, kept in a
/// bounded sorted buffer while rows stream in. Once it is full, a row's
/// keys are computed one at a time only as far as needed to reject it
/// against the current last entry.
struct TopN {
    let keys: [PlanSortKey]
    private let compiledKeys: [CompiledExpression]
    let keep: Int
    private var best: [(key: [Value], index: Int, row: Row)] = []
    private var seen = 0

    init(keys: [PlanSortKey], keep: Int) {
        self.keys = keys; self.keep = keep
        compiledKeys = keys.map { $0.expression.compiled() }
        best.reserveCapacity(keep + 1)
    }

    var rows: [Row] { best.map(\.row) }
    /// The rows kept, in order, with their sort key values.
    var entries: [(key: [Value], row: Row)] { best.map { ($0.key, $0.row) } }

    mutating func add(_ row: Row, _ env: Environment) throws(SQLError) {
        let index = seen
        seen += 1
        if keep == 0 { return }
        if best.count == keep {
            let last = best.count - 1
            var rejected = true
            for k in 0..<keys.count {
                let c = Sorting.compare(try compiledKeys[k](row, env), best[last].key[k], keys[k])
                if c != 0 { rejected = c > 0; break }
            }
            if rejected { return }
        }
        var key: [Value] = []
        key.reserveCapacity(keys.count)
        for k in compiledKeys { key.append(try k(row, env)) }
        let item = (key: key, index: index, row: row)
        var lo = 0, hi = best.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Sorting.less(item, best[mid], keys) { hi = mid } else { lo = mid + 1 }
        }
        best.insert(item, at: lo)
        if best.count > keep { best.removeLast() }
    }
}
