import Core
import SQL
import Storage
import Views

/// One finished (or failed) refresh, as `pg_mv_refresh_history` shows it.
public struct RefreshHistoryEntry: Sendable, Equatable {
    public var view: String
    public var branch: String
    public var startMicros: Int64
    public var endMicros: Int64
    public var mode: String
    public var rowsChanged: Int
    public var deltasApplied: Int
    public var success: Bool
    public var error: String?
}

/// The refreshes of this process, newest last (bounded; not kept across restarts).
final class RefreshHistory: Sendable {
    private let entries = Locked<[RefreshHistoryEntry]>([])
    static let capacity = 10_000

    func record(_ entry: RefreshHistoryEntry) {
        entries.withLock {
            if $0.count >= Self.capacity { $0.removeFirst($0.count / 2) }
            $0.append(entry)
        }
    }

    var all: [RefreshHistoryEntry] { entries.withLock { $0 } }
}

/// A materialized view as `GET /v1/branches/{b}/views` lists it.
public struct MaterializedViewStatus: Sendable, Equatable {
    public var name: String
    public var definition: String
    public var strategy: String
    public var options: [String: String]
    public var baseTables: [String]
    public var populated: Bool
    public var lastRefreshSCN: SCN?
    /// Seconds since the commit the rows were computed from (nil when never refreshed).
    public var stalenessSeconds: Double?
    /// Row versions written to the base tables after the refresh SCN.
    public var pendingChanges: Int
    /// FRESH (no pending changes), STALE (some), OUTDATED (past its staleness threshold).
    public var status: String
}

extension Database {
    /// Runs a refresh in `access` (the caller's transaction) and records it.
    func refreshView(_ name: String, mode: RefreshMode, on access: any SQLDataAccess, context: ExecutionContext,
                     position: Int = 1) throws(EngineError) -> RefreshReport {
        let started = TransactionRegistry.now()
        let branch = (access as? TransactionAccess).flatMap { storage.branchName(of: $0.transaction.branch) } ?? "?"
        do {
            let report = try MaterializedViews.refresh(name, mode: mode, on: access, context: context, position: position)
            refreshHistory.record(RefreshHistoryEntry(view: name, branch: branch, startMicros: Int64(started * 1e6),
                                                      endMicros: Int64(TransactionRegistry.now() * 1e6),
                                                      mode: report.modeUsed.rawValue, rowsChanged: report.rowsChanged,
                                                      deltasApplied: report.deltasApplied, success: true, error: nil))
            return report
        } catch {
            refreshHistory.record(RefreshHistoryEntry(view: name, branch: branch, startMicros: Int64(started * 1e6),
                                                      endMicros: Int64(TransactionRegistry.now() * 1e6), mode: mode.rawValue,
                                                      rowsChanged: 0, deltasApplied: 0, success: false, error: error.message))
            throw EngineError(error)
        }
    }

    /// `POST /v1/branches/{b}/views/{name}/refresh`: one transaction that
    /// refreshes the view and commits its rows with the new refresh SCN.
    public func refreshView(_ name: String, branch: String, mode: RefreshMode) throws(EngineError) -> RefreshReport {
        let session = Session(database: self, branch: try resolveBranch(branch))
        do {
            let report = try refreshView(name, mode: mode, on: try session.current(), context: ExecutionContext())
            try session.finish()
            return report
        } catch {
            session.fail()
            throw error
        }
    }

    /// The materialized views of `branch`, with staleness and pending changes.
    public func materializedViews(branch: String) throws(EngineError) -> [MaterializedViewStatus] {
        try reading(branch: branch, asOf: nil) { transaction in
            let now = TransactionRegistry.now()
            let commits = storage.commits()
            return transaction.tableNames().sorted().compactMap { name in
                guard let table = transaction.table(named: name), let view = table.materialized else { return nil }
                return Self.status(table, view, in: transaction, commits: commits, now: now)
            }
        }
    }

    static func status(_ table: TableSchema, _ view: MaterializedViewInfo, in transaction: any StorageTransaction,
                       commits: [CommitRecord], now: Double) -> MaterializedViewStatus {
        let bases = QueryReferences.tables(in: view.query, among: transaction.tableNames().filter { $0 != table.name }).sorted()
        var pending = 0
        var staleness: Double?
        if let refreshed = view.refreshedSCN {
            for base in bases {
                guard let schema = transaction.table(named: base), !schema.isView else { continue }
                pending += transaction.changeCount(of: schema, after: refreshed)
                    ?? transaction.versions(of: schema, from: SCN(refreshed.rawValue + 1), through: transaction.snapshotSCN)
                        .filter { $0.startSCN > refreshed }.count
            }
            let refreshedAt = commits.last { $0.scn <= refreshed }?.timestampMicros
            staleness = refreshedAt.map { max(0, now - Double($0) / 1e6) }
        }
        let threshold = view.options["staleness_threshold"].flatMap(Double.init)
        let status: String
        if pending == 0 && view.refreshedSCN != nil { status = "FRESH" }
        else if let threshold, let staleness, staleness > threshold { status = "OUTDATED" }
        else if view.refreshedSCN == nil { status = "OUTDATED" }
        else { status = "STALE" }
        return MaterializedViewStatus(name: table.name, definition: view.query,
                                      strategy: shownRefreshStrategy(view.options), options: view.options,
                                      baseTables: bases, populated: view.refreshedSCN != nil, lastRefreshSCN: view.refreshedSCN,
                                      stalenessSeconds: staleness, pendingChanges: pending, status: status)
    }
}

extension SystemViews {
    /// `pg_matviews`, `pg_mv_staleness` and `pg_mv_refresh_history` (DESIGN §3).
    static func materializedViews(named name: String, _ transaction: any StorageTransaction, storage: any StorageEngine,
                                  history: RefreshHistory?) -> SystemViewContent? {
        // Rows are read while the statement runs, on the statement's thread.
        nonisolated(unsafe) let transaction = transaction
        switch name {
        case "pg_matviews", "pg_catalog.pg_matviews", "pg_mv_staleness", "pg_mv_refresh_history": break
        default: return nil
        }
        let all: [(TableSchema, MaterializedViewInfo)] = transaction.tableNames().sorted().compactMap { name in
            transaction.table(named: name).flatMap { table in table.materialized.map { (table, $0) } }
        }
        switch name {
        case "pg_matviews", "pg_catalog.pg_matviews":
            return SystemViewContent(columns: [("schemaname", .text), ("matviewname", .text), ("matviewowner", .text),
                                               ("tablespace", .text), ("hasindexes", .boolean), ("ispopulated", .boolean),
                                               ("definition", .text), ("refresh_strategy", .text), ("last_refresh_scn", .bigint)],
                                     rows: all.map { table, view in
                [.text("public"), .text(table.name), .text("helios"), .null, .boolean(!table.indexes.isEmpty),
                 .boolean(view.refreshedSCN != nil), .text(view.query), .text(shownRefreshStrategy(view.options)),
                 view.refreshedSCN.map { integer($0.rawValue) } ?? .null]
            })
        case "pg_mv_staleness":
            let commits = storage.commits()
            let now = TransactionRegistry.now()
            return SystemViewContent(columns: [("view_name", .text), ("base_tables", .text), ("last_update", .timestampWithTimeZone),
                                               ("pending_changes", .bigint), ("staleness_sec", .double), ("status", .text)],
                                     rows: all.map { table, view in
                let status = Database.status(table, view, in: transaction, commits: commits, now: now)
                let refreshedAt = view.refreshedSCN.flatMap { scn in commits.last { $0.scn <= scn }?.timestampMicros }
                return [.text(table.name), .text(status.baseTables.joined(separator: ", ")), timestamp(refreshedAt),
                        integer(status.pendingChanges), status.stalenessSeconds.map { .double($0) } ?? .null, .text(status.status)]
            })
        case "pg_mv_refresh_history":
            let branch = storage.branchName(of: transaction.branch)
            return SystemViewContent(columns: [("view_name", .text), ("start_time", .timestampWithTimeZone),
                                               ("end_time", .timestampWithTimeZone), ("mode", .text), ("rows_changed", .bigint),
                                               ("deltas_applied", .bigint), ("success", .boolean), ("error", .text), ("branch", .text)],
                                     rows: (history?.all ?? []).filter { $0.branch == branch }.map { e in
                [.text(e.view), timestamp(e.startMicros), timestamp(e.endMicros), .text(e.mode), integer(e.rowsChanged),
                 integer(e.deltasApplied), .boolean(e.success), e.error.map { .text($0) } ?? .null, .text(e.branch)]
            })
        default:
            return nil
        }
    }
}

/// The refresh strategy a view reports: its `refresh_strategy` option, else
/// "auto" for an `auto_refresh` view (the coordinator refreshes those
/// either way), else "manual".
func shownRefreshStrategy(_ options: [String: String]) -> String {
    options["refresh_strategy"] ?? (options["auto_refresh"] == "true" ? "auto" : "manual")
}
