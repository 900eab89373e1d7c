import Core
import SQL
import Storage
import Synchronization

// Engine: the database facade the service (or an embedding program) uses.
//
// A request is a string of `;`-separated statements with parameters. The
// engine parses it (through a small cache of parsed texts), opens one storage
// transaction, runs every statement in it, and commits at the end: the whole
// request is all or nothing. Explicit BEGIN/COMMIT/ROLLBACK inside the text
// behave as in PostgreSQL's simple-query protocol: BEGIN turns the implicit
// transaction (with the statements before it) into a block, COMMIT or
// ROLLBACK ends it, and later statements start a new implicit one.
// Any error rolls back the transaction in progress and is returned with the
// SQLSTATE and position of the failing statement; nothing partial is left.

/// One SQL request.
public struct SQLRequest: Sendable {
    public var sql: String
    public var parameters: [Value]
    public var branch: String
    /// Statement timeout for the whole request, in milliseconds (0 or nil: none).
    public var timeoutMilliseconds: Int?
    /// Run inside this transaction (from `beginTransaction`) instead of a new one.
    public var transactionID: String?
    /// Read the whole request as of this point of history (writes are refused).
    public var asOf: HistoryPoint?

    public init(sql: String, parameters: [Value] = [], branch: String = "main", timeoutMilliseconds: Int? = nil,
                transactionID: String? = nil, asOf: HistoryPoint? = nil) {
        self.sql = sql; self.parameters = parameters; self.branch = branch
        self.timeoutMilliseconds = timeoutMilliseconds; self.transactionID = transactionID; self.asOf = asOf
    }
}

/// The engine layer's error type: a failure of a request, carrying the
/// lower layer's SQLSTATE, message and position.
public struct EngineError: DatabaseError, Equatable {
    public var sqlState: String
    public var message: String
    public var position: Int?

    public init(_ sqlState: String, _ message: String, position: Int? = nil) {
        self.sqlState = sqlState; self.message = message; self.position = position
    }

    init(_ error: any DatabaseError) {
        self.init(error.sqlState, error.message, position: error.position)
    }
}

public final class Database: Sendable {
    let storage: any StorageEngine
    let transactions: TransactionRegistry
    private let cache = StatementCache(capacity: 2048)
    let refreshHistory = RefreshHistory()
    private let commitCounter = Atomic<UInt64>(0)

    /// - Parameters:
    ///   - transactionIdleTimeout: seconds after which an idle transaction spanning requests is rolled back.
    ///   - maxOpenTransactions: how many such transactions may be open at once.
    /// Seconds of history kept for time travel (default 7 days).
    public let retentionSeconds: Double

    public init(storage: any StorageEngine = MemoryStore(), transactionIdleTimeout: Double = 60, maxOpenTransactions: Int = 64,
                retentionSeconds: Double = 7 * 86_400) {
        self.storage = storage
        self.retentionSeconds = retentionSeconds
        self.transactions = TransactionRegistry(idleTimeout: transactionIdleTimeout, maxOpen: maxOpenTransactions)
    }

    func resolveBranch(_ name: String) throws(EngineError) -> BranchID {
        guard let id = storage.branchID(named: name) else { throw EngineError("3D000", "branch \"\(name)\" not found") }
        return id
    }

    /// The storage engine (branch management and history for the service).
    public var store: any StorageEngine { storage }

    /// Collects versions and commits older than the retention window
    /// (VACUUM and the background collector).
    @discardableResult
    public func collectHistory() -> CollectionReport {
        let horizon = Int64((TransactionRegistry.now() - retentionSeconds) * 1_000_000)
        return storage.collectHistory(olderThan: horizon)
    }

    /// Rolls back transactions idle past the timeout (the service calls this periodically).
    @discardableResult
    public func reapIdleTransactions() -> Int { transactions.reapIdle() }

    /// The SCN of the newest commit.
    public var lastCommittedSCN: SCN { storage.lastCommittedSCN }
    /// Commits made through this database since start.
    public var commitCount: UInt64 { commitCounter.load(ordering: .relaxed) }

    /// Runs every statement of `request`; returns one result per statement
    /// (transaction-control statements included).
    public func execute(_ request: SQLRequest) throws(EngineError) -> [StatementResult] {
        let branch = try resolveBranch(request.branch)
        let statements = try parse(request.sql)
        let deadline = request.timeoutMilliseconds.flatMap { ms in
            ms > 0 ? ExecutionContext.now() + UInt64(ms) * 1_000_000 : nil
        }
        let context = ExecutionContext(parameters: request.parameters, deadline: deadline)
        if let id = request.transactionID {
            if request.asOf != nil {
                throw EngineError("22023", "as_of cannot be combined with transaction_id: a transaction reads its own snapshot")
            }
            let entry = try transactions.lookup(id)
            entry.lock.lock()
            defer {
                entry.lastUsed = TransactionRegistry.now()
                entry.lock.unlock()
            }
            let session = Session(database: self, branch: branch, state: entry.state)
            let results = try run(statements, in: session, context: context)
            if entry.state.transaction == nil { transactions.remove(id) }
            return results
        }
        var readSCN: SCN?
        if let point = request.asOf {
            do {
                readSCN = try storage.resolve(point)
            } catch {
                throw EngineError(error)
            }
        }
        return try run(statements, in: Session(database: self, branch: branch, readSCN: readSCN), context: context)
    }

    private func run(_ statements: [Statement], in session: Session, context: ExecutionContext) throws(EngineError) -> [StatementResult] {
        do {
            var results: [StatementResult] = []
            results.reserveCapacity(statements.count)
            for statement in statements {
                results.append(try session.run(statement, context: context))
            }
            try session.finish()
            return results
        } catch {
            session.fail()
            throw error
        }
    }

    func parse(_ sql: String) throws(EngineError) -> [Statement] {
        if let cached = cache.lookup(sql) { return cached }
        if sql.allSatisfy({ $0.isWhitespace || $0 == ";" }) { return [] }
        let statements: [Statement]
        do {
            statements = try Parser.parse(sql)
        } catch {
            throw EngineError(error)
        }
        cache.store(sql, statements)
        return statements
    }

    func recordCommit() { commitCounter.add(1, ordering: .relaxed) }
}

/// Parsed statements by SQL text, so the hot path of repeated requests
/// skips lexing and parsing. Bounded: cleared when full.
final class StatementCache: Sendable {
    private let entries = Locked<[String: [Statement]]>([:])
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func lookup(_ sql: String) -> [Statement]? { entries.withLock { $0[sql] } }

    func store(_ sql: String, _ statements: [Statement]) {
        guard sql.utf8.count <= 4096 else { return }
        entries.withLock {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[sql] = statements
        }
    }
}
