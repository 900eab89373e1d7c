import Core

/// The hottest OLTP statement — `SELECT columns FROM t WHERE pk = $n`
/// (or a literal) — answered by one primary-key lookup without planning.
/// Only exactly that shape qualifies; anything else (or a key value that
/// does not convert exactly) goes through the planner, which gives the same
/// answer and the proper errors.
enum PointSelect {
    static func run(_ query: Query, on data: any SQLDataAccess, context: ExecutionContext) -> StatementResult? {
        guard query.with.isEmpty, query.orderBy.isEmpty, query.limit == nil, query.offset == nil,
              case .select(let select) = query.body, !select.distinct, select.distinctOn.isEmpty,
              select.groupBy.isEmpty, select.having == nil, select.windows.isEmpty, select.from.count == 1,
              case .table(let reference) = select.from[0], reference.columnAliases == nil, reference.temporal == nil,
              case let .binary(.equal, left, right, _)? = select.whereClause,
              let table = data.table(named: reference.name), !table.isView, table.primaryKey.count == 1
        else { return nil }
        let label = reference.alias ?? reference.name
        func keyColumn(_ e: Expression) -> Bool {
            guard case let .column(qualifier, name, _) = e, qualifier == nil || qualifier == label else { return false }
            return table.columnIndex(name) == table.primaryKey[0]
        }
        func constant(_ e: Expression) -> Value? {
            switch e {
            case .literal(let v, _): return v
            case .parameter(let n, _): return n >= 1 && n <= context.parameters.count ? context.parameters[n - 1] : nil
            default: return nil
            }
        }
        let probe: Value?
        if keyColumn(left) { probe = constant(right) } else if keyColumn(right) { probe = constant(left) } else { return nil }
        guard let probe, let key = KeyLookupPlanner.exact(probe, table.columns[table.primaryKey[0]].type) else { return nil }
        var slots: [Int] = [], names: [String] = [], types: [DataType] = []
        for item in select.items {
            switch item {
            case .wildcard(let qualifier, _):
                guard qualifier == nil || qualifier == label else { return nil }
                for (i, c) in table.columns.enumerated() { slots.append(i); names.append(c.name); types.append(c.type) }
            case let .expression(.column(qualifier, name, _), alias):
                guard qualifier == nil || qualifier == label, let i = table.columnIndex(name) else { return nil }
                slots.append(i); names.append(alias ?? name); types.append(table.columns[i].type)
            default:
                return nil
            }
        }
        var rows: [Row] = []
        if let row = data.get(table, key: RowKey(key)) { rows.append(slots.map { row[$0] }) }
        return StatementResult(statementType: "SELECT", columns: names, columnTypes: types, rows: rows)
    }
}
