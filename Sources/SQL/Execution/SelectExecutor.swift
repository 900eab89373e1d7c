import Core

/// Where a query's input rows come from.
enum RowSource {
    /// `SELECT` without FROM: one empty row.
    case single
    case scan(TableSchema)
    /// Point lookups by primary key, chosen when WHERE pins every key column.
    case keyLookup(TableSchema, [RowKey])
}

/// Runs a SELECT: source → filter → group/aggregate → having → project →
/// distinct → sort → offset/limit.
struct SelectExecutor {
    let data: any SQLDataAccess
    let context: ExecutionContext

    func run(_ query: Query) throws(SQLError) -> StatementResult {
        guard case .select(let select) = query.body else {
            throw SQLError(SQLState.featureNotSupported, "set operations are not supported yet", position: query.position)
        }
        var scopeColumns: [ScopeColumn] = []
        var source = RowSource.single
        if select.from.count == 1, case .table(let from) = select.from[0] {
            let table = try Executor.table(from.name, in: data, position: from.position)
            let label = from.alias ?? from.name
            scopeColumns = table.columns.map { ScopeColumn(table: label, name: $0.name, type: $0.type) }
            source = KeyLookupPlanner.source(for: table, where: select.whereClause, parameters: context.parameters)
        }
        let binder = Binder(columns: scopeColumns, parameters: context.parameters)
        let filter = try select.whereClause.map { (e) throws(SQLError) in
            let (b, t) = try binder.bind(e)
            return try binder.expectBoolean(b, t, e.position)
        }
        var rows = try fetch(source, filter: filter)

        let aggregating = !select.groupBy.isEmpty || select.items.contains {
            if case .expression(let e, _) = $0 { return Binder.containsAggregate(e) } else { return false }
        } || select.having.map(Binder.containsAggregate) == true
        var groupKeys: [BoundExpression] = []
        if aggregating { groupKeys = try binder.enterAggregation(groupBy: select.groupBy) }

        let projection = try Projection.bind(select, orderBy: query.orderBy, binder: binder, scope: scopeColumns)
        let having = try select.having.map { (e) throws(SQLError) in
            let (b, t) = try binder.bind(e)
            return try binder.expectBoolean(b, t, e.position)
        }
        if aggregating {
            rows = try Aggregation.run(rows, keys: groupKeys, calls: binder.aggregates, context: context)
            if let having { rows = try Self.filter(rows, having) }
        }
        var output: [Row] = []
        output.reserveCapacity(rows.count)
        for row in rows {
            var out: Row = []
            out.reserveCapacity(projection.expressions.count)
            for e in projection.expressions { out.append(try e.evaluate(row)) }
            output.append(out)
        }
        if select.distinct { output = Self.distinct(output) }
        if !projection.order.isEmpty { output = Self.sort(output, projection.order) }
        output = try applyLimit(output, query)
        if projection.hiddenCount > 0 {
            let visible = projection.expressions.count - projection.hiddenCount
            output = output.map { Array($0.prefix(visible)) }
        }
        return StatementResult(statementType: "SELECT", columns: projection.names,
                               columnTypes: projection.types, rows: output)
    }

    func fetch(_ source: RowSource, filter: BoundExpression?) throws(SQLError) -> [Row] {
        var rows: [Row] = []
        switch source {
        case .single:
            rows = [[]]
        case .scan(let table):
            let all = data.scan(table)
            rows.reserveCapacity(filter == nil ? all.count : 16)
            for (n, entry) in all.enumerated() {
                if n & 1023 == 1023 { try context.checkDeadline() }
                rows.append(entry.row)
            }
        case let .keyLookup(table, keys):
            var seen = Set<RowKey>()
            for key in keys where seen.insert(key).inserted {
                if let row = data.get(table, key: key) { rows.append(row) }
            }
        }
        guard let filter else { return rows }
        return try Self.filter(rows, filter)
    }

    static func filter(_ rows: [Row], _ predicate: BoundExpression) throws(SQLError) -> [Row] {
        var kept: [Row] = []
        for row in rows where try predicate.truth(predicate.evaluate(row)) == true { kept.append(row) }
        return kept
    }

    static func distinct(_ rows: [Row]) -> [Row] {
        var seen = Set<Row>()
        return rows.filter { seen.insert($0).inserted }
    }

    /// Stable sort by the given output slots. NULLs sort last ascending and
    /// first descending unless NULLS FIRST/LAST says otherwise.
    static func sort(_ rows: [Row], _ order: [SortKey]) -> [Row] {
        let indexed = rows.enumerated().map { ($0.offset, $0.element) }
        return indexed.sorted { a, b in
            for key in order {
                let x = a.1[key.slot], y = b.1[key.slot]
                if x.isNull || y.isNull {
                    if x.isNull && y.isNull { continue }
                    let nullsFirst = key.nullsFirst ?? key.descending
                    return x.isNull == nullsFirst
                }
                let c = Value.order(x, y)
                if c != 0 { return key.descending ? c > 0 : c < 0 }
            }
            return a.0 < b.0
        }.map(\.1)
    }

    private func applyLimit(_ rows: [Row], _ select: Query) throws(SQLError) -> [Row] {
        let offset = try Self.count(select.offset, parameters: context.parameters, what: "OFFSET", state: "2201X") ?? 0
        let limit = try Self.count(select.limit, parameters: context.parameters, what: "LIMIT", state: "2201W")
        if offset == 0 && (limit == nil || limit! >= rows.count) { return rows }
        let start = min(offset, rows.count)
        let end = limit.map { min(rows.count, start + $0) } ?? rows.count
        return Array(rows[start..<end])
    }

    /// Evaluates a LIMIT/OFFSET expression (constants and parameters only).
    static func count(_ e: Expression?, parameters: [Value], what: String, state: String) throws(SQLError) -> Int? {
        guard let e else { return nil }
        let (bound, _) = try Binder(columns: [], parameters: parameters).bind(e)
        let value = try Casts.cast(bound.evaluate([]), to: .bigint)
        guard case .integer(let n) = value else { return nil }
        guard n >= 0 else { throw SQLError(state, "\(what) must not be negative", position: e.position) }
        return Int(clamping: n)
    }
}

struct SortKey {
    var slot: Int
    var descending: Bool
    var nullsFirst: Bool?
}
