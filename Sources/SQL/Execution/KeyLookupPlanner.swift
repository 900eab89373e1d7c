import Core

/// Chooses point lookups by primary key when the WHERE clause pins every
/// key column to constants (`id = 5`, `id = $1`, `id IN (1, 2)`,
/// `a = 1 AND b = 'x'`). The whole WHERE clause is still applied to the rows
/// found, so the choice never changes a result, only its cost.
enum KeyLookupPlanner {
    static func source(for table: TableSchema, where clause: Expression?, parameters: [Value]) -> RowSource {
        guard let clause, !table.primaryKey.isEmpty else { return .scan(table) }
        var candidates: [Int: [Value]] = [:]
        for conjunct in conjuncts(clause) {
            guard let (column, values) = pinned(conjunct, table: table, parameters: parameters) else { continue }
            if candidates[column] == nil { candidates[column] = values }
        }
        var keys: [[Value]] = [[]]
        for column in table.primaryKey {
            guard let values = candidates[column] else { return .scan(table) }
            keys = keys.flatMap { prefix in values.map { prefix + [$0] } }
            if keys.count > 1024 { return .scan(table) }
        }
        return .keyLookup(table, keys.map(RowKey.init))
    }

    private static func conjuncts(_ e: Expression) -> [Expression] {
        if case let .binary(.and, l, r, _) = e { return conjuncts(l) + conjuncts(r) }
        return [e]
    }

    /// `column = constant` or `column IN (constants)` → the column and its
    /// candidate key values, converted exactly to the column's type.
    private static func pinned(_ e: Expression, table: TableSchema, parameters: [Value]) -> (Int, [Value])? {
        switch e {
        case let .binary(.equal, .column(qualifier, name, _), other, _),
             let .binary(.equal, other, .column(qualifier, name, _), _):
            _ = qualifier
            guard let column = table.columnIndex(name), let value = constant(other, parameters),
                  let key = exact(value, table.columns[column].type) else { return nil }
            return (column, [key])
        case let .inList(.column(_, name, _), items, false, _):
            guard let column = table.columnIndex(name) else { return nil }
            var values: [Value] = []
            for item in items {
                guard let value = constant(item, parameters) else { return nil }
                if value.isNull { continue }
                guard let key = exact(value, table.columns[column].type) else { return nil }
                values.append(key)
            }
            return (column, values)
        default:
            return nil
        }
    }

    private static func constant(_ e: Expression, _ parameters: [Value]) -> Value? {
        switch e {
        case .literal(let v, _): return v
        case .parameter(let n, _): return n >= 1 && n <= parameters.count ? parameters[n - 1] : nil
        default: return nil
        }
    }

    /// The value as a key of `type`, only when the conversion loses nothing.
    private static func exact(_ value: Value, _ type: DataType) -> Value? {
        guard !value.isNull, let converted = try? Casts.cast(value, to: type) else { return nil }
        if case .text = value, type != .text { return converted }
        return Value.order(converted, value) == 0 ? converted : nil
    }
}
