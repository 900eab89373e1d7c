import Core

/// `ALTER TABLE t ADD [CONSTRAINT name] FOREIGN KEY … | CHECK (…)`: the
/// table's visible rows must satisfy the new constraint (checked now, as
/// PostgreSQL does without NOT VALID), then it joins the definition.
extension SchemaExecutor {
    func addForeignKey(_ names: [String], _ reference: ForeignKeyReference, position: Int, name: String?,
                       to table: TableSchema) throws(SQLError) -> TableSchema {
        let fk = try Constraints.foreignKey(names, reference, position: position, name: name, schema: table, data: data)
        try refuseDuplicate(fk.name, in: table, position: position)
        let parent = fk.referencedTable == table.name ? table : data.table(named: fk.referencedTable)
        let checker = ConstraintChecker(data: data, context: context)
        if let parent {
            for (_, row) in data.scan(table) {
                let values = fk.columns.map { row[$0] }
                if values.contains(where: \.isNull) { continue }
                if try !checker.exists(values, in: parent, columns: fk.referencedColumns) {
                    let columns = fk.columns.map { table.columns[$0].name }.joined(separator: ", ")
                    throw SQLError("23503", "insert or update on table \"\(table.name)\" violates foreign key constraint \"\(fk.name)\": Key (\(columns))=(\(values.map(\.description).joined(separator: ", "))) is not present in table \"\(parent.name)\".")
                }
            }
        }
        var new = table
        new.foreignKeys.append(fk)
        return new
    }

    func addCheck(_ condition: Expression, position: Int, name: String?, to table: TableSchema) throws(SQLError) -> TableSchema {
        let scope = table.columns.map { ScopeColumn(table: table.name, name: $0.name, type: $0.type) }
        let binder = Binder(columns: scope, parameters: context.parameters)
        let (bound, type) = try binder.bind(condition)
        _ = try binder.expectBoolean(bound, type, condition.position)
        var chosen = name ?? "\(table.name)_check"
        if name == nil {
            var n = 1
            while table.checks.contains(where: { $0.name == chosen }) { chosen = "\(table.name)_check\(n)"; n += 1 }
        }
        try refuseDuplicate(chosen, in: table, position: position)
        let env = Environment(runner: PlanRunner(data: data, context: context))
        for (_, row) in data.scan(table) where try bound.truth(bound.evaluate(row, env)) == false {
            throw SQLError("23514", "check constraint \"\(chosen)\" of relation \"\(table.name)\" is violated by some row")
        }
        var new = table
        new.checks.append(CheckConstraint(name: chosen, condition: try ExpressionPrinter.sql(condition)))
        return new
    }

    private func refuseDuplicate(_ name: String, in table: TableSchema, position: Int) throws(SQLError) {
        if table.checks.contains(where: { $0.name == name }) || table.foreignKeys.contains(where: { $0.name == name }) {
            throw SQLError("42710", "constraint \"\(name)\" for relation \"\(table.name)\" already exists", position: position)
        }
    }
}
