import Core

extension SchemaExecutor {
    /// ALTER TABLE: column changes rewrite every row in the transaction, so
    /// old snapshots keep their shape and the change commits atomically.
    func alterTable(_ alter: AlterTable) throws(SQLError) -> StatementResult {
        let result = StatementResult(statementType: "ALTER TABLE")
        guard let table = data.table(named: alter.table) else {
            if alter.ifExists { return result }
            throw SQLError(SQLState.undefinedTable, "relation \"\(alter.table)\" does not exist", position: alter.position)
        }
        if table.isMaterializedView {
            throw SQLError("42809", "\"\(alter.table)\" is a materialized view (use ALTER MATERIALIZED VIEW … SET)", position: alter.position)
        }
        var new = table
        switch alter.action {
        case let .addColumn(definition, ifNotExists):
            if table.columnIndex(definition.name) != nil {
                if ifNotExists { return result }
                throw SQLError(SQLState.duplicateColumn, "column \"\(definition.name)\" of relation \"\(table.name)\" already exists", position: definition.position)
            }
            var column = ColumnSchema(name: definition.name, type: definition.type, notNull: definition.notNull)
            let env = Environment(runner: PlanRunner(data: data, context: context))
            if let e = definition.defaultValue {
                try ColumnDefaults.define(e, on: &column, parameters: context.parameters, env: env)
            }
            if column.notNull && column.defaultValue == nil && column.defaultExpression == nil && !data.scan(table).isEmpty {
                throw SQLError(SQLState.notNullViolation, "column \"\(column.name)\" of relation \"\(table.name)\" contains null values")
            }
            new.columns.append(column)
            // A per-row default fills each existing row with a value of its own.
            let fill = try ColumnDefaults.expression(column)
            try rewrite(table, new) { (row) throws(SQLError) in row + [try Casts.cast(fill.evaluate([], env), to: column.type)] }
        case let .dropColumn(name, ifExists):
            guard let i = table.columnIndex(name) else {
                if ifExists { return result }
                throw SQLError(SQLState.undefinedColumn, "column \"\(name)\" of relation \"\(table.name)\" does not exist", position: alter.position)
            }
            if table.primaryKey.contains(i) {
                throw SQLError("2BP01", "cannot drop column \"\(name)\" because the primary key depends on it", position: alter.position)
            }
            new.columns.remove(at: i)
            new.primaryKey = table.primaryKey.map { $0 > i ? $0 - 1 : $0 }
            new.indexes = table.indexes.filter { !$0.columns.contains(i) }.map {
                var index = $0
                index.columns = index.columns.map { $0 > i ? $0 - 1 : $0 }
                return index
            }
            try rewrite(table, new) { row in
                var r = row
                r.remove(at: i)
                return r
            }
        case let .renameColumn(from, to):
            guard let i = table.columnIndex(from) else {
                throw SQLError(SQLState.undefinedColumn, "column \"\(from)\" does not exist", position: alter.position)
            }
            if table.columnIndex(to) != nil {
                throw SQLError(SQLState.duplicateColumn, "column \"\(to)\" of relation \"\(table.name)\" already exists", position: alter.position)
            }
            new.columns[i].name = to
            try Executor.storage { try data.alterTable(from: table, to: new) }
        case .renameTable(let to):
            new.name = to
            try Executor.storage { try data.alterTable(from: table, to: new) }
        case let .addConstraint(constraint, name):
            switch constraint {
            case let .unique(names, position), let .primaryKey(names, position):
                let index = CreateIndex(name: name, table: table.name, columns: names.map { IndexColumn(name: $0) },
                                        unique: true, position: position)
                return try createIndex(index)
            case let .foreignKey(names, reference, position):
                new = try addForeignKey(names, reference, position: position, name: name, to: table)
            case let .check(condition, position):
                new = try addCheck(condition, position: position, name: name, to: table)
            }
            try Executor.storage { try data.alterTable(from: table, to: new) }
        }
        return result
    }

    /// Writes the new definition and every row transformed by `transform`.
    private func rewrite(_ old: TableSchema, _ new: TableSchema, _ transform: (Row) throws(SQLError) -> Row) throws(SQLError) {
        let rows = data.scan(old)
        try Executor.storage { try data.alterTable(from: old, to: new) }
        for (key, row) in rows {
            let updated = try transform(row)
            try Executor.storage { try data.update(new, key: key, row: updated) }
        }
    }
}

/// UNIQUE constraints are unique indexes; they are checked against the
/// transaction's visible rows (NULLs never collide, as in PostgreSQL).
enum UniqueConstraints {
    static func checkExisting(_ table: TableSchema, _ index: IndexSchema, data: any SQLDataAccess) throws(SQLError) {
        var seen = Set<[Value]>()
        for (_, row) in data.scan(table) {
            let key = index.columns.map { row[$0] }
            if key.contains(where: \.isNull) { continue }
            if !seen.insert(key.map(SubqueryExpression.normalize)).inserted {
                throw violation(table, index, key)
            }
        }
    }

    /// Checks that `row` (about to be written at `key`) does not duplicate
    /// another row on any unique index.
    static func check(_ row: Row, key: RowKey?, table: TableSchema, data: any SQLDataAccess) throws(SQLError) {
        let unique = table.indexes.filter(\.unique)
        guard !unique.isEmpty else { return }
        let existing = data.scan(table)
        for index in unique {
            let values = index.columns.map { row[$0] }
            if values.contains(where: \.isNull) { continue }
            let normalized = values.map(SubqueryExpression.normalize)
            for (otherKey, other) in existing where otherKey != key {
                if index.columns.map({ SubqueryExpression.normalize(other[$0]) }) == normalized {
                    throw violation(table, index, values)
                }
            }
        }
    }

    static func violation(_ table: TableSchema, _ index: IndexSchema, _ values: [Value]) -> SQLError {
        let columns = index.columns.map { table.columns[$0].name }.joined(separator: ", ")
        return SQLError(SQLState.uniqueViolation,
                        "duplicate key value violates unique constraint \"\(index.name)\": Key (\(columns))=(\(values.map(\.description).joined(separator: ", "))) already exists.")
    }
}
