import Core
import Vector

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
                                      notNull: definition.notNull || definition.primaryKey || definition.serial,
                                      serial: definition.serial)
            if let e = definition.defaultValue {
                try ColumnDefaults.define(e, on: &column, parameters: context.parameters,
                                          env: Environment(runner: PlanRunner(data: data, context: context)))
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
        var indexes: [IndexSchema] = []
        func uniqueIndex(_ names: [String], position: Int, named given: String? = nil) throws(SQLError) {
            var positions: [Int] = []
            for name in names {
                guard let i = columns.firstIndex(where: { $0.name == name }) else {
                    throw SQLError(SQLState.undefinedColumn, "column \"\(name)\" named in key does not exist", position: position)
                }
                positions.append(i)
            }
            indexes.append(IndexSchema(name: given ?? "\(create.name)_\(names.joined(separator: "_"))_key", columns: positions, unique: true))
        }
        for definition in create.columns where definition.unique && !definition.primaryKey {
            try uniqueIndex([definition.name], position: definition.position)
        }
        for (i, constraint) in create.constraints.enumerated() {
            if case let .unique(names, position) = constraint {
                try uniqueIndex(names, position: position, named: create.constraintNames[i])
            }
        }
        if let query = create.asQuery {
            return try createTableAs(create, query)
        }
        var schema = TableSchema(id: 0, name: create.name, columns: columns, primaryKey: primaryKey, indexes: indexes)
        try Constraints.define(create, into: &schema, data: data, parameters: context.parameters)
        _ = try Executor.storage { try data.createTable(schema) }
        return result
    }

    /// `CREATE TABLE t AS query`: the query's columns and rows.
    private func createTableAs(_ create: CreateTable, _ query: Query) throws(SQLError) -> StatementResult {
        let planner = Planner(data: data, parameters: context.parameters)
        let planned = try planner.planQuery(query, outer: nil, correlation: CorrelationFlag())
        let rows = try PlanRunner(data: data, context: context).run(planned.plan)
        var columns = planned.columns.map { ColumnSchema(name: $0.name, type: $0.type) }
        for (i, definition) in create.columns.enumerated() where i < columns.count { columns[i].name = definition.name }
        let table = try Executor.storage { try data.createTable(TableSchema(id: 0, name: create.name, columns: columns, primaryKey: [])) }
        for row in rows { _ = try Executor.storage { try data.insert(table, row: row) } }
        return StatementResult(statementType: "CREATE TABLE", affectedRows: rows.count)
    }

    func dropTable(_ drop: DropTable) throws(SQLError) -> StatementResult {
        for name in drop.names {
            guard let table = data.table(named: name) else {
                if drop.ifExists { continue }
                throw SQLError(SQLState.undefinedTable, "table \"\(name)\" does not exist", position: drop.position)
            }
            guard !table.isView, !table.isMaterializedView else {
                throw SQLError("42809", "\"\(name)\" is not a table\(table.isMaterializedView ? " (use DROP MATERIALIZED VIEW)" : "")",
                               position: drop.position)
            }
            try dropDependentViews(of: name, cascade: drop.cascade, position: drop.position)
            try Constraints.dropReferences(to: name, except: drop.names, cascade: drop.cascade, data: data, position: drop.position)
            try Executor.storage { try data.dropTable(named: name) }
        }
        return StatementResult(statementType: "DROP TABLE")
    }

    /// Views whose query reads `name`: dropped with CASCADE, else an error (2BP01).
    func dropDependentViews(of name: String, cascade: Bool, position: Int) throws(SQLError) {
        for viewName in data.tableNames() where viewName != name {
            guard let view = data.table(named: viewName), let text = view.viewQuery ?? view.materialized?.query,
                  QueryReferences.mentions(text, table: name)
            else { continue }
            guard cascade else {
                throw SQLError("2BP01", "cannot drop \(name) because other objects depend on it: view \(viewName) depends on it (use DROP … CASCADE)",
                               position: position)
            }
            try dropDependentViews(of: viewName, cascade: true, position: position)
            try Executor.storage { try data.dropTable(named: viewName) }
        }
    }
}

extension SchemaExecutor {
    func createView(_ view: CreateView) throws(SQLError) -> StatementResult {
        let result = StatementResult(statementType: "CREATE VIEW")
        if let existing = data.table(named: view.name) {
            if view.ifNotExists { return result }
            guard view.orReplace, existing.isView else {
                throw SQLError(SQLState.duplicateTable, "relation \"\(view.name)\" already exists", position: view.position)
            }
            try Executor.storage { try data.dropTable(named: view.name) }
        }
        let planner = Planner(data: data, parameters: context.parameters)
        let planned = try planner.planQuery(view.query, outer: nil, correlation: CorrelationFlag())
        var columns = planned.columns
        if let names = view.columns {
            guard names.count <= columns.count else {
                throw SQLError(SQLState.syntaxError, "CREATE VIEW specifies more column names than columns", position: view.position)
            }
            for (i, name) in names.enumerated() { columns[i].name = name }
        }
        var seen = Set<String>()
        for column in columns where !seen.insert(column.name).inserted {
            throw SQLError(SQLState.duplicateColumn, "column \"\(column.name)\" specified more than once", position: view.position)
        }
        let schema = TableSchema(id: 0, name: view.name,
                                 columns: columns.map { ColumnSchema(name: $0.name, type: $0.type) },
                                 primaryKey: [], viewQuery: view.queryText)
        _ = try Executor.storage { try data.createTable(schema) }
        return result
    }

    func dropView(_ drop: DropObjects) throws(SQLError) -> StatementResult {
        for name in drop.names {
            guard let table = data.table(named: name) else {
                if drop.ifExists { continue }
                throw SQLError(SQLState.undefinedTable, "view \"\(name)\" does not exist", position: drop.position)
            }
            guard table.isView else {
                throw SQLError("42809", "\"\(name)\" is not a view\(table.isMaterializedView ? " (use DROP MATERIALIZED VIEW)" : "")",
                               position: drop.position)
            }
            try dropDependentViews(of: name, cascade: drop.cascade, position: drop.position)
            try Executor.storage { try data.dropTable(named: name) }
        }
        return StatementResult(statementType: "DROP VIEW")
    }

    func createIndex(_ index: CreateIndex) throws(SQLError) -> StatementResult {
        let result = StatementResult(statementType: "CREATE INDEX")
        var table = try Executor.table(index.table, in: data, position: index.position)
        guard !table.isView else {
            throw SQLError("42809", "cannot create index on view \"\(table.name)\"", position: index.position)
        }
        var columns: [Int] = []
        for column in index.columns {
            guard let i = table.columnIndex(column.name) else {
                throw SQLError(SQLState.undefinedColumn, "column \"\(column.name)\" does not exist", position: index.position)
            }
            columns.append(i)
        }
        let method = index.method ?? "btree"
        switch method {
        case "btree", "hash", "hnsw": break
        case "ivfflat", "gin", "gist", "brin", "spgist":
            throw SQLError(SQLState.featureNotSupported, "access method \"\(method)\" is not supported (available: btree, hash, hnsw)",
                           position: index.position)
        default:
            throw SQLError("42704", "access method \"\(method)\" does not exist", position: index.position)
        }
        var seenOptions = Set<String>()
        for option in index.options where !seenOptions.insert(option.name.lowercased()).inserted {
            throw SQLError("42710", "parameter \"\(option.name)\" specified more than once", position: index.position)
        }
        let generated = "\(table.name)_\(index.columns.map(\.name).joined(separator: "_"))_idx"
        var name = index.name ?? generated
        if indexOwner(name) != nil {
            if index.ifNotExists { return result }
            guard index.name == nil else {
                throw SQLError(SQLState.duplicateTable, "relation \"\(name)\" already exists", position: index.position)
            }
            // An unnamed index takes the first free name, as PostgreSQL numbers them (t_v_idx, t_v_idx1, …).
            var n = 1
            while indexOwner("\(generated)\(n)") != nil { n += 1 }
            name = "\(generated)\(n)"
        }
        var options: [String: String] = [:]
        for option in index.options { options[option.name] = Self.optionText(option.value) }
        if index.method == "hnsw" { options = try hnswOptions(index, table: table, columns: columns, options: options) }
        let schema = IndexSchema(name: name, columns: columns, unique: index.unique, method: index.method ?? "btree", options: options)
        if index.unique { try UniqueConstraints.checkExisting(table, schema, data: data) }
        let old = table
        table.indexes.append(schema)
        try Executor.storage { try data.alterTable(from: old, to: table) }
        return result
    }

    /// Checks an HNSW index (one VECTOR(n) column, a vector operator class,
    /// valid `WITH` options) and records its operator class among the options.
    private func hnswOptions(_ index: CreateIndex, table: TableSchema, columns: [Int],
                             options: [String: String]) throws(SQLError) -> [String: String] {
        guard columns.count == 1, !index.unique else {
            throw SQLError(SQLState.featureNotSupported, "an hnsw index covers exactly one vector column and cannot be unique",
                           position: index.position)
        }
        guard case .vector(let dimensions) = table.columns[columns[0]].type else {
            throw SQLError(SQLState.datatypeMismatch,
                           "column \"\(table.columns[columns[0]].name)\" is \(table.columns[columns[0]].type), an hnsw index needs a VECTOR(n) column",
                           position: index.position)
        }
        guard dimensions > 0 else {
            throw SQLError(SQLState.invalidParameterValue, "column does not have dimensions", position: index.position)
        }
        let operatorClass = index.columns[0].operatorClass ?? VectorMetric.l2.operatorClass
        guard VectorMetric(operatorClass: operatorClass) != nil else {
            let valid = VectorMetric.allCases.map(\.operatorClass).joined(separator: ", ")
            throw SQLError("42704", "operator class \"\(operatorClass)\" does not exist for access method \"hnsw\" (use \(valid))",
                           position: index.position)
        }
        let parsed: VectorIndexOptions
        do {
            parsed = try VectorIndexOptions(options, dimensions: dimensions)
        } catch {
            throw SQLError(error.sqlState, error.message, position: index.position)
        }
        var recorded = options
        recorded[VectorIndexOptions.operatorClassKey] = operatorClass
        // `quantization = 'auto'` is decided now, for these dimensions, and recorded as decided.
        for (key, value) in options where VectorIndexOptions.canonicalName(key) == "quantization"
            && VectorIndexOptions.trimmed(value).lowercased() == "auto" {
            recorded[key] = parsed.quantization.rawValue
        }
        return recorded
    }

    static func optionText(_ e: Expression) -> String {
        if case .literal(let v, _) = e { return v.description }
        if case .column(_, let name, _) = e { return name }
        return "\(e)"
    }

    /// The table that owns the index `name`, if any.
    func indexOwner(_ name: String) -> TableSchema? {
        for tableName in data.tableNames() {
            if let table = data.table(named: tableName), table.indexes.contains(where: { $0.name == name }) { return table }
        }
        return nil
    }

    func dropIndex(_ drop: DropObjects) throws(SQLError) -> StatementResult {
        for name in drop.names {
            guard var table = indexOwner(name) else {
                if drop.ifExists { continue }
                throw SQLError("42704", "index \"\(name)\" does not exist", position: drop.position)
            }
            let old = table
            table.indexes.removeAll { $0.name == name }
            try Executor.storage { try data.alterTable(from: old, to: table) }
        }
        return StatementResult(statementType: "DROP INDEX")
    }
}

/// Which tables a stored query (a view's, a materialized view's) reads.
public enum QueryReferences {
    /// Whether the SELECT in `queryText` reads the table or view `table`
    /// (anywhere: joins, subqueries, CTE bodies). False for text that does
    /// not parse as one SELECT.
    public static func mentions(_ queryText: String, table: String) -> Bool {
        !tables(in: queryText, among: [table]).isEmpty
    }

    /// Those of `names` the SELECT in `queryText` reads (the text parsed once).
    public static func tables(in queryText: String, among names: [String]) -> [String] {
        guard let statements = try? Parser.parse(queryText), case .select(let query)? = statements.first else { return [] }
        return names.filter { name in
            Planner.references(query.body, name) || query.with.contains { Planner.references($0.query.body, name) }
        }
    }
}

extension Executor {
    /// Drops the views and materialized views that read `name` (recursively)
    /// with `cascade`; without it, refuses when there are any (2BP01).
    public static func dropDependentViews(of name: String, cascade: Bool, on data: any SQLDataAccess,
                                          context: ExecutionContext, position: Int) throws(SQLError) {
        try SchemaExecutor(data: data, context: context).dropDependentViews(of: name, cascade: cascade, position: position)
    }
}
