import Core

/// One window function call: `name(args) OVER (PARTITION BY … ORDER BY … frame)`.
struct WindowCall {
    enum Function {
        case rowNumber, rank, denseRank, percentRank, cumeDist, ntile
        case lag, lead, firstValue, lastValue, nthValue
        case aggregate(AggregateCall)
    }
    var function: Function
    var arguments: [BoundExpression]
    var partitionBy: [BoundExpression]
    var orderBy: [PlanSortKey]
    var frame: WindowFrame?
    var frameStart: BoundExpression?
    var frameEnd: BoundExpression?
}

/// Computes window functions: rows are split into partitions, each sorted
/// by the window's ORDER BY; results are appended to the rows in input order.
enum Windows {
    static func run(_ rows: [Row], _ calls: [WindowCall], _ env: Environment) throws(SQLError) -> [Row] {
        var columns: [[Value]] = []
        for call in calls { columns.append(try compute(rows, call, env)) }
        var output = rows
        for i in output.indices {
            output[i].reserveCapacity(output[i].count + columns.count)
            for column in columns { output[i].append(column[i]) }
        }
        return output
    }

    /// One window function's value for every input row. Rows are grouped
    /// into partitions by a counting sort on partition number (first-seen
    /// order), each partition's index range is sorted by the ORDER BY keys,
    /// evaluated once per row into one flat array.
    private static func compute(_ rows: [Row], _ call: WindowCall, _ env: Environment) throws(SQLError) -> [Value] {
        let partitionOf = try partitionNumbers(rows, call.partitionBy, env)
        let partitionCount = (partitionOf.max() ?? -1) + 1
        var starts = [Int](repeating: 0, count: partitionCount + 1)
        for p in partitionOf { starts[p + 1] += 1 }
        for p in 0..<partitionCount { starts[p + 1] += starts[p] }
        var members = [Int](repeating: 0, count: rows.count)
        var cursor = starts
        for (i, p) in partitionOf.enumerated() { members[cursor[p]] = i; cursor[p] += 1 }

        let width = call.orderBy.count
        var sortKeys: [Value] = []
        if width > 0 {
            sortKeys.reserveCapacity(rows.count * width)
            for row in rows { for s in call.orderBy { sortKeys.append(try s.expression.evaluate(row, env)) } }
        }
        let needsKeys = width > 0 && !call.function.isPositional
        var result = [Value](repeating: .null, count: rows.count)
        for p in 0..<partitionCount {
            let range = starts[p]..<starts[p + 1]
            if width > 0 {
                sortKeys.withUnsafeBufferPointer { keys in
                    members[range].sort { a, b in
                        for k in 0..<width {
                            let c = Sorting.compare(keys[a * width + k], keys[b * width + k], call.orderBy[k])
                            if c != 0 { return c < 0 }
                        }
                        return a < b
                    }
                }
            }
            let sorted = Array(members[range])
            let keys: [[Value]] = needsKeys ? sorted.map { Array(sortKeys[$0 * width..<($0 + 1) * width]) } : []
            try fill(&result, sorted, keys, rows, call, env)
        }
        return result
    }

    /// Each row's partition number, numbered in order of first appearance.
    private static func partitionNumbers(_ rows: [Row], _ partitionBy: [BoundExpression], _ env: Environment) throws(SQLError) -> [Int] {
        if partitionBy.isEmpty { return [Int](repeating: 0, count: rows.count) }
        var numbers: [Int] = []
        numbers.reserveCapacity(rows.count)
        if partitionBy.count == 1 {
            var seen = ValueNumbering()
            for row in rows { numbers.append(seen.number(try partitionBy[0].evaluate(row, env)).number) }
            return numbers
        }
        var seen: [[Value]: Int] = [:]
        for row in rows {
            var key: [Value] = []
            key.reserveCapacity(partitionBy.count)
            for e in partitionBy { key.append(try e.evaluate(row, env)) }
            if let n = seen[key] { numbers.append(n) } else { seen[key] = seen.count; numbers.append(seen.count - 1) }
        }
        return numbers
    }

    /// Index of the first peer (same ORDER BY values) of each position, and of the last.
    private static func peers(_ keys: [[Value]], _ count: Int, _ call: WindowCall) -> (first: [Int], last: [Int]) {
        var first = [Int](repeating: 0, count: count), last = [Int](repeating: count - 1, count: count)
        guard !keys.isEmpty else { return (first, last) }
        func same(_ a: Int, _ b: Int) -> Bool {
            zip(keys[a], keys[b]).enumerated().allSatisfy { Sorting.compare($0.element.0, $0.element.1, call.orderBy[$0.offset]) == 0 }
        }
        for p in 0..<count { first[p] = p > 0 && same(p, p - 1) ? first[p - 1] : p }
        for p in stride(from: count - 1, through: 0, by: -1) { last[p] = p < count - 1 && same(p, p + 1) ? last[p + 1] : p }
        return (first, last)
    }

    private static func fill(_ result: inout [Value], _ members: [Int], _ keys: [[Value]], _ rows: [Row],
                             _ call: WindowCall, _ env: Environment) throws(SQLError) {
        let n = members.count
        let (firstPeer, lastPeer) = peers(keys, n, call)
        func argument(_ k: Int, _ p: Int) throws(SQLError) -> Value {
            k < call.arguments.count ? try call.arguments[k].evaluate(rows[members[p]], env) : .null
        }
        switch call.function {
        case .rowNumber:
            for p in 0..<n { result[members[p]] = .integer(Int64(p + 1)) }
        case .rank:
            for p in 0..<n { result[members[p]] = .integer(Int64(firstPeer[p] + 1)) }
        case .denseRank:
            var rank: Int64 = 0
            for p in 0..<n {
                if firstPeer[p] == p { rank += 1 }
                result[members[p]] = .integer(rank)
            }
        case .percentRank:
            for p in 0..<n { result[members[p]] = .double(n > 1 ? Double(firstPeer[p]) / Double(n - 1) : 0) }
        case .cumeDist:
            for p in 0..<n { result[members[p]] = .double(Double(lastPeer[p] + 1) / Double(n)) }
        case .ntile:
            for p in 0..<n {
                guard case .integer(let buckets) = try argument(0, p), buckets > 0 else {
                    throw SQLError("22014", "argument of ntile must be greater than zero")
                }
                let b = Int(buckets), size = n / b, extra = n % b
                let boundary = extra * (size + 1)
                let bucket = p < boundary ? p / (size + 1) : extra + (p - boundary) / max(size, 1)
                result[members[p]] = .integer(Int64(bucket + 1))
            }
        case .lag, .lead:
            for p in 0..<n {
                var offset = 1
                if call.arguments.count > 1, case .integer(let o) = try argument(1, p) { offset = Int(o) }
                let (target, overflow) = call.function.isLag ? p.subtractingReportingOverflow(offset)
                    : p.addingReportingOverflow(offset)
                if overflow {  // an offset past every row
                    result[members[p]] = try argument(2, p)
                    continue
                }
                if target >= 0 && target < n {
                    result[members[p]] = try argument(0, target)
                } else {
                    result[members[p]] = try argument(2, p)
                }
            }
        case .firstValue, .lastValue, .nthValue:
            for p in 0..<n {
                let (start, end) = try frameBounds(p, n, firstPeer, lastPeer, call, rows[members[p]], env, keys)
                var target: Int?
                switch call.function {
                case .firstValue: target = start <= end ? start : nil
                case .lastValue: target = start <= end ? end : nil
                default:
                    // (k − 1 against the frame's width: start + k overflows for k near Int64.max.)
                    if case .integer(let k) = try argument(1, p), k >= 1, Int(k) - 1 <= end - start { target = start + Int(k) - 1 }
                }
                result[members[p]] = try target.map { (t) throws(SQLError) in try argument(0, t) } ?? .null
            }
        case .aggregate(let aggregateCall):
            try fillAggregate(&result, members, rows, aggregateCall, firstPeer, lastPeer, call, env, keys)
        }
    }

    private static func fillAggregate(_ result: inout [Value], _ members: [Int], _ rows: [Row], _ aggregate: AggregateCall,
                                      _ firstPeer: [Int], _ lastPeer: [Int], _ call: WindowCall,
                                      _ env: Environment, _ keys: [[Value]]) throws(SQLError) {
        let n = members.count
        let cumulative = call.frame == nil || call.frame!.start == .unboundedPreceding
        if cumulative {
            var accumulator = Accumulator(aggregate)
            var added = 0
            for p in 0..<n {
                let (_, end) = try frameBounds(p, n, firstPeer, lastPeer, call, rows[members[p]], env, keys)
                while added <= end { try accumulator.add(rows[members[added]], env); added += 1 }
                result[members[p]] = accumulator.result
            }
            return
        }
        for p in 0..<n {
            let (start, end) = try frameBounds(p, n, firstPeer, lastPeer, call, rows[members[p]], env, keys)
            var accumulator = Accumulator(aggregate)
            if start <= end { for q in start...end { try accumulator.add(rows[members[q]], env) } }
            result[members[p]] = accumulator.result
        }
    }

    /// The frame of position `p` as inclusive indices into the sorted partition.
    /// Default: whole partition without ORDER BY, else RANGE UNBOUNDED PRECEDING
    /// to the last peer of the current row.
    private static func frameBounds(_ p: Int, _ n: Int, _ firstPeer: [Int], _ lastPeer: [Int], _ call: WindowCall,
                                    _ row: Row, _ env: Environment, _ keys: [[Value]]) throws(SQLError) -> (Int, Int) {
        guard let frame = call.frame else {
            return call.orderBy.isEmpty ? (0, n - 1) : (0, lastPeer[p])
        }
        func offset(_ e: BoundExpression?) throws(SQLError) -> Int {
            guard let e, case .integer(let k) = try Casts.cast(e.evaluate(row, env), to: .bigint), k >= 0 else {
                throw SQLError("22013", "frame starting or ending offset must be a non-negative integer")
            }
            return Int(clamping: k)
        }
        func position(_ bound: WindowFrame.Bound, _ e: BoundExpression?, isStart: Bool) throws(SQLError) -> Int {
            switch bound {
            case .unboundedPreceding: return 0
            case .unboundedFollowing: return n - 1
            case .currentRow:
                if frame.units == .rows { return p }
                return isStart ? firstPeer[p] : lastPeer[p]
            case .preceding, .following:
                let k = try offset(e)
                let forward: Bool = if case .following = bound { true } else { false }
                switch frame.units {
                case .rows:  // saturating: an offset past every row is the partition's end
                    let (position, overflow) = forward ? p.addingReportingOverflow(k) : p.subtractingReportingOverflow(k)
                    return overflow ? (forward ? Int.max : Int.min) : position
                case .groups:
                    return try groupPosition(p, k, forward: forward, isStart: isStart)
                case .range:
                    return try rangePosition(p, Double(k), forward: forward, isStart: isStart)
                }
            }
        }
        /// RANGE n PRECEDING/FOLLOWING: by value of the single ORDER BY key.
        func rangePosition(_ p: Int, _ delta: Double, forward: Bool, isStart: Bool) throws(SQLError) -> Int {
            guard call.orderBy.count == 1, let current = number(keys[p][0]) else {
                throw SQLError("42P20", "RANGE with offset PRECEDING/FOLLOWING requires exactly one numeric ORDER BY column")
            }
            let descending = call.orderBy[0].descending
            let target = (forward != descending) ? current + delta : current - delta
            func inside(_ q: Int) -> Bool {
                guard let v = number(keys[q][0]) else { return false }
                if isStart { return descending ? v <= target : v >= target }
                return descending ? v >= target : v <= target
            }
            if isStart {
                var q = 0
                while q < n && !inside(q) { q += 1 }
                return q
            }
            var q = n - 1
            while q >= 0 && !inside(q) { q -= 1 }
            return q
        }
        func groupPosition(_ p: Int, _ k: Int, forward: Bool, isStart: Bool) throws(SQLError) -> Int {
            var groupStart = firstPeer[p]
            var steps = k
            if forward {
                var end = lastPeer[p]
                while steps > 0 && end + 1 < n { end = lastPeer[end + 1]; steps -= 1 }
                return isStart ? firstPeer[end] : end
            }
            while steps > 0 && groupStart > 0 { groupStart = firstPeer[groupStart - 1]; steps -= 1 }
            return isStart ? groupStart : lastPeer[groupStart]
        }
        let start = max(0, try position(frame.start, call.frameStart, isStart: true))
        let end = min(n - 1, try position(frame.end, call.frameEnd, isStart: false))
        return (start, end)
    }
}

private func number(_ v: Value) -> Double? {
    switch v {
    case .integer(let i): Double(i)
    case .double(let d): d
    default: nil
    }
}

extension WindowCall.Function {
    var isLag: Bool { if case .lag = self { true } else { false } }
    /// Functions that depend only on row positions, not on peers or frames.
    var isPositional: Bool {
        switch self {
        case .rowNumber, .ntile, .lag, .lead: true
        default: false
        }
    }
}
