import Core

/// Chooses point lookups by primary key when WHERE pins every key column
/// to values known before the scan (`id = 5`, `id = $1`, `id IN (1, 2)`,
/// `a = 1 AND b = 'x'`, or a column of an enclosing query's row). The whole
/// WHERE clause is still applied to the rows found, so the choice never
/// changes a result, only its cost.
enum KeyLookupPlanner {
    /// One list of key expressions per key to look up, or nil when the
    /// conjuncts do not pin the whole key.
    static func keys(for table: TableSchema, label: String?, conjuncts: [Expression],
                     constantBinder: Binder) throws(SQLError) -> [[BoundExpression]]? {
        guard !table.primaryKey.isEmpty else { return nil }
        var candidates: [Int: [BoundExpression]] = [:]
        for conjunct in conjuncts {
            guard let (column, values) = pinned(conjunct, table: table, label: label, constantBinder: constantBinder),
                  candidates[column] == nil else { continue }
            candidates[column] = values
        }
        var keys: [[BoundExpression]] = [[]]
        for column in table.primaryKey {
            guard let values = candidates[column] else { return nil }
            keys = keys.flatMap { prefix in values.map { prefix + [$0] } }
            if keys.count > 4096 { return nil }
        }
        return keys
    }

    private static func pinned(_ e: Expression, table: TableSchema, label: String?,
                               constantBinder: Binder) -> (Int, [BoundExpression])? {
        func column(_ qualifier: String?, _ name: String) -> Int? {
            guard qualifier == nil || qualifier == label else { return nil }
            return table.columnIndex(name)
        }
        func constant(_ e: Expression) -> BoundExpression? {
            guard let (b, t) = try? constantBinder.bind(e) else { return nil }
            _ = t
            if case .subquery = b { return nil }
            return b
        }
        switch e {
        case let .binary(.equal, .column(q, name, _), other, _), let .binary(.equal, other, .column(q, name, _), _):
            guard let i = column(q, name), let value = constant(other) else { return nil }
            return (i, [value])
        case let .inList(.column(q, name, _), items, false, _):
            guard let i = column(q, name) else { return nil }
            var values: [BoundExpression] = []
            for item in items {
                guard let value = constant(item) else { return nil }
                values.append(value)
            }
            return (i, values)
        default:
            return nil
        }
    }

    /// The value as a key of `type`, only when the conversion loses nothing.
    static func exact(_ value: Value, _ type: DataType) -> Value? {
        guard !value.isNull, let converted = try? Casts.cast(value, to: type) else { return nil }
        if case .text = value, type != .text { return converted }
        return Value.order(converted, value) == 0 ? converted : nil
    }

    /// For DML: primary-key lookups from constant WHERE conjuncts, as row keys.
    static func rowKeys(for table: TableSchema, where clause: Expression?, binder: Binder,
                        env: Environment) -> [RowKey]? {
        guard let clause, let keys = try? keys(for: table, label: table.name, conjuncts: Planner.conjuncts(clause),
                                                constantBinder: binder) else { return nil }
        var result: [RowKey] = []
        for expressions in keys {
            var values: [Value] = []
            for (i, e) in expressions.enumerated() {
                guard let v = try? e.evaluate([], env), let exact = exact(v, table.columns[table.primaryKey[i]].type) else {
                    values = []; break
                }
                values.append(exact)
            }
            if !values.isEmpty { result.append(RowKey(values)) }
        }
        return result
    }
}
