import Core

/// Runs one parsed statement against a transaction's data. Transaction
/// control (BEGIN/COMMIT/ROLLBACK) belongs to the engine, not here.
public enum Executor {
    public static func execute(_ statement: Statement, on data: any SQLDataAccess,
                               context: ExecutionContext) throws(SQLError) -> StatementResult {
        try context.checkDeadline()
        switch statement {
        case .select(let select):
            return try SelectExecutor(data: data, context: context).run(select)
        case .insert(let insert):
            return try WriteExecutor(data: data, context: context).insert(insert)
        case .update(let update):
            return try WriteExecutor(data: data, context: context).update(update)
        case .delete(let delete):
            return try WriteExecutor(data: data, context: context).delete(delete)
        case .createTable(let create):
            return try SchemaExecutor(data: data, context: context).createTable(create)
        case .dropTable(let drop):
            return try SchemaExecutor(data: data, context: context).dropTable(drop)
        default:
            throw SQLError(SQLState.featureNotSupported, "\(statement.tag) is not supported yet")
        }
    }

    static func table(_ name: String, in data: any SQLDataAccess, position: Int) throws(SQLError) -> TableSchema {
        guard let table = data.table(named: name) else {
            throw SQLError(SQLState.undefinedTable, "relation \"\(name)\" does not exist", position: position)
        }
        return table
    }

    /// Runs a storage call, converting its error into this layer's type
    /// (keeping the SQLSTATE and message).
    static func storage<T>(_ body: () throws -> T) throws(SQLError) -> T {
        do {
            return try body()
        } catch let error as SQLError {
            throw error
        } catch let error as any DatabaseError {
            throw SQLError(error.sqlState, error.message)
        } catch {
            throw SQLError(SQLState.internalError, "\(error)")
        }
    }
}

/// CREATE TABLE and DROP TABLE.
struct SchemaExecutor {
    let data: any SQLDataAccess
    let context: ExecutionContext

    func createTable(_ create: CreateTable) throws(SQLError) -> StatementResult {
        let result = StatementResult(statementType: "CREATE TABLE")
        if data.table(named: create.name) != nil {
            if create.ifNotExists { return result }
            throw SQLError(SQLState.duplicateTable, "relation \"\(create.name)\" already exists", position: create.position)
        }
        var columns: [ColumnSchema] = []
        var primaryKey: [Int] = []
        for definition in create.columns {
            if columns.contains(where: { $0.name == definition.name }) {
                throw SQLError(SQLState.duplicateColumn, "column \"\(definition.name)\" specified more than once",
                               position: definition.position)
            }
            var column = ColumnSchema(name: definition.name, type: definition.type,
                                      notNull: definition.notNull || definition.primaryKey)
            if let e = definition.defaultValue {
                let (bound, _) = try Binder(columns: [], parameters: context.parameters).bind(e)
                column.defaultValue = try Casts.cast(bound.evaluate([]), to: definition.type)
            }
            if definition.primaryKey { primaryKey.append(columns.count) }
            columns.append(column)
        }
        if let tableKey = create.primaryKey {
            if !primaryKey.isEmpty {
                throw SQLError(SQLState.invalidTableDefinition,
                               "multiple primary keys for table \"\(create.name)\" are not allowed", position: create.position)
            }
            for name in tableKey {
                guard let i = columns.firstIndex(where: { $0.name == name }) else {
                    throw SQLError(SQLState.undefinedColumn, "column \"\(name)\" named in key does not exist",
                                   position: create.position)
                }
                columns[i].notNull = true
                primaryKey.append(i)
            }
        }
        let schema = TableSchema(id: 0, name: create.name, columns: columns, primaryKey: primaryKey)
        _ = try Executor.storage { try data.createTable(schema) }
        return result
    }

    func dropTable(_ drop: DropTable) throws(SQLError) -> StatementResult {
        for name in drop.names {
            guard data.table(named: name) != nil else {
                if drop.ifExists { continue }
                throw SQLError(SQLState.undefinedTable, "table \"\(name)\" does not exist", position: drop.position)
            }
            try Executor.storage { try data.dropTable(named: name) }
        }
        return StatementResult(statementType: "DROP TABLE")
    }
}
