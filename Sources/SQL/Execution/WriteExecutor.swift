import Core

/// INSERT, UPDATE and DELETE, with RETURNING. Values are converted to the
/// column types (assignment casts) and NOT NULL is enforced before storage
/// sees a row; primary-key uniqueness is enforced by storage.
struct WriteExecutor {
    let data: any SQLDataAccess
    let context: ExecutionContext

    func insert(_ insert: Insert) throws(SQLError) -> StatementResult {
        let table = try Executor.table(insert.table, in: data, position: insert.position)
        let targets = try targetColumns(insert, table)
        let binder = Binder(columns: [], parameters: context.parameters)
        var written: [Row] = []
        guard case .values(let tuples) = insert.source else {
            throw SQLError(SQLState.featureNotSupported, "INSERT … SELECT is not supported yet", position: insert.position)
        }
        for tuple in tuples {
            guard tuple.count == targets.count else {
                let message = tuple.count > targets.count ? "INSERT has more expressions than target columns"
                                                          : "INSERT has more target columns than expressions"
                throw SQLError(SQLState.syntaxError, message, position: tuple.first?.position ?? insert.position)
            }
            var row = table.columns.map { $0.defaultValue ?? .null }
            for (target, e) in zip(targets, tuple) {
                let value = try binder.bind(e).0.evaluate([])
                row[target] = try assign(value, to: table.columns[target], position: e.position)
            }
            try checkNotNull(row, table)
            _ = try Executor.storage { try data.insert(table, row: row) }
            written.append(row)
        }
        return try finish("INSERT", table, written, insert.returning)
    }

    private func targetColumns(_ insert: Insert, _ table: TableSchema) throws(SQLError) -> [Int] {
        guard let names = insert.columns else { return Array(table.columns.indices) }
        var targets: [Int] = []
        for name in names {
            guard let i = table.columnIndex(name) else {
                throw SQLError(SQLState.undefinedColumn, "column \"\(name)\" of relation \"\(table.name)\" does not exist",
                               position: insert.position)
            }
            if targets.contains(i) {
                throw SQLError(SQLState.duplicateColumn, "column \"\(name)\" specified more than once", position: insert.position)
            }
            targets.append(i)
        }
        return targets
    }

    func update(_ update: Update) throws(SQLError) -> StatementResult {
        let table = try Executor.table(update.table, in: data, position: update.position)
        let binder = Binder(columns: scope(table), parameters: context.parameters)
        var assignments: [(Int, BoundExpression, Int)] = []
        for assignment in update.assignments {
            guard let i = table.columnIndex(assignment.column) else {
                throw SQLError(SQLState.undefinedColumn,
                               "column \"\(assignment.column)\" of relation \"\(table.name)\" does not exist",
                               position: assignment.position)
            }
            assignments.append((i, try binder.bind(assignment.value).0, assignment.value.position))
        }
        var written: [Row] = []
        for (key, row) in try matching(table, update.whereClause, binder) {
            var newRow = row
            for (i, e, position) in assignments {
                newRow[i] = try assign(try e.evaluate(row), to: table.columns[i], position: position)
            }
            try checkNotNull(newRow, table)
            try Executor.storage { try data.update(table, key: key, row: newRow) }
            written.append(newRow)
        }
        return try finish("UPDATE", table, written, update.returning)
    }

    func delete(_ delete: Delete) throws(SQLError) -> StatementResult {
        let table = try Executor.table(delete.table, in: data, position: delete.position)
        let binder = Binder(columns: scope(table), parameters: context.parameters)
        var removed: [Row] = []
        for (key, row) in try matching(table, delete.whereClause, binder) {
            try Executor.storage { try data.delete(table, key: key) }
            removed.append(row)
        }
        return try finish("DELETE", table, removed, delete.returning)
    }

    private func scope(_ table: TableSchema) -> [ScopeColumn] {
        table.columns.map { ScopeColumn(table: table.name, name: $0.name, type: $0.type) }
    }

    /// The rows a WHERE clause selects, read before any of them is changed.
    private func matching(_ table: TableSchema, _ clause: Expression?, _ binder: Binder) throws(SQLError) -> [(RowKey, Row)] {
        let filter = try clause.map { (e) throws(SQLError) in
            let (b, t) = try binder.bind(e)
            return try binder.expectBoolean(b, t, e.position)
        }
        var candidates: [(RowKey, Row)] = []
        switch KeyLookupPlanner.source(for: table, where: clause, parameters: context.parameters) {
        case let .keyLookup(_, keys):
            for key in Set(keys) { if let row = data.get(table, key: key) { candidates.append((key, row)) } }
        default:
            candidates = data.scan(table).map { ($0.key, $0.row) }
        }
        guard let filter else { return candidates }
        var result: [(RowKey, Row)] = []
        for (n, candidate) in candidates.enumerated() {
            if n & 1023 == 1023 { try context.checkDeadline() }
            if try filter.truth(filter.evaluate(candidate.1)) == true { result.append(candidate) }
        }
        return result
    }

    private func assign(_ value: Value, to column: ColumnSchema, position: Int) throws(SQLError) -> Value {
        do {
            return try Casts.cast(value, to: column.type)
        } catch var error {
            if error.sqlState == SQLState.datatypeMismatch {
                error.message = "column \"\(column.name)\" is of type \(column.type.description.lowercased()) but expression is of type \(Casts.typeName(value))"
            }
            error.position = position
            throw error
        }
    }

    private func checkNotNull(_ row: Row, _ table: TableSchema) throws(SQLError) {
        for (i, column) in table.columns.enumerated() where column.notNull && row[i].isNull {
            throw SQLError(SQLState.notNullViolation,
                           "null value in column \"\(column.name)\" of relation \"\(table.name)\" violates not-null constraint")
        }
    }

    private func finish(_ tag: String, _ table: TableSchema, _ rows: [Row], _ returning: [SelectItem]?) throws(SQLError) -> StatementResult {
        guard let returning else { return StatementResult(statementType: tag, affectedRows: rows.count) }
        let scope = self.scope(table)
        let binder = Binder(columns: scope, parameters: context.parameters)
        let projection = try Projection.bind(Select(items: returning, position: 0), binder: binder, scope: scope)
        var output: [Row] = []
        for row in rows {
            var out: Row = []
            for e in projection.expressions { out.append(try e.evaluate(row)) }
            output.append(out)
        }
        return StatementResult(statementType: tag, columns: projection.names, columnTypes: projection.types,
                               rows: output, affectedRows: rows.count)
    }
}
