import Core
import SQL
import Storage

/// The transaction state of one request: an implicit transaction around
/// statements outside BEGIN…COMMIT, or the explicit block in progress.
struct Session {
    let database: Database
    let branch: BranchID
    private var transaction: (any StorageTransaction)?
    private var explicit = false

    init(database: Database, branch: BranchID) {
        self.database = database; self.branch = branch
    }

    mutating func run(_ statement: Statement, context: ExecutionContext) throws(EngineError) -> StatementResult {
        switch statement {
        case .begin:
            if explicit {
                throw EngineError(SQLState.activeTransaction, "there is already a transaction in progress")
            }
            try commitCurrent()
            explicit = true
            return StatementResult(statementType: "BEGIN")
        case .commit:
            try commitCurrent()
            explicit = false
            return StatementResult(statementType: "COMMIT")
        case .rollback:
            transaction?.rollback()
            transaction = nil
            explicit = false
            return StatementResult(statementType: "ROLLBACK")
        default:
            let access = try current()
            do {
                return try Executor.execute(statement, on: access, context: context)
            } catch {
                throw EngineError(error)
            }
        }
    }

    /// Commits what is still open at the end of the request. A BEGIN without
    /// COMMIT is rolled back, as when a PostgreSQL session ends.
    mutating func finish() throws(EngineError) {
        if explicit {
            abort()
            throw EngineError(SQLState.activeTransaction,
                              "transaction block opened by BEGIN was not committed; it was rolled back (end it with COMMIT)")
        }
        try commitCurrent()
    }

    mutating func abort() {
        transaction?.rollback()
        transaction = nil
        explicit = false
    }

    private mutating func current() throws(EngineError) -> TransactionAccess {
        if let transaction { return TransactionAccess(transaction) }
        do {
            let started = try database.storage.begin(branch: branch)
            transaction = started
            return TransactionAccess(started)
        } catch {
            throw EngineError(error)
        }
    }

    private mutating func commitCurrent() throws(EngineError) {
        guard let open = transaction else { return }
        transaction = nil
        do {
            if try open.commit() != nil { database.recordCommit() }
        } catch {
            throw EngineError(error)
        }
    }
}

/// Adapts a storage transaction to what the SQL executor needs.
final class TransactionAccess: SQLDataAccess {
    let transaction: any StorageTransaction

    init(_ transaction: any StorageTransaction) { self.transaction = transaction }

    func table(named name: String) -> TableSchema? { transaction.table(named: name) }
    func tableNames() -> [String] { transaction.tableNames() }
    func createTable(_ schema: TableSchema) throws -> TableSchema { try transaction.createTable(schema) }
    func alterTable(from old: TableSchema, to new: TableSchema) throws { try transaction.alterTable(from: old, to: new) }
    func dropTable(named name: String) throws { try transaction.dropTable(named: name) }
    func scan(_ table: TableSchema) -> [(key: RowKey, row: Row)] { transaction.scan(table) }
    func get(_ table: TableSchema, key: RowKey) -> Row? { transaction.get(table, key: key) }
    func insert(_ table: TableSchema, row: Row) throws -> RowKey { try transaction.insert(table, row: row) }
    func update(_ table: TableSchema, key: RowKey, row: Row) throws { try transaction.update(table, key: key, row: row) }
    func delete(_ table: TableSchema, key: RowKey) throws { try transaction.delete(table, key: key) }
}
