import Core

/// The running aggregates of one group of a maintained view: the row
/// count, and per aggregate its running value (sum, extreme, or for a
/// DISTINCT aggregate its result) and how many non-null inputs it has.
struct GroupState {
    let calls: [AggregateCall]
    private(set) var count: Int64 = 0
    private var values: [Value]
    private var nonNull: [Int64]
    /// Present for DISTINCT aggregates of a group built from scratch; a
    /// group read back from the view cannot maintain them (nil).
    private var distinct: [Accumulator?]
    /// For min/max: the extreme a removed row held (nil: none removed), and
    /// the best value added since. A lost extreme is replaced by the best
    /// added one when that is at least as extreme; otherwise the group is
    /// recomputed (see `settled`).
    private var lostExtreme: [Value?]
    private var bestAdded: [Value]

    /// What `add` and `remove` read of each aggregate, prepared once per
    /// refresh: compiled arguments, and no copy of the calls per row.
    struct Inputs {
        let functions: [AggregateFunction]
        let distinct: [Bool]
        let arguments: [ValueReader?]

        init(_ calls: [AggregateCall]) {
            functions = calls.map(\.function)
            distinct = calls.map(\.distinct)
            arguments = calls.map { $0.argument.map(ValueReader.init) }
        }
    }

    init(_ calls: [AggregateCall]) {
        self.calls = calls
        values = Array(repeating: .null, count: calls.count)
        nonNull = Array(repeating: 0, count: calls.count)
        distinct = calls.map { $0.distinct ? Accumulator($0) : nil }
        lostExtreme = Array(repeating: nil, count: calls.count)
        bestAdded = Array(repeating: .null, count: calls.count)
    }

    /// A group as stored in the view's row, from `offset` (its `__count`).
    init(stored row: Row, calls: [AggregateCall], at offset: Int) {
        self.calls = calls
        if case .integer(let n) = row[offset] { count = n }
        values = calls.indices.map { row[offset + 1 + 2 * $0] }
        nonNull = calls.indices.map { if case .integer(let n) = row[offset + 2 + 2 * $0] { n } else { 0 } }
        distinct = calls.map { _ in nil }
        lostExtreme = Array(repeating: nil, count: calls.count)
        bestAdded = Array(repeating: .null, count: calls.count)
    }

    /// Adds a row's contribution; false when this group cannot (a DISTINCT
    /// aggregate read back from the view) and must be recomputed.
    mutating func add(_ row: Row, _ env: Environment, _ inputs: Inputs) throws(SQLError) -> Bool {
        count += 1
        var maintained = true
        for j in inputs.functions.indices {
            let v = try inputs.arguments[j]?(row, env)
            if inputs.distinct[j] {
                if distinct[j] == nil { maintained = false } else { try distinct[j]!.add(row, env, argument: v) }
                continue
            }
            guard let v, !v.isNull else { continue }
            nonNull[j] += 1
            switch inputs.functions[j] {
            case .sum, .avg: values[j] = try Self.plus(values[j], v, inputs.functions[j])
            case .min:
                if values[j].isNull || Value.order(v, values[j]) < 0 { values[j] = v }
                if bestAdded[j].isNull || Value.order(v, bestAdded[j]) < 0 { bestAdded[j] = v }
            case .max:
                if values[j].isNull || Value.order(v, values[j]) > 0 { values[j] = v }
                if bestAdded[j].isNull || Value.order(v, bestAdded[j]) > 0 { bestAdded[j] = v }
            default: break
            }
        }
        return maintained
    }

    /// False when a removed extreme was not matched by an added value at
    /// least as extreme: the group must then be recomputed.
    var settled: Bool {
        for (j, call) in calls.enumerated() {
            guard let lost = lostExtreme[j], nonNull[j] > 0 else { continue }
            if bestAdded[j].isNull { return false }
            let order = Value.order(bestAdded[j], lost)
            if call.function == .max ? order < 0 : order > 0 { return false }
        }
        return true
    }

    /// Takes a row's contribution away; false when the group must be
    /// recomputed (its extreme was removed, or a DISTINCT aggregate).
    mutating func remove(_ row: Row, _ env: Environment, _ inputs: Inputs) throws(SQLError) -> Bool {
        count -= 1
        var maintained = true
        for j in inputs.functions.indices {
            if inputs.distinct[j] { maintained = false; continue }
            guard let v = try inputs.arguments[j]?(row, env), !v.isNull else { continue }
            nonNull[j] -= 1
            if nonNull[j] == 0 { values[j] = .null; lostExtreme[j] = nil; bestAdded[j] = .null; continue }
            switch inputs.functions[j] {
            case .sum, .avg: values[j] = try Self.plus(values[j], Self.negated(v), inputs.functions[j])
            case .min, .max:
                // The extreme left: settled later against what is added.
                if Value.order(v, values[j]) == 0, lostExtreme[j] == nil { lostExtreme[j] = v }
                if let lost = lostExtreme[j], Value.order(v, lost) == 0 { lostExtreme[j] = v }
            default: break
            }
        }
        return maintained
    }

    /// The aggregates' values, as the planner's aggregate operator gives them.
    var results: [Value] {
        calls.enumerated().map { j, call in
            if let accumulator = distinct[j] { return accumulator.result }
            if call.distinct { return values[j] }
            switch call.function {
            case .count: return .integer(call.argument == nil ? count : nonNull[j])
            case .sum:
                guard nonNull[j] > 0 else { return .null }
                return call.resultType == .double ? .double(Self.double(values[j])) : values[j]
            case .avg:
                guard nonNull[j] > 0 else { return .null }
                return .double(Self.double(values[j]) / Double(nonNull[j]))
            default:
                return nonNull[j] > 0 ? values[j] : .null
            }
        }
    }

    /// Appends the bookkeeping columns: `__count`, then `__a<j>`, `__n<j>`
    /// per aggregate; `finished` is `results`.
    func appendStored(to row: inout Row, finished: [Value]) {
        row.append(.integer(count))
        for j in calls.indices {
            row.append(calls[j].distinct ? finished[j] : values[j])
            row.append(.integer(nonNull[j]))
        }
    }

    private static func double(_ v: Value) -> Double {
        switch v {
        case .integer(let i): Double(i)
        case .double(let d): d
        default: 0
        }
    }

    private static func negated(_ v: Value) -> Value {
        switch v {
        case .integer(let i): i == .min ? .double(-Double(i)) : .integer(-i)
        case .double(let d): .double(-d)
        default: v
        }
    }

    private static func plus(_ a: Value, _ b: Value, _ function: AggregateFunction) throws(SQLError) -> Value {
        switch (a, b) {
        case (.null, _): return b
        case let (.integer(x), .integer(y)):
            let (sum, overflow) = x.addingReportingOverflow(y)
            if overflow { throw Casts.outOfRange(.bigint) }
            return .integer(sum)
        case (.integer, .double), (.double, .integer), (.double, .double): return .double(double(a) + double(b))
        default:
            throw SQLError(SQLState.undefinedFunction, "function \(function.rawValue)(\(Casts.typeName(b))) does not exist")
        }
    }
}
