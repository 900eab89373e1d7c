import Core

/// Push-based execution of the operators that need not hold their input:
/// scans, filters, projections, the probe side of inner/left hash joins and
/// semi joins, and LIMIT. Rows flow one at a time from the scan to the
/// consumer, so a pipeline such as scan → filter → join probe → aggregate
/// builds no intermediate row arrays. Pipeline breakers (sort, aggregate,
/// window, distinct, set operations, the build side of a join) go through
/// `run`, which materializes; `run` of a streamable node collects its stream.
extension PlanRunner {
    typealias RowSink = (Row) throws(SQLError) -> Void

    /// Whether `stream` implements the node itself rather than replaying `run`.
    static func isStreamable(_ plan: Plan) -> Bool {
        switch plan {
        case .scan, .filter, .project, .truncate, .semiJoin, .limit: true
        case let .hashJoin(_, _, kind, _, _, _, _, _): kind == .inner || kind == .left
        default: false
        }
    }

    /// Collects the stream of a streamable node.
    func collect(_ plan: Plan, _ env: Environment) throws(SQLError) -> [Row] {
        var rows: [Row] = []
        try stream(plan, env) { rows.append($0) }
        return rows
    }

    /// Feeds every row of `plan` to `sink`, in the order `run` would return them.
    func stream(_ plan: Plan, _ env: Environment, _ sink: RowSink) throws(SQLError) {
        switch plan {
        case .scan(let table):
            try forEachRow(table, sink)
        case let .filter(input, predicate):
            var count = 0
            let test = predicate.compiledPredicate()
            try stream(input, env) { (row) throws(SQLError) in
                count += 1
                if count & 4095 == 0 { try context.checkDeadline() }
                if try test(row, env) { try sink(row) }
            }
        case let .project(input, expressions):
            let columns = expressions.map { $0.compiled() }
            try stream(input, env) { (row) throws(SQLError) in
                var values: Row = []
                values.reserveCapacity(columns.count)
                for column in columns { values.append(try column(row, env)) }
                try sink(values)
            }
        case let .truncate(input, width):
            try stream(input, env) { (row) throws(SQLError) in
                try sink(row.count > width ? Array(row.prefix(width)) : row)
            }
        case let .limit(input, count, offset):
            try streamLimit(input, count, offset, env, sink)
        case let .semiJoin(left, right, leftKeys, rightKeys, anti):
            if leftKeys.count == 1 {
                var single = ValueNumbering()
                let rightKey = rightKeys[0].compiled(), leftKey = leftKeys[0].compiled()
                try stream(right, env) { (r) throws(SQLError) in
                    let v = try rightKey(r, env)
                    if !v.isNull { _ = single.number(SubqueryExpression.normalize(v)) }
                }
                try stream(left, env) { (l) throws(SQLError) in
                    let v = try leftKey(l, env)
                    let found = !v.isNull && single.contains(SubqueryExpression.normalize(v))
                    if found != anti { try sink(l) }
                }
            } else {
                var keys = Set<[Value]>()
                try stream(right, env) { (r) throws(SQLError) in
                    if let key = try Joins.joinKey(r, rightKeys, env) { keys.insert(key) }
                }
                try stream(left, env) { (l) throws(SQLError) in
                    let found = try Joins.joinKey(l, leftKeys, env).map { keys.contains($0) } ?? false
                    if found != anti { try sink(l) }
                }
            }
        case let .hashJoin(left, right, kind, leftKeys, rightKeys, residual, leftWidth, rightWidth)
            where kind == .inner || kind == .left:
            if leftKeys.count == 1 {
                let key = { (e: BoundExpression) in
                    let compiled = e.compiled()
                    return { (row: Row) throws(SQLError) -> Value? in
                        let v = try compiled(row, env)
                        return v.isNull ? nil : SubqueryExpression.normalize(v)
                    }
                }
                try hashJoin(left, right, kind, key(leftKeys[0]), key(rightKeys[0]), residual,
                             leftWidth, rightWidth, env, sink, index: SingleKeyIndex.self)
            } else {
                try hashJoin(left, right, kind, { (row) throws(SQLError) in try Joins.joinKey(row, leftKeys, env) },
                             { (row) throws(SQLError) in try Joins.joinKey(row, rightKeys, env) }, residual,
                             leftWidth, rightWidth, env, sink, index: CompositeKeyIndex.self)
            }
        case let .lateralJoin(left, right, kind, condition, leftWidth, rightWidth):
            var count = 0
            try stream(left, env) { (l) throws(SQLError) in
                count += 1
                if count & 255 == 0 { try context.checkDeadline() }
                // The right side reads this left row as its enclosing row.
                env.outer.append(l)
                let rights: [Row]
                do throws(SQLError) { rights = try run(right, env) } catch { env.outer.removeLast(); throw error }
                env.outer.removeLast()
                for row in try Joins.nestedLoop([l], rights, kind, condition, leftWidth, rightWidth, env, context) { try sink(row) }
            }
        default:
            for row in try run(plan, env) { try sink(row) }
        }
    }

    /// Inner or left equi-join. An inner join builds a hash table on the
    /// input estimated smaller and streams the other; a left join always
    /// streams its left input. Output rows are `left ++ right` either way.
    private func hashJoin<Index: JoinKeyIndex>(
        _ left: Plan, _ right: Plan, _ kind: JoinKind,
        _ leftKey: (Row) throws(SQLError) -> Index.Key?, _ rightKey: (Row) throws(SQLError) -> Index.Key?,
        _ residual: BoundExpression?, _ leftWidth: Int, _ rightWidth: Int,
        _ env: Environment, _ sink: RowSink, index: Index.Type) throws(SQLError) {
        var combined = Row()
        combined.reserveCapacity(leftWidth + rightWidth)
        var count = 0
        if kind == .inner && estimatedRows(left) < estimatedRows(right) {
            let built = try run(left, env)
            let table = try JoinHashTable<Index>(built, width: leftWidth, leftKey)
            let residual = residual?.compiledPredicate()
            if table.isEmpty { return }
            try stream(right, env) { (r) throws(SQLError) in
                count += 1
                if count & 4095 == 0 { try context.checkDeadline() }
                guard let key = try rightKey(r) else { return }
                var i = table.first(key)
                while i >= 0 {
                    combined.removeAll(keepingCapacity: true)
                    combined.append(contentsOf: table.row(i))
                    combined.append(contentsOf: r)
                    if try residual?(combined, env) ?? true {
                        try sink(combined)
                    }
                    i = table.next[i]
                }
            }
            return
        }
        let built = try run(right, env)
        let table = try JoinHashTable<Index>(built, width: rightWidth, rightKey)
        if table.isEmpty && kind == .inner { return }
        let rightNulls = Row(repeating: .null, count: rightWidth)
        let residual = residual?.compiledPredicate()
        try stream(left, env) { (l) throws(SQLError) in
            count += 1
            if count & 4095 == 0 { try context.checkDeadline() }
            var matched = false
            if let key = try leftKey(l) {
                var j = table.first(key)
                while j >= 0 {
                    combined.removeAll(keepingCapacity: true)
                    combined.append(contentsOf: l)
                    combined.append(contentsOf: table.row(j))
                    if try residual?(combined, env) ?? true {
                        matched = true
                        try sink(combined)
                    }
                    j = table.next[j]
                }
            }
            if !matched && kind == .left { try sink(l + rightNulls) }
        }
    }

    private func streamLimit(_ input: Plan, _ count: BoundExpression?, _ offset: BoundExpression?,
                             _ env: Environment, _ sink: RowSink) throws(SQLError) {
        let n = try count.flatMap { (e) throws(SQLError) in try Self.count(e, env, what: "LIMIT", state: "2201W") }
        let skip = try offset.map { (e) throws(SQLError) in try Self.count(e, env, what: "OFFSET", state: "2201X") ?? 0 } ?? 0
        if n == 0 { return }
        var seen = 0
        do {
            try stream(input, env) { (row) throws(SQLError) in
                seen += 1
                if seen <= skip { return }
                try sink(row)
                if let n, seen - skip >= n { throw Self.enough }
            }
        } catch where error == Self.enough {
            // The limit is reached: the input stopped early.
        }
    }

    /// Thrown through a stream to stop its producer once LIMIT has its rows.
    private static let enough = SQLError("HLENF", "limit reached")

    /// A rough row count of a plan's output, used to pick the build side of a join.
    func estimatedRows(_ plan: Plan) -> Int {
        switch plan {
        case .scan(let table): return data.estimatedRowCount(table)
        case .values(let rows): return rows.count
        case .keyLookup(_, let keys): return keys.count
        case .indexRange(let table, _, _, _, _, _): return max(1, data.estimatedRowCount(table) / 20)
        case .commonTable(let table), .recursiveWorkingSet(let table): return table.rows?.count ?? 1000
        case .filter(let input, _): return max(1, estimatedRows(input) / 4)
        case let .project(input, _), let .truncate(input, _), let .sort(input, _), let .window(input, _),
             let .distinct(input, _):
            return estimatedRows(input)
        case let .semiJoin(input, _, _, _, _): return max(1, estimatedRows(input) / 2)
        case let .aggregate(input, keys, _): return keys.isEmpty ? 1 : max(1, estimatedRows(input) / 10)
        case let .hashJoin(left, right, _, _, _, _, _, _), let .setOperation(_, _, left, right):
            return max(estimatedRows(left), estimatedRows(right))
        case let .nestedLoopJoin(left, right, _, _, _, _), let .lateralJoin(left, right, _, _, _, _):
            let (product, overflow) = estimatedRows(left).multipliedReportingOverflow(by: estimatedRows(right))
            return overflow ? Int.max : product
        case let .limit(input, count, _):
            if case .integer(let n)? = count?.constantValue { return min(Int(clamping: n), estimatedRows(input)) }
            return estimatedRows(input)
        case let .limitWithTies(input, _, _, _):
            return estimatedRows(input)
        case let .topN(input, _, count, _):
            if case .integer(let n)? = count.constantValue { return min(Int(clamping: n), estimatedRows(input)) }
            return estimatedRows(input)
        case let .recursiveUnion(anchor, _, _, _): return estimatedRows(anchor) * 10
        case .generated: return 1000
        case .vectorScan: return 100
        }
    }
}

/// Where the rows of a join's build side are found by key: each key maps
/// to the first row holding it.
protocol JoinKeyIndex {
    associatedtype Key
    init(capacity: Int)
    /// Makes `row` the first row of `key`, returning the previous first row.
    mutating func replace(_ key: Key, with row: Int) -> Int?
    func first(_ key: Key) -> Int?
}

/// One-value keys: integers through an open-addressing table, other values a dictionary.
struct SingleKeyIndex: JoinKeyIndex {
    private var integers: IntegerTable
    private var others: [Value: Int] = [:]

    init(capacity: Int) { integers = IntegerTable(capacity: capacity) }

    mutating func replace(_ key: Value, with row: Int) -> Int? {
        if case .integer(let i) = key { return integers.replace(i, with: row) }
        return others.updateValue(row, forKey: key)
    }

    @inline(__always)
    func first(_ key: Value) -> Int? {
        if case .integer(let i) = key { return integers.find(i) }
        return others.isEmpty ? nil : others[key]
    }
}

/// Multi-column keys.
struct CompositeKeyIndex: JoinKeyIndex {
    private var rows: [[Value]: Int] = [:]
    init(capacity: Int) { rows.reserveCapacity(capacity) }
    mutating func replace(_ key: [Value], with row: Int) -> Int? { rows.updateValue(row, forKey: key) }
    func first(_ key: [Value]) -> Int? { rows[key] }
}

/// The build side of a hash join: its rows copied into one flat array
/// (`width` values per row, so a probe reads contiguous memory rather than
/// chasing a row object), an index from key to the first row holding it,
/// and `next` chaining the others in input order.
struct JoinHashTable<Index: JoinKeyIndex> {
    private var index: Index
    private(set) var next: [Int]
    private var flat: [Value] = []
    let width: Int
    private(set) var isEmpty = true

    init(_ rows: [Row], width: Int, _ key: (Row) throws(SQLError) -> Index.Key?) throws(SQLError) {
        self.width = width
        index = Index(capacity: rows.count)
        next = [Int](repeating: -1, count: rows.count)
        flat.reserveCapacity(rows.count * width)
        for row in rows {
            flat.append(contentsOf: row.prefix(width))
            if row.count < width { flat.append(contentsOf: repeatElement(Value.null, count: width - row.count)) }
        }
        for i in rows.indices.reversed() {
            guard let k = try key(rows[i]) else { continue }
            isEmpty = false
            if let previous = index.replace(k, with: i) { next[i] = previous }
        }
    }

    /// The first row index with `key`, or -1.
    @inline(__always)
    func first(_ key: Index.Key) -> Int { index.first(key) ?? -1 }

    /// The values of build row `i`.
    @inline(__always)
    func row(_ i: Int) -> ArraySlice<Value> { flat[i * width..<(i + 1) * width] }
}
