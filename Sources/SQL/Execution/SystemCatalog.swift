import Core
import Vector

/// Catalog views computed from the transaction's catalog:
/// information_schema.tables/columns, pg_tables, pg_indexes.
enum SystemCatalog {
    static func plan(_ name: String, data: any SQLDataAccess) throws(SQLError) -> (plan: Plan, columns: [ScopeColumn])? {
        func columns(_ names: [(String, DataType)]) -> [ScopeColumn] {
            names.map { ScopeColumn(table: nil, name: $0.0, type: $0.1) }
        }
        // Materialized views are listed by pg_matviews only, as in PostgreSQL.
        func tables() -> [TableSchema] { data.tableNames().compactMap { data.table(named: $0) }.filter { !$0.isMaterializedView } }
        switch name {
        case "information_schema.tables":
            return (.generated(name: name) { _ in
                tables().map { [.text("helios"), .text("public"), .text($0.name), .text($0.isView ? "VIEW" : "BASE TABLE")] }
            }, columns([("table_catalog", .text), ("table_schema", .text), ("table_name", .text), ("table_type", .text)]))
        case "information_schema.columns":
            return (.generated(name: name) { _ in
                tables().flatMap { table in
                    table.columns.enumerated().map { i, c -> Row in
                        [.text("helios"), .text("public"), .text(table.name), .text(c.name), .integer(Int64(i + 1)),
                         .text(c.notNull ? "NO" : "YES"), .text(c.type.description.lowercased()),
                         c.defaultExpression.map { .text($0) } ?? c.defaultValue.map { .text($0.description) } ?? .null]
                    }
                }
            }, columns([("table_catalog", .text), ("table_schema", .text), ("table_name", .text), ("column_name", .text),
                        ("ordinal_position", .integer), ("is_nullable", .text), ("data_type", .text), ("column_default", .text)]))
        case "pg_tables", "pg_catalog.pg_tables":
            return (.generated(name: name) { _ in
                tables().filter { !$0.isView }.map { [.text("public"), .text($0.name), .text("helios"), .boolean(!$0.indexes.isEmpty || !$0.primaryKey.isEmpty)] }
            }, columns([("schemaname", .text), ("tablename", .text), ("tableowner", .text), ("hasindexes", .boolean)]))
        case "pg_views", "pg_catalog.pg_views":
            return (.generated(name: name) { _ in
                tables().filter(\.isView).map { [.text("public"), .text($0.name), .text($0.viewQuery ?? "")] }
            }, columns([("schemaname", .text), ("viewname", .text), ("definition", .text)]))
        case "pg_indexes", "pg_catalog.pg_indexes":
            return (.generated(name: name) { _ in
                tables().flatMap { table -> [Row] in
                    var rows: [Row] = []
                    if !table.primaryKey.isEmpty {
                        let cols = table.primaryKey.map { table.columns[$0].name }.joined(separator: ", ")
                        rows.append([.text("public"), .text(table.name), .text("\(table.name)_pkey"),
                                     .text("CREATE UNIQUE INDEX \(table.name)_pkey ON public.\(table.name) USING btree (\(cols))")])
                    }
                    for index in table.indexes {
                        rows.append([.text("public"), .text(table.name), .text(index.name), .text(indexDefinition(index, of: table))])
                    }
                    return rows
                }
            }, columns([("schemaname", .text), ("tablename", .text), ("indexname", .text), ("indexdef", .text)]))
        default:
            return engineView(name, data: data)
        }
    }

    /// `CREATE INDEX …` as pg_indexes shows it: an HNSW index with its
    /// operator class and its options (`WITH (m='16', …)`, as PostgreSQL
    /// prints reloptions).
    static func indexDefinition(_ index: IndexSchema, of table: TableSchema) -> String {
        let hnsw = index.method == "hnsw"
        let opclass = hnsw ? " " + (index.options[VectorIndexOptions.operatorClassKey] ?? VectorMetric.l2.operatorClass) : ""
        let cols = index.columns.map { table.columns[$0].name + opclass }.joined(separator: ", ")
        var text = "CREATE \(index.unique ? "UNIQUE " : "")INDEX \(index.name) ON public.\(table.name) USING \(index.method) (\(cols))"
        let options = index.options.filter { $0.key != VectorIndexOptions.operatorClassKey }.sorted { $0.key < $1.key }
        if hnsw && !options.isEmpty {
            text += " WITH (" + options.map { "\($0.key)='\($0.value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''"))'" }.joined(separator: ", ") + ")"
        }
        return text
    }

    /// Views the engine computes (branches, snapshots), by bare name or `name()`.
    static func engineView(_ name: String, data: any SQLDataAccess) -> (plan: Plan, columns: [ScopeColumn])? {
        guard let content = data.systemView(named: name) else { return nil }
        return (.generated(name: name) { _ in content.rows },
                content.columns.map { ScopeColumn(table: nil, name: $0.name, type: $0.type) })
    }
}

/// Functions in FROM: generate_series.
enum TableFunctions {
    static func plan(_ name: String, _ arguments: [Expression], binder: Binder,
                     position: Int) throws(SQLError) -> (Plan, [ScopeColumn]) {
        if jsonFunctionNames.contains(name) { return try planJSON(name, arguments, binder: binder, position: position) }
        guard name == "generate_series" else {
            throw SQLError(SQLState.undefinedFunction, "function \(name) does not exist", position: position)
        }
        guard arguments.count == 2 || arguments.count == 3 else {
            throw SQLError(SQLState.undefinedFunction, "function generate_series with \(arguments.count) arguments does not exist", position: position)
        }
        var bound: [BoundExpression] = []
        var types: [DataType?] = []
        for a in arguments {
            let (b, t) = try binder.bind(a)
            bound.append(b); types.append(t)
        }
        let type = ScalarFunctions.widest(types) ?? .integer
        let plan = Plan.generated(name: name) { (env) throws(SQLError) -> [Row] in
            var values: [Value] = []
            for b in bound { values.append(try Casts.cast(b.evaluate([], env), to: type == .double ? .double : .bigint)) }
            if values.contains(where: \.isNull) { return [] }
            if case .integer(let start) = values[0], case .integer(let stop) = values[1] {
                var step: Int64 = 1
                if values.count == 3, case .integer(let s) = values[2] { step = s }
                guard step != 0 else { throw SQLError("22023", "step size cannot equal zero") }
                var rows: [Row] = []
                var i = start
                while step > 0 ? i <= stop : i >= stop {
                    rows.append([.integer(i)])
                    if rows.count > 10_000_000 { throw SQLError("54000", "generate_series produces too many rows") }
                    let (next, overflow) = i.addingReportingOverflow(step)
                    if overflow { break }
                    i = next
                }
                return rows
            }
            guard case .double(let start) = values[0], case .double(let stop) = values[1] else { return [] }
            var step = 1.0
            if values.count == 3, case .double(let s) = values[2] { step = s }
            guard step != 0 else { throw SQLError("22023", "step size cannot equal zero") }
            var rows: [Row] = []
            var x = start
            while step > 0 ? x <= stop : x >= stop {
                rows.append([.double(x)]); x += step
                if rows.count > 10_000_000 { throw SQLError("54000", "generate_series produces too many rows") }
            }
            return rows
        }
        return (plan, [ScopeColumn(table: nil, name: name, type: type)])
    }
}
