import Core

/// INSERT, UPDATE, DELETE and TRUNCATE, with RETURNING and ON CONFLICT.
/// Values are converted to the column types (assignment casts), NOT NULL
/// and UNIQUE are enforced before storage sees a row; primary-key
/// uniqueness is enforced by storage.
struct WriteExecutor {
    let data: any SQLDataAccess
    let context: ExecutionContext
    let checker: ConstraintChecker

    init(data: any SQLDataAccess, context: ExecutionContext) {
        self.data = data; self.context = context
        self.checker = ConstraintChecker(data: data, context: context)
    }

    /// Writes `row` over `old` at `key`, after its constraints and the
    /// actions of rows referencing the old one.
    func write(_ row: Row, replacing old: Row, at key: RowKey, in table: TableSchema, env: Environment) throws(SQLError) {
        try checkNotNull(row, table)
        try UniqueConstraints.check(row, key: key, table: table, data: data)
        try checker.check(row, of: table, env: env)
        try checker.referencedRowChanging(old, to: row, in: table, env: env, writer: self)
        try Executor.storage { try data.update(table, key: key, row: row) }
    }

    /// Deletes `row`, applying the ON DELETE actions of rows referencing it.
    func remove(_ row: Row, at key: RowKey, from table: TableSchema, env: Environment) throws(SQLError) {
        try checker.referencedRowChanging(row, to: nil, in: table, env: env, writer: self)
        try Executor.storage { try data.delete(table, key: key) }
    }

    private func environment() -> Environment { Environment(runner: PlanRunner(data: data, context: context)) }
    private func planner() -> Planner { Planner(data: data, parameters: context.parameters) }

    func insert(_ insert: Insert) throws(SQLError) -> StatementResult {
        let table = try writableTable(insert.table, position: insert.position)
        let targets = try targetColumns(insert, table)
        let env = environment()
        let planner = planner()
        let binder = Binder(columns: [], parameters: context.parameters, planner: planner)
        var incoming: [[Value?]] = []
        // Without a column list, trailing columns may be left out: they take their defaults.
        func fillsTargets(_ count: Int) -> Bool { count == targets.count || (insert.columns == nil && count < targets.count) }
        switch insert.source {
        case .defaultValues:
            incoming = [[]]
        case .values(let tuples):
            if let first = tuples.first, let other = tuples.first(where: { $0.count != first.count }) {
                throw SQLError(SQLState.syntaxError, "VALUES lists must all be the same length",
                               position: other.first?.position ?? insert.position)
            }
            for tuple in tuples {
                guard fillsTargets(tuple.count) else {
                    let message = tuple.count > targets.count ? "INSERT has more expressions than target columns"
                                                              : "INSERT has more target columns than expressions"
                    throw SQLError(SQLState.syntaxError, message, position: tuple.first?.position ?? insert.position)
                }
                var values: [Value?] = []
                for e in tuple {
                    if case .defaultValue = e { values.append(nil); continue }
                    values.append(try binder.bind(e).0.evaluate([], env))
                }
                incoming.append(values)
            }
        case .query(let query):
            let planned = try planner.planQuery(query, outer: nil, correlation: CorrelationFlag())
            guard fillsTargets(planned.columns.count) else {
                throw SQLError(SQLState.syntaxError, planned.columns.count > targets.count
                               ? "INSERT has more expressions than target columns" : "INSERT has more target columns than expressions",
                               position: insert.position)
            }
            incoming = try PlanRunner(data: data, context: context).run(planned.plan, env).map { $0.map { Optional($0) } }
        }
        var written: [Row] = []
        written.reserveCapacity(incoming.count)
        var touched = Set<RowKey>()
        let defaults = table.columns.map { $0.defaultValue ?? .null }
        let perRowDefaults = try ColumnDefaults.perRow(table)
        let serialColumns = table.columns.indices.filter { table.columns[$0].serial }
        let tracksConflicts = insert.onConflict != nil
        for (n, values) in incoming.enumerated() {
            if n & 1023 == 1023 { try context.checkDeadline() }
            var row = defaults
            for (i, e) in perRowDefaults where !zip(targets, values).contains(where: { $0.0 == i && $0.1 != nil }) {
                row[i] = try assign(e.evaluate([], env), to: table.columns[i], position: insert.position)
            }
            for (target, value) in zip(targets, values) {
                guard let value else { continue }
                row[target] = try assign(value, to: table.columns[target], position: insert.position)
            }
            for i in serialColumns where !zip(targets, values).contains(where: { $0.0 == i && $0.1 != nil }) {
                row[i] = try assign(.integer(data.nextSequenceValue(table, column: i)), to: table.columns[i], position: insert.position)
            }
            try checkNotNull(row, table)
            if let onConflict = insert.onConflict,
               let existing = try conflictingRow(row, table, onConflict, position: insert.position) {
                if case let .doUpdate(assignments, whereClause) = onConflict.action {
                    guard touched.insert(existing.0).inserted else {
                        throw SQLError("21000", "ON CONFLICT DO UPDATE command cannot affect row a second time",
                                       position: insert.position)
                    }
                    if let updated = try conflictUpdate(existing, excluded: row, table, assignments, whereClause, env) {
                        written.append(updated)
                    }
                }
                continue
            }
            try UniqueConstraints.check(row, key: nil, table: table, data: data)
            try checker.check(row, of: table, env: env)
            let key = try Executor.storage { try data.insert(table, row: row) }
            if tracksConflicts { touched.insert(key) }
            written.append(row)
        }
        return try finish("INSERT", table, label: table.name, written, insert.returning)
    }

    private func writableTable(_ name: String, position: Int) throws(SQLError) -> TableSchema {
        let table = try Executor.table(name, in: data, position: position)
        if table.isView {
            throw SQLError("55000", "cannot change view \"\(name)\": views are read-only", position: position)
        }
        if table.isMaterializedView {
            throw SQLError("42809", "cannot change materialized view \"\(name)\": its rows change only by REFRESH MATERIALIZED VIEW",
                           position: position)
        }
        return table
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

    /// The existing row `row` collides with on the ON CONFLICT target (the
    /// primary key, or the unique index over exactly the named columns).
    private func conflictingRow(_ row: Row, _ table: TableSchema, _ onConflict: OnConflict,
                                position: Int) throws(SQLError) -> (RowKey, Row)? {
        let targetColumns = try onConflict.columns.map { (name) throws(SQLError) -> Int in
            guard let i = table.columnIndex(name) else {
                throw SQLError(SQLState.undefinedColumn, "column \"\(name)\" does not exist", position: position)
            }
            return i
        }
        let matchesKey = targetColumns.isEmpty || Set(targetColumns) == Set(table.primaryKey)
        if matchesKey, let key = table.primaryKeyOf(row), let existing = data.get(table, key: key) {
            return (key, existing)
        }
        let candidates = table.indexes.filter { $0.unique && (targetColumns.isEmpty || Set($0.columns) == Set(targetColumns)) }
        if !matchesKey && candidates.isEmpty {
            throw SQLError("42P10", "there is no unique or exclusion constraint matching the ON CONFLICT specification", position: position)
        }
        for index in candidates {
            let values = index.columns.map { SubqueryExpression.normalize(row[$0]) }
            if values.contains(where: \.isNull) { continue }
            for (key, other) in data.scan(table) where index.columns.map({ SubqueryExpression.normalize(other[$0]) }) == values {
                return (key, other)
            }
        }
        return nil
    }

    /// DO UPDATE SET … with `excluded` naming the row that was proposed.
    private func conflictUpdate(_ existing: (RowKey, Row), excluded: Row, _ table: TableSchema, _ assignments: [Assignment],
                                _ whereClause: Expression?, _ env: Environment) throws(SQLError) -> Row? {
        let columns = scope(table, label: table.name) + scope(table, label: "excluded")
        let binder = Binder(columns: columns, parameters: context.parameters, planner: planner())
        let combined = existing.1 + excluded
        if let whereClause {
            let (b, t) = try binder.bind(whereClause)
            let predicate = try binder.expectBoolean(b, t, whereClause.position)
            if try predicate.truth(predicate.evaluate(combined, env)) != true { return nil }
        }
        var newRow = existing.1
        for assignment in assignments {
            guard let i = table.columnIndex(assignment.column) else {
                throw SQLError(SQLState.undefinedColumn, "column \"\(assignment.column)\" of relation \"\(table.name)\" does not exist",
                               position: assignment.position)
            }
            if case .defaultValue = assignment.value { newRow[i] = try ColumnDefaults.value(table.columns[i], env: env); continue }
            let value = try binder.bind(assignment.value).0.evaluate(combined, env)
            newRow[i] = try assign(value, to: table.columns[i], position: assignment.position)
        }
        try write(newRow, replacing: existing.1, at: existing.0, in: table, env: env)
        return newRow
    }

    func update(_ update: Update) throws(SQLError) -> StatementResult {
        guard update.from.isEmpty else {
            throw SQLError(SQLState.featureNotSupported, "UPDATE … FROM is not supported yet", position: update.position)
        }
        let table = try writableTable(update.table, position: update.position)
        let label = update.alias ?? table.name
        let binder = Binder(columns: scope(table, label: label), parameters: context.parameters, planner: planner())
        var assignments: [(Int, BoundExpression, Int)] = []
        for assignment in update.assignments {
            guard let i = table.columnIndex(assignment.column) else {
                throw SQLError(SQLState.undefinedColumn,
                               "column \"\(assignment.column)\" of relation \"\(table.name)\" does not exist",
                               position: assignment.position)
            }
            if case .defaultValue = assignment.value {
                assignments.append((i, try ColumnDefaults.expression(table.columns[i]), assignment.position))
                continue
            }
            assignments.append((i, try binder.bind(assignment.value).0, assignment.value.position))
        }
        let env = environment()
        var written: [Row] = []
        for (n, (key, row)) in try matching(table, label: label, update.whereClause, binder, env).enumerated() {
            if n & 1023 == 1023 { try context.checkDeadline() }
            var newRow = row
            for (i, e, position) in assignments {
                let value = try e.evaluate(row, env)
                newRow[i] = try assign(value, to: table.columns[i], position: position)
            }
            try write(newRow, replacing: row, at: key, in: table, env: env)
            written.append(newRow)
        }
        return try finish("UPDATE", table, label: label, written, update.returning)
    }

    func delete(_ delete: Delete) throws(SQLError) -> StatementResult {
        let table = try writableTable(delete.table, position: delete.position)
        let label = delete.alias ?? table.name
        let binder = Binder(columns: scope(table, label: label), parameters: context.parameters, planner: planner())
        var removed: [Row] = []
        let env = environment()
        for (n, (key, row)) in try matching(table, label: label, delete.whereClause, binder, env).enumerated() {
            if n & 1023 == 1023 { try context.checkDeadline() }
            try remove(row, at: key, from: table, env: env)
            removed.append(row)
        }
        return try finish("DELETE", table, label: label, removed, delete.returning)
    }

    func truncate(_ names: [String], position: Int) throws(SQLError) -> StatementResult {
        for name in names {
            let table = try writableTable(name, position: position)
            if Constraints.referencing(name, data: data).contains(where: { !names.contains($0.name) }) {
                throw SQLError("0A000", "cannot truncate a table referenced in a foreign key constraint", position: position)
            }
            for (key, _) in data.scan(table) { try Executor.storage { try data.delete(table, key: key) } }
        }
        return StatementResult(statementType: "TRUNCATE TABLE")
    }

    private func scope(_ table: TableSchema, label: String) -> [ScopeColumn] {
        table.columns.map { ScopeColumn(table: label, name: $0.name, type: $0.type) }
    }

    /// The rows a WHERE clause selects, read before any of them is changed.
    private func matching(_ table: TableSchema, label: String, _ clause: Expression?, _ binder: Binder,
                          _ env: Environment) throws(SQLError) -> [(RowKey, Row)] {
        let filter = try clause.map { (e) throws(SQLError) in
            let (b, t) = try binder.bind(e)
            return try binder.expectBoolean(b, t, e.position)
        }
        var candidates: [(RowKey, Row)] = []
        let constants = Binder(columns: [], parameters: context.parameters, planner: binder.planner)
        if let keys = KeyLookupPlanner.rowKeys(for: table, where: clause, binder: constants, env: env) {
            for key in Set(keys) { if let row = data.get(table, key: key) { candidates.append((key, row)) } }
        } else if !table.primaryKey.isEmpty, let clause,
                  case let .indexRange(_, column, lower, lowerInclusive, upper, upperInclusive)? =
                    IndexRangePlanner.range(for: table, label: label, conjuncts: Planner.conjuncts(clause), constantBinder: constants) {
            let low = try lower?.evaluate([], env), high = try upper?.evaluate([], env)
            for row in data.indexRange(table, column: column, lower: low, lowerInclusive: lowerInclusive,
                                       upper: high, upperInclusive: upperInclusive) {
                if let key = table.primaryKeyOf(row) { candidates.append((key, row)) }
            }
        } else if let filter, !table.primaryKey.isEmpty {
            // A filtered scan of a keyed table: test rows as they stream by
            // and key only the matches.
            let test = filter.compiledPredicate()
            let runner = PlanRunner(data: data, context: context)
            try runner.forEachRow(table) { (row) throws(SQLError) in
                if try test(row, env), let key = table.primaryKeyOf(row) { candidates.append((key, row)) }
            }
            return candidates
        } else {
            candidates = data.scan(table).map { ($0.key, $0.row) }
        }
        guard let filter else { return candidates }
        let test = filter.compiledPredicate()
        var result: [(RowKey, Row)] = []
        for (n, candidate) in candidates.enumerated() {
            if n & 1023 == 1023 { try context.checkDeadline() }
            if try test(candidate.1, env) { result.append(candidate) }
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

    private func finish(_ tag: String, _ table: TableSchema, label: String, _ rows: [Row],
                        _ returning: [SelectItem]?) throws(SQLError) -> StatementResult {
        guard let returning else { return StatementResult(statementType: tag, affectedRows: rows.count) }
        let planner = planner()
        let select = Select(items: returning, from: [], position: 0)
        let columns = scope(table, label: label)
        let binder = Binder(columns: columns, parameters: context.parameters, planner: planner)
        var expressions: [BoundExpression] = []
        var names: [String] = [], types: [DataType] = []
        for item in select.items {
            switch item {
            case .wildcard:
                for (i, c) in table.columns.enumerated() { expressions.append(.slot(i)); names.append(c.name); types.append(c.type) }
            case let .expression(e, alias):
                let (b, t) = try binder.bind(e)
                expressions.append(b); names.append(alias ?? Planner.derivedName(e)); types.append(t ?? .text)
            }
        }
        let env = environment()
        var output: [Row] = []
        for row in rows {
            var out: Row = []
            for e in expressions { out.append(try e.evaluate(row, env)) }
            output.append(out)
        }
        return StatementResult(statementType: tag, columns: names, columnTypes: types, rows: output, affectedRows: rows.count)
    }
}
