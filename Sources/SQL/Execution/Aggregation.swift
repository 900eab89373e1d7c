import Core

/// Running state of one aggregate over one group.
struct Accumulator {
    let call: AggregateCall
    private var count: Int64 = 0
    private var integerSum: Int64 = 0
    private var doubleSum: Double = 0
    private var sawDouble = false
    /// The element-wise sums of vectors: avg(vector) accumulates in double,
    /// sum(vector) in float4 (as pgvector's vector_accum and vector_add do).
    private var vectorSum: [Double] = []
    private var vectorFloatSum: [Float] = []
    private var extreme: Value = .null
    private var seen: ValueNumbering?
    private var pieces: [String] = []
    /// UTF-8 bytes in `pieces` (string_agg), against the text size limit.
    private var piecesBytes = 0
    private var flag: Bool?
    private var documents: [JSONDocument] = []
    private var members: [JSONDocument.Member] = []
    /// The input rows of a call with ORDER BY, fed in order by `finish`.
    private var ordered: [Row] = []

    init(_ call: AggregateCall) {
        self.call = call
        if call.distinct { seen = ValueNumbering() }
    }

    /// Adds a piece of text, keeping count of the bytes held.
    private mutating func append(_ piece: String) {
        pieces.append(piece)
        piecesBytes += piece.utf8.count
    }

    mutating func add(_ row: Row, _ env: Environment) throws(SQLError) {
        try add(row, env, argument: call.argument?.evaluate(row, env))
    }

    /// Adds a row whose argument value is already computed (nil for `count(*)`).
    mutating func add(_ row: Row, _ env: Environment, argument: Value?) throws(SQLError) {
        if !call.orderBy.isEmpty { ordered.append(row); return }
        guard let v = argument else { count += 1; return }
        if v.isNull && call.function != .arrayAgg && call.function != .jsonbAgg && call.function != .jsonbObjectAgg { return }
        if seen != nil, !seen!.number(v).isNew { return }
        count += 1
        switch call.function {
        case .count: break
        case .sum, .avg:
            switch v {
            case .integer(let i):
                let (s, overflow) = integerSum.addingReportingOverflow(i)
                if overflow {
                    guard call.function == .avg else { throw Casts.outOfRange(.bigint) }
                    sawDouble = true; doubleSum += Double(integerSum) + Double(i); integerSum = 0
                } else {
                    integerSum = s
                }
            case .double(let d): sawDouble = true; doubleSum += d
            case .vector(let v) where call.function == .sum:
                if vectorFloatSum.isEmpty { vectorFloatSum = v; break }
                vectorFloatSum = try VectorFunctions.elementwise(.vectorAdd, vectorFloatSum, v)
            case .vector(let v):
                if vectorSum.isEmpty { vectorSum = [Double](repeating: 0, count: v.count) }
                guard v.count == vectorSum.count else { throw VectorFunctions.differentDimensions(vectorSum.count, v.count) }
                for i in v.indices { vectorSum[i] += Double(v[i]) }
            default: throw SQLError(SQLState.undefinedFunction, "function \(call.function.rawValue)(\(Casts.typeName(v))) does not exist")
            }
        case .min:
            if extreme.isNull || Value.order(v, extreme) < 0 { extreme = v }
        case .max:
            if extreme.isNull || Value.order(v, extreme) > 0 { extreme = v }
        case .stringAgg:
            let separator = try call.extra?.evaluate(row, env)
            if !pieces.isEmpty, let separator, !separator.isNull { append(separator.description) }
            append(v.description)
            // PostgreSQL's limit on a text value (1 GB), as repeat() has.
            guard piecesBytes < 1 << 30 else { throw SQLError("54000", "string_agg result exceeds the maximum text size (1 GB)") }
        case .arrayAgg:
            pieces.append(v.isNull ? "NULL" : Self.arrayElement(v))
        case .jsonbAgg:
            documents.append(try JSONFunctions.document(of: v))
        case .jsonbObjectAgg:
            guard !v.isNull else { throw SQLError(SQLState.invalidParameterValue, "field name must not be null") }
            let value = try call.extra?.evaluate(row, env) ?? .null
            members.append(JSONDocument.Member(v.description, try JSONFunctions.document(of: value)))
        case .boolAnd, .boolOr:
            guard case .boolean(let b) = v else { throw SQLError(SQLState.datatypeMismatch, "argument of \(call.function.rawValue) must be boolean") }
            flag = call.function == .boolAnd ? (flag ?? true) && b : (flag ?? false) || b
        }
    }

    /// The result once every row is in: a call with ORDER BY first feeds
    /// its rows in that order (stable, so ties keep their input order).
    func finish(_ env: Environment) throws(SQLError) -> Value {
        guard !call.orderBy.isEmpty else { return result }
        var unordered = call
        unordered.orderBy = []
        var replay = Accumulator(unordered)
        for row in try Sorting.sort(ordered, call.orderBy, env) {
            try replay.add(row, env, argument: try call.argument?.evaluate(row, env))
        }
        return replay.result
    }

    var result: Value {
        switch call.function {
        case .count: return .integer(count)
        case .sum:
            if count == 0 { return .null }
            if !vectorFloatSum.isEmpty { return .vector(vectorFloatSum) }
            return sawDouble || call.resultType == .double ? .double(doubleSum + Double(integerSum)) : .integer(integerSum)
        case .avg:
            if count == 0 { return .null }
            if !vectorSum.isEmpty { return .vector(vectorSum.map { Float($0 / Double(count)) }) }
            return .double((doubleSum + Double(integerSum)) / Double(count))
        case .min, .max: return extreme
        case .stringAgg: return count == 0 ? .null : .text(pieces.joined())
        case .arrayAgg: return pieces.isEmpty ? .null : .text("{" + pieces.joined(separator: ",") + "}")
        case .boolAnd, .boolOr: return flag.map(Value.boolean) ?? .null
        case .jsonbAgg: return count == 0 ? .null : .json(.array(documents))
        case .jsonbObjectAgg: return count == 0 ? .null : .json(JSONDocument.object(members).normalized())
        }
    }

    /// PostgreSQL's array element text: quoted when it holds special characters.
    static func arrayElement(_ v: Value) -> String {
        let text = v.description
        // Any type's text may need it (a vector's has commas, a timestamp's a space).
        var quoted = text.contains(where: { " ,{}\"\\".contains($0) })
        if case .text = v, text.isEmpty || text.uppercased() == "NULL" { quoted = true }
        if quoted {
            return "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        }
        return text
    }
}

enum Aggregation {
    /// Groups the rows `input` produces by `keys` (hash aggregation, groups
    /// in first-seen order) and returns one row per group: key values then
    /// aggregate results. Without GROUP BY there is exactly one group, even
    /// over no rows.
    static func run(keys: [BoundExpression], calls: [AggregateCall], env: Environment, context: ExecutionContext,
                    input: (_ sink: (Row) throws(SQLError) -> Void) throws(SQLError) -> Void) throws(SQLError) -> [Row] {
        let arguments = calls.map { $0.argument?.compiled() }
        // FILTER (WHERE …): a row the filter drops is not evaluated for the call at all.
        let filters = calls.map { $0.filter?.compiledPredicate() }
        if keys.isEmpty {
            var accumulators = calls.map(Accumulator.init)
            var n = 0
            try input { (row) throws(SQLError) in
                n += 1
                if n & 4095 == 0 { try context.checkDeadline() }
                for i in accumulators.indices {
                    if let filter = filters[i], try !filter(row, env) { continue }
                    try accumulators[i].add(row, env, argument: arguments[i]?(row, env))
                }
            }
            var results: Row = []
            for accumulator in accumulators { results.append(try accumulator.finish(env)) }
            return [results]
        }
        let compiledKeys = keys.map { $0.compiled() }
        if keys.count == 1 {
            let key = compiledKeys[0]
            return try group(input, calls, arguments, filters, env, context, numbering: ValueNumbering.self,
                             key: { (row) throws(SQLError) in try key(row, env) }, keyValues: { [$0] })
        }
        return try group(input, calls, arguments, filters, env, context, numbering: CompositeNumbering.self,
                         key: { (row) throws(SQLError) -> [Value] in
            var key: [Value] = []
            key.reserveCapacity(compiledKeys.count)
            for k in compiledKeys { key.append(try k(row, env)) }
            return key
        }, keyValues: { $0 })
    }

    /// Hash aggregation with groups in first-seen order: each key gets a
    /// dense group number, and the accumulators of group g are the
    /// `calls.count` entries from `g * calls.count` of one flat array.
    private static func group<Numbering: KeyNumbering>(
        _ input: (_ sink: (Row) throws(SQLError) -> Void) throws(SQLError) -> Void,
        _ calls: [AggregateCall], _ arguments: [CompiledExpression?], _ filters: [CompiledPredicate?],
        _ env: Environment, _ context: ExecutionContext,
        numbering: Numbering.Type,
        key: @escaping (Row) throws(SQLError) -> Numbering.Key,
        keyValues: (Numbering.Key) -> [Value]) throws(SQLError) -> [Row] {
        var groups = Numbering(capacity: 0)
        var keysInOrder: [Numbering.Key] = []
        let fresh = calls.map(Accumulator.init)
        let width = calls.count
        var states: [Accumulator] = []
        var n = 0
        try input { (row) throws(SQLError) in
            n += 1
            if n & 4095 == 0 { try context.checkDeadline() }
            let k = try key(row)
            let (index, isNew) = groups.number(k)
            if isNew {
                keysInOrder.append(k)
                states.append(contentsOf: fresh)
            }
            let base = index * width
            for i in 0..<width {
                if let filter = filters[i], try !filter(row, env) { continue }
                try states[base + i].add(row, env, argument: arguments[i]?(row, env))
            }
        }
        var out: [Row] = []
        out.reserveCapacity(keysInOrder.count)
        for (g, k) in keysInOrder.enumerated() {
            var row = keyValues(k)
            for state in states[g * width..<(g + 1) * width] { row.append(try state.finish(env)) }
            out.append(row)
        }
        return out
    }
}
