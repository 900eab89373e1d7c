import Core

/// CHECK and FOREIGN KEY constraints: defined at CREATE TABLE, checked on
/// every written row; a delete or key update of a referenced row is
/// refused (NO ACTION/RESTRICT, 23503), cascaded, or sets the references
/// to NULL or their default, as declared.
enum Constraints {
    static func define(_ create: CreateTable, into schema: inout TableSchema, data: any SQLDataAccess,
                       parameters: [Value]) throws(SQLError) {
        var checks: [(Expression, column: String?, name: String?)] = []
        var foreignKeys: [([String], ForeignKeyReference, Int, name: String?)] = []
        for column in create.columns {
            if let check = column.check { checks.append((check, column.name, nil)) }
            if let reference = column.references { foreignKeys.append(([column.name], reference, column.position, nil)) }
        }
        for (i, constraint) in create.constraints.enumerated() {
            switch constraint {
            case let .check(e, _): checks.append((e, nil, create.constraintNames[i]))
            case let .foreignKey(names, reference, position): foreignKeys.append((names, reference, position, create.constraintNames[i]))
            default: break
            }
        }
        let scope = schema.columns.map { ScopeColumn(table: schema.name, name: $0.name, type: $0.type) }
        for (n, (e, column, name)) in checks.enumerated() {
            let binder = Binder(columns: scope, parameters: parameters)
            let (b, t) = try binder.bind(e)
            _ = try binder.expectBoolean(b, t, e.position)
            let base = column.map { "\(schema.name)_\($0)_check" } ?? "\(schema.name)_check"
            schema.checks.append(CheckConstraint(name: name ?? (n == 0 || column != nil ? base : "\(base)\(n)"),
                                                 condition: try ExpressionPrinter.sql(e)))
        }
        for (names, reference, position, name) in foreignKeys {
            schema.foreignKeys.append(try foreignKey(names, reference, position: position, name: name, schema: schema, data: data))
        }
    }

    static func foreignKey(_ names: [String], _ reference: ForeignKeyReference, position: Int, name: String? = nil,
                           schema: TableSchema, data: any SQLDataAccess) throws(SQLError) -> ForeignKeySchema {
        var columns: [Int] = []
        for name in names {
            guard let i = schema.columnIndex(name) else {
                throw SQLError(SQLState.undefinedColumn, "column \"\(name)\" referenced in foreign key constraint does not exist", position: position)
            }
            columns.append(i)
        }
        let target: TableSchema
        if reference.table == schema.name {
            target = schema
        } else {
            guard let t = data.table(named: reference.table), !t.isView else {
                throw SQLError(SQLState.undefinedTable, "relation \"\(reference.table)\" does not exist", position: position)
            }
            target = t
        }
        let referenced = reference.columns.isEmpty ? target.primaryKey.map { target.columns[$0].name } : reference.columns
        let positions = referenced.compactMap(target.columnIndex)
        guard positions.count == referenced.count, positions.count == columns.count else {
            throw SQLError("42830", "number of referencing and referenced columns for foreign key disagree", position: position)
        }
        let isKey = Set(positions) == Set(target.primaryKey) || target.indexes.contains { $0.unique && Set($0.columns) == Set(positions) }
        guard isKey else {
            throw SQLError("42830", "there is no unique constraint matching given keys for referenced table \"\(target.name)\"", position: position)
        }
        func action(_ a: ForeignKeyReference.Action) -> ForeignKeySchema.Action {
            switch a {
            case .noAction: .noAction
            case .restrict: .restrict
            case .cascade: .cascade
            case .setNull: .setNull
            case .setDefault: .setDefault
            }
        }
        return ForeignKeySchema(name: name ?? "\(schema.name)_\(names.joined(separator: "_"))_fkey", columns: columns,
                                referencedTable: target.name, referencedColumns: referenced,
                                onDelete: action(reference.onDelete), onUpdate: action(reference.onUpdate))
    }

    /// DROP TABLE of a referenced table: refused unless CASCADE, which drops
    /// the referencing constraints (not the rows), as in PostgreSQL.
    static func dropReferences(to name: String, except dropping: [String], cascade: Bool, data: any SQLDataAccess,
                               position: Int) throws(SQLError) {
        for child in referencing(name, data: data) where !dropping.contains(child.name) || child.name == name {
            if child.name == name { continue }
            guard cascade else {
                throw SQLError("2BP01", "cannot drop table \(name) because other objects depend on it: constraint on table \(child.name) (use DROP … CASCADE)",
                               position: position)
            }
            var changed = child
            changed.foreignKeys.removeAll { $0.referencedTable == name }
            try Executor.storage { try data.alterTable(from: child, to: changed) }
        }
    }

    /// Tables with a foreign key referencing `name`.
    static func referencing(_ name: String, data: any SQLDataAccess) -> [TableSchema] {
        data.tableNames().compactMap { data.table(named: $0) }.filter { t in t.foreignKeys.contains { $0.referencedTable == name } }
    }
}

/// Checks constraints on rows a statement writes; parsed CHECK conditions are cached per statement.
final class ConstraintChecker {
    let data: any SQLDataAccess
    let context: ExecutionContext
    private var parsedChecks: [String: [(name: String, predicate: BoundExpression)]] = [:]

    init(data: any SQLDataAccess, context: ExecutionContext) { self.data = data; self.context = context }

    func check(_ row: Row, of table: TableSchema, env: Environment) throws(SQLError) {
        if !table.checks.isEmpty {
            for (name, predicate) in try checks(of: table) where try predicate.truth(predicate.evaluate(row, env)) == false {
                throw SQLError("23514", "new row for relation \"\(table.name)\" violates check constraint \"\(name)\"")
            }
        }
        for fk in table.foreignKeys {
            let values = fk.columns.map { row[$0] }
            if values.contains(where: \.isNull) { continue }
            guard let parent = fk.referencedTable == table.name ? table : data.table(named: fk.referencedTable) else { continue }
            if fk.referencedTable == table.name, fk.referencedColumns.compactMap(table.columnIndex).map({ row[$0] }) == values { continue }
            if try !exists(values, in: parent, columns: fk.referencedColumns) {
                let names = fk.columns.map { table.columns[$0].name }.joined(separator: ", ")
                throw SQLError("23503", "insert or update on table \"\(table.name)\" violates foreign key constraint \"\(fk.name)\": Key (\(names))=(\(values.map(\.description).joined(separator: ", "))) is not present in table \"\(parent.name)\".")
            }
        }
    }

    private func checks(of table: TableSchema) throws(SQLError) -> [(name: String, predicate: BoundExpression)] {
        if let cached = parsedChecks[table.name] { return cached }
        let scope = table.columns.map { ScopeColumn(table: table.name, name: $0.name, type: $0.type) }
        var result: [(name: String, predicate: BoundExpression)] = []
        for check in table.checks {
            guard case .select(let query)? = try Parser.parse("SELECT " + check.condition).first,
                  case .select(let select) = query.body, case .expression(let e, _)? = select.items.first else { continue }
            result.append((check.name, try Binder(columns: scope, parameters: []).bind(e).0))
        }
        parsedChecks[table.name] = result
        return result
    }

    /// Whether `table` has a visible row with `values` in `columns`.
    func exists(_ values: [Value], in table: TableSchema, columns: [String]) throws(SQLError) -> Bool {
        let positions = columns.compactMap(table.columnIndex)
        if Set(positions) == Set(table.primaryKey), positions.count == table.primaryKey.count {
            var key: [Value] = []
            for p in table.primaryKey {
                guard let i = positions.firstIndex(of: p),
                      let exact = KeyLookupPlanner.exact(values[i], table.columns[p].type) else { return false }
                key.append(exact)
            }
            return data.get(table, key: RowKey(key)) != nil
        }
        let wanted = values.map(SubqueryExpression.normalize)
        return data.scan(table).contains { entry in positions.map { SubqueryExpression.normalize(entry.row[$0]) } == wanted }
    }

    /// Applies the referencing tables' ON DELETE / ON UPDATE actions for a
    /// row of `table` being deleted (`newRow` nil) or updated.
    func referencedRowChanging(_ oldRow: Row, to newRow: Row?, in table: TableSchema, env: Environment,
                               writer: WriteExecutor) throws(SQLError) {
        for child in Constraints.referencing(table.name, data: data) {
            for fk in child.foreignKeys where fk.referencedTable == table.name {
                let parentColumns = fk.referencedColumns.compactMap(table.columnIndex)
                let oldValues = parentColumns.map { oldRow[$0] }
                if let newRow, parentColumns.map({ newRow[$0] }) == oldValues { continue }
                let matches = data.scan(child).filter { entry in
                    fk.columns.map { SubqueryExpression.normalize(entry.row[$0]) } == oldValues.map(SubqueryExpression.normalize)
                }
                if matches.isEmpty { continue }
                let action = newRow == nil ? fk.onDelete : fk.onUpdate
                switch action {
                case .noAction, .restrict:
                    throw SQLError("23503", "update or delete on table \"\(table.name)\" violates foreign key constraint \"\(fk.name)\" on table \"\(child.name)\"")
                case .cascade:
                    for (key, row) in matches {
                        if let newRow {
                            var updated = row
                            for (c, p) in zip(fk.columns, parentColumns) { updated[c] = newRow[p] }
                            try writer.write(updated, replacing: row, at: key, in: child, env: env)
                        } else {
                            try writer.remove(row, at: key, from: child, env: env)
                        }
                    }
                case .setNull, .setDefault:
                    for (key, row) in matches {
                        var updated = row
                        for c in fk.columns { updated[c] = action == .setNull ? .null : try ColumnDefaults.value(child.columns[c], env: env) }
                        try writer.write(updated, replacing: row, at: key, in: child, env: env)
                    }
                }
            }
        }
    }
}
