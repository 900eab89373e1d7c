import Core
import SQL
import Storage
import Vector
import Views

/// The transaction state statements run in: the storage transaction in
/// progress (if any), whether it was opened explicitly (BEGIN or
/// /v1/transactions), its savepoints, and whether an error has aborted it.
final class TransactionState {
    var transaction: (any StorageTransaction)?
    var explicit = false
    /// Set by an error inside an explicit transaction: PostgreSQL refuses
    /// further statements until ROLLBACK.
    var failed = false
    /// Each savepoint's storage mark and the settings as they stood.
    var savepoints: [(name: String, mark: StorageMark, settings: SessionSettings)] = []
    /// SET's values: they last for the request (or, for a transaction
    /// that spans requests, for the transaction), and follow PostgreSQL's
    /// transaction rules (see `SessionSettings`).
    var settings = SessionSettings()
    /// A transaction opened through /v1/transactions ends only by its
    /// commit/rollback endpoint (or COMMIT/ROLLBACK statements).
    let spansRequests: Bool

    init(spansRequests: Bool = false) { self.spansRequests = spansRequests }
}

/// Runs statements of one request against a `TransactionState`: an
/// implicit transaction around statements outside BEGIN…COMMIT, or the
/// explicit block in progress.
final class Session {
    let database: Database
    /// The branch statements run on; `USE BRANCH` changes it for the rest of the request.
    var branch: BranchID
    /// Set for a request read `as_of` a past commit: every read sees that
    /// state and writes are refused.
    let readSCN: SCN?
    let state: TransactionState

    init(database: Database, branch: BranchID, readSCN: SCN? = nil, state: TransactionState = TransactionState()) {
        self.database = database; self.branch = branch; self.readSCN = readSCN; self.state = state
    }

    func run(_ statement: Statement, context: ExecutionContext) throws(EngineError) -> StatementResult {
        if state.failed {
            switch statement {
            case .rollback, .rollbackToSavepoint: break
            case .commit:
                abort()
                return StatementResult(statementType: "ROLLBACK")
            default:
                throw EngineError(SQLState.inFailedTransaction,
                                  "current transaction is aborted, commands ignored until end of transaction block")
            }
        }
        switch statement {
        case .begin:
            // As in PostgreSQL's simple-query protocol, statements before
            // BEGIN in the same request join the block; a second BEGIN only warns.
            state.explicit = true
            return StatementResult(statementType: "BEGIN")
        case .commit:
            try commitCurrent()
            state.explicit = false
            state.settings.commit()
            return StatementResult(statementType: "COMMIT")
        case .rollback:
            abort()
            return StatementResult(statementType: "ROLLBACK")
        case .savepoint(let name):
            let open = try current()
            state.savepoints.append((name, open.transaction.mark(), state.settings))
            return StatementResult(statementType: "SAVEPOINT")
        case .rollbackToSavepoint(let name):
            guard let i = state.savepoints.lastIndex(where: { $0.name == name }), let open = state.transaction else {
                throw EngineError("3B001", "savepoint \"\(name)\" does not exist")
            }
            open.rollback(to: state.savepoints[i].mark)
            state.settings.rollBack(to: state.savepoints[i].settings)
            state.savepoints.removeSubrange((i + 1)...)
            state.failed = false
            return StatementResult(statementType: "ROLLBACK")
        case .releaseSavepoint(let name):
            guard let i = state.savepoints.lastIndex(where: { $0.name == name }) else {
                throw EngineError("3B001", "savepoint \"\(name)\" does not exist")
            }
            state.savepoints.removeSubrange(i...)
            return StatementResult(statementType: "RELEASE")
        case let .set(name, value, local, position):
            try applySetting(name, value, local: local, position: position, context: context)
            return StatementResult(statementType: "SET")
        case let .showSetting(name, position):
            return try showSetting(name, position: position)
        case let .resetSetting(name, position):
            if let name {
                try Self.checkReservedPrefix(name.lowercased(), name, position: position)
                state.settings.change(local: false) { $0.reset(name.lowercased()) }
            } else {
                state.settings.change(local: false) { $0 = SettingValues() }
            }
            return StatementResult(statementType: "RESET")
        case .createBranch, .dropBranch, .mergeBranch, .useBranch, .showBranches, .vacuum:
            return try runBranchStatement(statement, context: context)
        case .refreshMaterializedView(let refresh):
            let access = try current()
            let report = try database.refreshView(refresh.name, mode: refresh.incrementally ? .incremental : .auto,
                                                  on: access, context: context, position: refresh.position)
            return StatementResult(statementType: statement.tag, affectedRows: report.rowsChanged)
        case .createMaterializedView, .alterMaterializedView, .dropMaterializedView:
            let access = try current()
            do {
                return try MaterializedViews.execute(statement, on: access, context: context)
            } catch {
                throw EngineError(error)
            }
        default:
            let access = try current()
            var context = context
            if let efSearch = state.settings.current.efSearch { context.efSearch = efSearch }
            context.settings = state.settings.current.shown
            do {
                return try Executor.execute(statement, on: access, context: context)
            } catch {
                throw EngineError(error)
            }
        }
    }

    /// SET: `hnsw.ef_search` is honoured (1…10000). pgvector's other
    /// `hnsw.` settings are accepted and ignored (filtered searches always
    /// widen as needed); an unknown `hnsw.` name is an error, as in
    /// PostgreSQL, where the prefix is reserved. Other settings are
    /// accepted and ignored, as clients send many on connect.
    private func applySetting(_ name: String, _ value: Expression, local: Bool, position: Int,
                              context: ExecutionContext) throws(EngineError) {
        let lowered = name.lowercased()
        try Self.checkReservedPrefix(lowered, name, position: position)
        if case .defaultValue = value {  // SET name = DEFAULT (or TO DEFAULT)
            return state.settings.change(local: local) { $0.reset(lowered) }
        }
        if Self.ignoredHNSWSettings.contains(lowered) {
            let text = try Self.checkedHNSWSetting(lowered, value, position: position)
            return state.settings.change(local: local) { $0.texts[lowered] = text }
        }
        guard lowered == "hnsw.ef_search" else {
            if case .literal(let literal, _) = value {
                state.settings.change(local: local) { $0.texts[lowered] = Self.settingText(literal) }
            }
            return
        }
        let access = try current()
        let evaluated: Value
        do {
            evaluated = try Executor.evaluateConstant(value, on: access, context: context)
        } catch {
            throw EngineError(error)
        }
        var number: Int?
        switch evaluated {
        case .integer(let n): number = Int(n)
        // A fraction rounds, as PostgreSQL reads an integer setting.
        case .text(let t): number = Double(t.trimmingCharacters(in: .whitespaces)).flatMap { Int(exactly: $0.rounded(.toNearestOrEven)) }
        case .double(let d): number = Int(exactly: d.rounded(.toNearestOrEven))
        default: number = nil
        }
        guard let number, (1...10_000).contains(number) else {
            throw EngineError("22023", "invalid value for parameter \"hnsw.ef_search\": \"\(evaluated)\" (expected an integer in 1…10000)",
                              position: position)
        }
        state.settings.change(local: local) { $0.efSearch = number }
    }

    /// pgvector reserves the `hnsw.` prefix: a name under it it does not
    /// define is refused by SET and RESET (42602), as PostgreSQL does.
    private static func checkReservedPrefix(_ lowered: String, _ name: String, position: Int) throws(EngineError) {
        guard lowered.hasPrefix("hnsw."), lowered != "hnsw.ef_search", !ignoredHNSWSettings.contains(lowered) else { return }
        throw EngineError("42602", "invalid configuration parameter name \"\(name)\" (\"hnsw\" is a reserved prefix)",
                          position: position)
    }

    /// SHOW: a setting SET earlier in the request, else its default
    /// (`SettingDefaults`: pgvector's `hnsw.ef_search` is 40); anything
    /// else is unknown here.
    private func showSetting(_ name: String, position: Int) throws(EngineError) -> StatementResult {
        let lowered = name.lowercased()
        let text: String
        if let set = state.settings.current.shown[lowered] ?? SettingDefaults.values[lowered] {
            text = set
        } else {
            throw EngineError(SQLState.undefinedObject, "unrecognized configuration parameter \"\(name)\"", position: position)
        }
        return StatementResult(statementType: "SHOW", columns: [lowered], columnTypes: [.text], rows: [[.text(text)]])
    }

    /// A SET value as SHOW prints it.
    private static func settingText(_ value: Value) -> String {
        switch value {
        case .text(let text): text
        case .integer(let n): String(n)
        case .boolean(let b): b ? "on" : "off"
        default: value.description
        }
    }

    /// pgvector 0.8's other `hnsw.` settings (their defaults are in
    /// `SettingDefaults`): checked as pgvector checks them, then ignored
    /// (filtered searches here always widen as needed).
    private static let ignoredHNSWSettings: Set<String> = ["hnsw.iterative_scan", "hnsw.max_scan_tuples", "hnsw.scan_mem_multiplier"]

    /// The text of a valid value for one of `ignoredHNSWSettings`.
    private static func checkedHNSWSetting(_ name: String, _ value: Expression, position: Int) throws(EngineError) -> String {
        var text: String
        switch value {
        case .literal(let literal, _): text = settingText(literal)
        case .column(nil, let word, _): text = word
        default: text = "\(value)"
        }
        text = text.trimmingCharacters(in: .whitespaces)
        let valid: Bool
        var expected: String
        switch name {
        case "hnsw.iterative_scan":
            text = text.lowercased()
            valid = ["off", "relaxed_order", "strict_order"].contains(text)
            expected = "off, relaxed_order or strict_order"
        case "hnsw.max_scan_tuples":
            valid = Int32(text).map { $0 >= 1 } ?? false
            expected = "an integer from 1 to 2147483647"
        default:
            valid = Double(text).map { $0 >= 1 && $0 <= 1000 } ?? false
            expected = "a number from 1 to 1000"
        }
        guard valid else {
            throw EngineError("22023", "invalid value for parameter \"\(name)\": \"\(text)\" (expected \(expected))", position: position)
        }
        return text
    }

    /// Commits what is still open at the end of a request. A BEGIN without
    /// COMMIT is rolled back, as when a PostgreSQL session ends; a
    /// transaction spanning requests stays open.
    func finish() throws(EngineError) {
        if state.spansRequests && state.explicit { return }
        if state.explicit {
            abort()
            throw EngineError(SQLState.activeTransaction,
                              "transaction block opened by BEGIN was not committed; it was rolled back (end it with COMMIT, or use /v1/transactions to keep a transaction across requests)")
        }
        try commitCurrent()
    }

    /// After an error: a request's own transaction is rolled back; an
    /// explicit one that spans requests is marked failed until ROLLBACK.
    func fail() {
        if state.spansRequests && state.transaction != nil {
            state.failed = true
        } else {
            abort()
        }
    }

    func abort() {
        state.settings.rollBack()
        state.transaction?.rollback()
        state.transaction = nil
        state.explicit = false
        state.failed = false
        state.savepoints = []
    }

    func current() throws(EngineError) -> TransactionAccess {
        if let open = state.transaction { return TransactionAccess(open, storage: database.storage, history: database.refreshHistory) }
        do throws(StorageError) {
            let started: any StorageTransaction
            if let readSCN { started = try database.storage.begin(branch: branch, at: readSCN) } else {
                started = try database.storage.begin(branch: branch)
            }
            state.transaction = started
            return TransactionAccess(started, storage: database.storage, history: database.refreshHistory)
        } catch {
            throw EngineError(error)
        }
    }

    /// Commits the open transaction; returns its SCN (nil when read-only).
    @discardableResult
    func commitCurrent() throws(EngineError) -> SCN? {
        guard let open = state.transaction else { return nil }
        state.transaction = nil
        state.savepoints = []
        do {
            let scn = try open.commit()
            if scn != nil { database.recordCommit() }
            return scn
        } catch {
            throw EngineError(error)
        }
    }
}

/// Adapts a storage transaction to what the SQL executor needs.
final class TransactionAccess: SQLDataAccess {
    let transaction: any StorageTransaction

    let storage: any StorageEngine
    let history: RefreshHistory?

    init(_ transaction: any StorageTransaction, storage: any StorageEngine, history: RefreshHistory? = nil) {
        self.transaction = transaction; self.storage = storage; self.history = history
    }

    var currentSCN: SCN { transaction.snapshotSCN }
    func resolve(_ point: HistoryPoint) throws -> SCN {
        if case .now = point { return transaction.snapshotSCN }
        let scn = try storage.resolve(point)
        if scn > transaction.snapshotSCN {
            throw StorageError("22023", "SCN \(scn) not found: it is after the statement's snapshot (SCN \(transaction.snapshotSCN))")
        }
        return scn
    }
    func table(named name: String, at scn: SCN) -> TableSchema? { transaction.table(named: name, at: scn) }
    func versions(of table: TableSchema, from: SCN, through: SCN) -> [RowVersion] {
        transaction.versions(of: table, from: from, through: through)
    }
    func changes(of table: TableSchema, after scn: SCN) -> [TableChange]? {
        transaction.changes(of: table, after: scn)
    }
    func changeCount(of table: TableSchema, after scn: SCN) -> Int? {
        transaction.changeCount(of: table, after: scn)
    }
    func catalogHistory(of name: String) -> [(scn: SCN, schema: TableSchema?)] { transaction.catalogHistory(of: name) }
    func systemView(named name: String) -> SystemViewContent? {
        if name == "pg_vector_index_stats" { return SystemViews.vectorIndexStats(transaction, only: nil) }
        if name == "pg_compression_stats" { return SystemViews.compressionStats(transaction, only: nil) }
        if let views = SystemViews.materializedViews(named: name, transaction, storage: storage, history: history) { return views }
        return SystemViews.content(named: name, storage: storage)
    }
    func systemView(named name: String, argument: Value) -> SystemViewContent? {
        if name == "pg_vector_index_stats" {
            guard case .text(let index) = argument else { return SystemViews.vectorIndexStats(transaction, only: "") }
            return SystemViews.vectorIndexStats(transaction, only: index)
        }
        if name == "pg_compression_stats" {
            guard case .text(let table) = argument else { return SystemViews.compressionStats(transaction, only: "") }
            return SystemViews.compressionStats(transaction, only: table)
        }
        return nil
    }
    func vectorSearch(_ table: TableSchema, _ request: VectorSearchRequest) -> VectorSearchResult {
        transaction.vectorSearch(table, request)
    }
    func vectorIndexUntrainedUntil(_ table: TableSchema, index: String) -> Int? {
        transaction.vectorIndexStatistics(table, index: index)?.untrainedUntil
    }

    func table(named name: String) -> TableSchema? { transaction.table(named: name) }
    func tableNames() -> [String] { transaction.tableNames() }
    func createTable(_ schema: TableSchema) throws -> TableSchema { try transaction.createTable(schema) }
    func alterTable(from old: TableSchema, to new: TableSchema) throws { try transaction.alterTable(from: old, to: new) }
    func dropTable(named name: String) throws { try transaction.dropTable(named: name) }
    func scan(_ table: TableSchema) -> [(key: RowKey, row: Row)] { transaction.scan(table) }
    func get(_ table: TableSchema, key: RowKey) -> Row? { transaction.get(table, key: key) }
    func get(_ table: TableSchema, keys: [RowKey]) -> [Row?] { transaction.get(table, keys: keys) }
    func forEachRow(_ table: TableSchema, _ body: (Row) throws -> Void) rethrows { try transaction.forEachRow(table, body) }
    func indexRange(_ table: TableSchema, column: Int, lower: Value?, lowerInclusive: Bool,
                    upper: Value?, upperInclusive: Bool) -> [Row] {
        transaction.indexRange(table, column: column, lower: lower, lowerInclusive: lowerInclusive,
                               upper: upper, upperInclusive: upperInclusive)
    }
    func insert(_ table: TableSchema, row: Row) throws -> RowKey { try transaction.insert(table, row: row) }
    func update(_ table: TableSchema, key: RowKey, row: Row) throws { try transaction.update(table, key: key, row: row) }
    func delete(_ table: TableSchema, key: RowKey) throws { try transaction.delete(table, key: key) }
    func nextSequenceValue(_ table: TableSchema, column: Int) -> Int64 { transaction.nextSequenceValue(table, column: column) }
    func estimatedRowCount(_ table: TableSchema) -> Int { transaction.estimatedRowCount(table) }
}
