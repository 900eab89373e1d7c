// Materialized views: a view whose rows are stored.
//
// A materialized view is a table. Its rows live in storage like any
// table's, so they are versioned, branched and readable AS OF without
// anything special; its catalog entry (`TableSchema.materialized`) holds the
// defining query's text, the `WITH (…)` options and the SCN of the snapshot
// the rows were computed from (nil for a view created `WITH NO DATA`, which
// cannot be read until refreshed). Users cannot write the rows: INSERT,
// UPDATE, DELETE, TRUNCATE, ALTER TABLE and DROP TABLE refuse a view.
//
// A refresh runs inside the caller's transaction: it reads the base tables
// at the transaction's snapshot, replaces the view's rows and records the
// snapshot's SCN in the catalog entry, so the rows and their refresh SCN
// commit together or not at all (a crash mid-refresh leaves the old state;
// running it again gives the same rows).
//
// Views the delta rules cover (SQL's MaintenancePlan) are stored with
// hidden bookkeeping columns and a key; their refresh applies the base
// tables' changes since the refresh SCN (Storage's change log). Others are
// recomputed, and the answer says why.

import Core
import SQL

public enum MaterializedViews {
    /// Runs CREATE / REFRESH / ALTER / DROP MATERIALIZED VIEW.
    public static func execute(_ statement: Statement, on data: any SQLDataAccess,
                               context: ExecutionContext) throws(SQLError) -> StatementResult {
        switch statement {
        case .createMaterializedView(let create):
            return try self.create(create, on: data, context: context)
        case .refreshMaterializedView(let refresh):
            let report = try self.refresh(refresh.name, mode: refresh.incrementally ? .incremental : .auto,
                                          on: data, context: context, position: refresh.position)
            return StatementResult(statementType: statement.tag, affectedRows: report.rowsChanged)
        case .alterMaterializedView(let alter):
            guard var table = data.table(named: alter.name) else {
                if alter.ifExists { return StatementResult(statementType: statement.tag) }
                throw undefined(alter.name, position: alter.position)
            }
            guard var view = table.materialized else { throw notAView(alter.name, position: alter.position) }
            let old = table
            for (key, value) in try MaterializedViewOptions.validate(alter.options, on: data, context: context) {
                view.options[key] = value
            }
            table.materialized = view
            try Executor.storage { try data.alterTable(from: old, to: table) }
            return StatementResult(statementType: statement.tag)
        case .dropMaterializedView(let drop):
            for name in drop.names {
                guard let table = data.table(named: name) else {
                    if drop.ifExists { continue }
                    throw undefined(name, position: drop.position)
                }
                guard table.isMaterializedView else { throw notAView(name, position: drop.position) }
                try Executor.dropDependentViews(of: name, cascade: drop.cascade, on: data, context: context, position: drop.position)
                try Executor.storage { try data.dropTable(named: name) }
            }
            return StatementResult(statementType: statement.tag)
        default:
            throw SQLError(SQLState.featureNotSupported, "\(statement.tag) is not a materialized view statement")
        }
    }

    // MARK: Create

    static func create(_ create: CreateMaterializedView, on data: any SQLDataAccess,
                       context: ExecutionContext) throws(SQLError) -> StatementResult {
        let result = StatementResult(statementType: "CREATE MATERIALIZED VIEW")
        if data.table(named: create.name) != nil {
            if create.ifNotExists { return result }
            throw SQLError(SQLState.duplicateTable, "relation \"\(create.name)\" already exists", position: create.position)
        }
        let options = try MaterializedViewOptions.validate(create.options, on: data, context: context)
        if options["incremental_enabled"] != "false",
           case .success(let plan) = try MaintenancePlan.analyze(create.query, on: data, context: context) {
            return try createMaintained(create, plan, options: options, on: data, context: context)
        }
        let answer = try Executor.execute(.select(create.query), on: data, context: context)
        let names = try columnNames(answer.columns, create)
        var schema = TableSchema(id: 0, name: create.name,
                                 columns: zip(names, answer.columnTypes).map { ColumnSchema(name: $0, type: $1) },
                                 primaryKey: [])
        schema.materialized = MaterializedViewInfo(query: create.queryText, options: options,
                                                   refreshedSCN: create.withData ? data.currentSCN : nil,
                                                   sawOwnWrites: create.withData && sawOwnWrites(baseTables(create.queryText, on: data), on: data))
        let table = try Executor.storage { try data.createTable(schema) }
        if create.withData {
            for row in answer.rows { _ = try Executor.storage { try data.insert(table, row: row) } }
        }
        return StatementResult(statementType: result.statementType, affectedRows: create.withData ? answer.rows.count : 0)
    }

    /// A view the delta rules cover: stored with its bookkeeping columns
    /// and keyed for maintenance (see SQL's MaintenancePlan).
    static func createMaintained(_ create: CreateMaterializedView, _ plan: MaintenancePlan, options: [String: String],
                                 on data: any SQLDataAccess, context: ExecutionContext) throws(SQLError) -> StatementResult {
        var columns = plan.storedColumns
        for (i, name) in try columnNames(columns.prefix(plan.visibleCount).map(\.name), create).enumerated() { columns[i].name = name }
        var schema = TableSchema(id: 0, name: create.name, columns: columns, primaryKey: plan.primaryKey)
        schema.materialized = MaterializedViewInfo(query: create.queryText, options: options,
                                                   refreshedSCN: create.withData ? data.currentSCN : nil,
                                                   visibleColumns: plan.visibleCount, visibilityColumn: plan.visibilityColumn,
                                                   sawOwnWrites: create.withData && sawOwnWrites(plan.baseTables, on: data))
        let table = try Executor.storage { try data.createTable(schema) }
        var count = 0
        if create.withData {
            for row in try plan.computeAll(on: data, context: context) {
                _ = try Executor.storage { try data.insert(table, row: row) }
                if let flag = plan.visibilityColumn, row[flag] != .boolean(true) { continue }
                count += 1
            }
        }
        return StatementResult(statementType: "CREATE MATERIALIZED VIEW", affectedRows: count)
    }

    /// The query's output names with `create.columns` put over the first
    /// ones, checked for too many and for duplicates.
    static func columnNames(_ names: [String], _ create: CreateMaterializedView) throws(SQLError) -> [String] {
        var names = names
        if let given = create.columns {
            guard given.count <= names.count else {
                throw SQLError(SQLState.syntaxError, "too many column names were specified", position: create.position)
            }
            names.replaceSubrange(0..<given.count, with: given)
        }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw SQLError(SQLState.duplicateColumn, "column \"\(name)\" specified more than once", position: create.position)
        }
        return names
    }

    // MARK: Refresh

    /// Recomputes `name` at the transaction's snapshot and replaces its rows;
    /// the new refresh SCN is written in the same transaction.
    public static func refresh(_ name: String, mode: RefreshMode, on data: any SQLDataAccess, context: ExecutionContext,
                               position: Int = 1) throws(SQLError) -> RefreshReport {
        let started = ExecutionContext.now()
        guard let table = data.table(named: name) else { throw undefined(name, position: position) }
        guard let view = table.materialized else { throw notAView(name, position: position) }
        let statements = try Parser.parse(view.query)
        guard statements.count == 1, case .select(let query) = statements[0] else {
            throw SQLError("XX000", "the stored query of materialized view \"\(name)\" is not one SELECT")
        }
        if view.visibleColumns != nil {
            return try refreshMaintained(table, view, query, mode: mode, on: data, context: context, started: started)
        }
        let answer = try Executor.execute(.select(query), on: data, context: context)
        guard answer.columnTypes.count == table.columns.count else {
            throw SQLError("42P17", "the query of materialized view \"\(name)\" now gives \(answer.columnTypes.count) columns, the view has \(table.columns.count); drop and create it again")
        }
        // Replace the rows as a multiset difference: rows in both the old and
        // the new result stay (no version written for them).
        var wanted: [Row: Int] = [:]
        for row in answer.rows { wanted[row, default: 0] += 1 }
        var removed = 0
        if view.refreshedSCN != nil {
            for (key, row) in data.scan(table) {
                if let n = wanted[row], n > 0 {
                    wanted[row] = n - 1
                } else {
                    try Executor.storage { try data.delete(table, key: key) }
                    removed += 1
                }
            }
        }
        var added = 0
        for (row, n) in wanted where n > 0 {
            for _ in 0..<n { _ = try Executor.storage { try data.insert(table, row: row) } }
            added += n
        }
        try recordRefresh(of: table, readingTables: baseTables(view.query, on: data), on: data)
        let reason: String? = mode == .incremental
            ? "no delta rule covers this view (\(try notMaintainedReason(query, view, on: data, context: context))): it was recomputed"
            : nil
        return RefreshReport(view: name, modeUsed: .full, reason: reason, rowsChanged: removed + added, deltasApplied: 0,
                             durationMilliseconds: milliseconds(since: started), refreshedAsOfSCN: data.currentSCN)
    }

    /// Why a view stored without bookkeeping columns is recomputed.
    static func notMaintainedReason(_ query: Query, _ view: MaterializedViewInfo, on data: any SQLDataAccess,
                                    context: ExecutionContext) throws(SQLError) -> String {
        if view.options["incremental_enabled"] == "false" { return "incremental_enabled is false" }
        switch try MaintenancePlan.analyze(query, on: data, context: context) {
        case .failure(let refusal): return refusal.reason
        case .success: return "the view was created without its bookkeeping columns (incremental_enabled was false)"
        }
    }

    /// A refresh of a view kept for maintenance: the deltas since its
    /// refresh SCN when the change log still has them, else recomputation;
    /// either way the stored rows are replaced key by key.
    static func refreshMaintained(_ table: TableSchema, _ view: MaterializedViewInfo, _ query: Query, mode: RefreshMode,
                                  on data: any SQLDataAccess, context: ExecutionContext,
                                  started: UInt64) throws(SQLError) -> RefreshReport {
        guard case .success(let plan) = try MaintenancePlan.analyze(query, on: data, context: context),
              plan.storedColumns.map(\.type) == table.columns.map(\.type), plan.primaryKey == table.primaryKey else {
            throw SQLError("42P17", "the query of materialized view \"\(table.name)\" no longer gives the view's columns (a base table changed); drop and create it again")
        }
        var reason: String?
        var incremental: [String: [TableChange]]?
        if mode == .full {
            reason = nil
        } else if view.options["incremental_enabled"] == "false" {
            reason = "incremental_enabled is false"
        } else if view.sawOwnWrites {
            reason = "the last refresh also saw uncommitted writes of its own transaction"
        } else if let since = view.refreshedSCN {
            var collected: [String: [TableChange]] = [:]
            for name in plan.baseTables {
                guard let base = data.table(named: name), !data.catalogHistory(of: name).contains(where: { $0.scn > since }) else {
                    reason = "the base table \(name) was altered, dropped or created since the last refresh"
                    break
                }
                guard let changes = data.changes(of: base, after: since) else {
                    reason = "the change log of \(name) no longer reaches back to SCN \(since) (history was collected)"
                    break
                }
                collected[name] = changes
            }
            if reason == nil { incremental = collected }
        } else {
            reason = "the view has never been populated"
        }
        var rowsChanged = 0, deltas = 0
        if let incremental {
            (rowsChanged, deltas) = try plan.apply(incremental, since: view.refreshedSCN ?? .zero, to: table, on: data, context: context)
        } else {
            rowsChanged = try replaceRows(of: table, with: try plan.computeAll(on: data, context: context), on: data)
        }
        try recordRefresh(of: table, readingTables: plan.baseTables, on: data)
        return RefreshReport(view: table.name, modeUsed: incremental == nil ? .full : .incremental,
                             reason: mode == .full ? nil : reason, rowsChanged: rowsChanged, deltasApplied: deltas,
                             durationMilliseconds: milliseconds(since: started), refreshedAsOfSCN: data.currentSCN)
    }

    /// Writes `rows` over a keyed view's stored rows: unchanged rows stay,
    /// changed ones are updated, missing ones deleted. Returns rows written.
    static func replaceRows(of table: TableSchema, with rows: [Row], on data: any SQLDataAccess) throws(SQLError) -> Int {
        var wanted: [RowKey: Row] = [:]
        for row in rows { if let key = table.primaryKeyOf(row) { wanted[key] = row } }
        var written = 0
        for (key, row) in data.scan(table) {
            if let new = wanted.removeValue(forKey: key) {
                if new != row { try Executor.storage { try data.update(table, key: key, row: new) }; written += 1 }
            } else {
                try Executor.storage { try data.delete(table, key: key) }
                written += 1
            }
        }
        for row in wanted.values { _ = try Executor.storage { try data.insert(table, row: row) }; written += 1 }
        return written
    }

    /// Writes the view's new refresh SCN (the snapshot the rows were read
    /// at) into its catalog entry, in the refreshing transaction.
    static func recordRefresh(of table: TableSchema, readingTables tables: [String],
                              on data: any SQLDataAccess) throws(SQLError) {
        var refreshed = table
        refreshed.materialized?.refreshedSCN = data.currentSCN
        refreshed.materialized?.sawOwnWrites = sawOwnWrites(tables, on: data)
        try Executor.storage { try data.alterTable(from: table, to: refreshed) }
    }

    /// Whether this transaction has uncommitted writes to one of `tables`
    /// (a refresh then sees rows no single SCN has).
    static func sawOwnWrites(_ tables: [String], on data: any SQLDataAccess) -> Bool {
        tables.contains { name in
            guard let table = data.table(named: name), !table.isView else { return false }
            return !(data.changes(of: table, after: data.currentSCN) ?? []).isEmpty
        }
    }

    // MARK: Helpers

    /// The tables and views `queryText` reads.
    static func baseTables(_ queryText: String, on data: any SQLDataAccess) -> [String] {
        QueryReferences.tables(in: queryText, among: data.tableNames())
    }

    static func milliseconds(since started: UInt64) -> Double {
        Double(ExecutionContext.now() &- started) / 1e6
    }

    static func undefined(_ name: String, position: Int) -> SQLError {
        SQLError(SQLState.undefinedTable, "materialized view \"\(name)\" does not exist", position: position)
    }

    static func notAView(_ name: String, position: Int) -> SQLError {
        SQLError("42809", "\"\(name)\" is not a materialized view", position: position)
    }
}

/// How a refresh should run: `auto` picks incremental when the view allows
/// it, `incremental` asks for it, `full` recomputes.
public enum RefreshMode: String, Sendable {
    case auto, incremental, full
}

/// What one refresh did (the REST answer and the history row).
public struct RefreshReport: Sendable, Equatable {
    public var view: String
    public var modeUsed: RefreshMode
    /// Why the mode differs from the one asked for, when it does.
    public var reason: String?
    public var rowsChanged: Int
    public var deltasApplied: Int
    public var durationMilliseconds: Double
    public var refreshedAsOfSCN: SCN
}
