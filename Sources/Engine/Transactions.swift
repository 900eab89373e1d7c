import Core
import Foundation
import Storage

/// Transactions that span requests (`POST /v1/transactions`): each is a
/// `TransactionState` with an id, used by one request at a time, rolled
/// back after `idleTimeout` seconds without use; at most `maxOpen` at once.
public final class TransactionRegistry: Sendable {
    final class Entry: @unchecked Sendable {
        let id: String
        let branch: String
        let state = TransactionState(spansRequests: true)
        let lock = NSLock()
        var lastUsed: Double
        var snapshotSCN: SCN = .zero
        init(id: String, branch: String, now: Double) { self.id = id; self.branch = branch; self.lastUsed = now }
    }

    private let entries = Locked<[String: Entry]>([:])
    let idleTimeout: Double
    let maxOpen: Int

    init(idleTimeout: Double, maxOpen: Int) {
        self.idleTimeout = idleTimeout; self.maxOpen = maxOpen
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    var openCount: Int { entries.withLock { $0.count } }

    func register(_ entry: Entry) throws(EngineError) {
        try entries.withLock { (all) throws(EngineError) in
            guard all.count < maxOpen else {
                throw EngineError("53300", "too many open transactions (limit \(maxOpen)); commit or roll back some first")
            }
            all[entry.id] = entry
        }
    }

    func lookup(_ id: String) throws(EngineError) -> Entry {
        guard let entry = entries.withLock({ $0[id] }) else {
            throw EngineError("25P03", "transaction \"\(id)\" not found (it may have been committed, rolled back or timed out)")
        }
        return entry
    }

    func remove(_ id: String) { _ = entries.withLock { $0.removeValue(forKey: id) } }

    /// Rolls back transactions idle longer than the timeout; returns how many.
    @discardableResult
    func reapIdle(now: Double = TransactionRegistry.now()) -> Int {
        let expired = entries.withLock { all -> [Entry] in
            let old = all.values.filter { now - $0.lastUsed > idleTimeout }
            for entry in old { all.removeValue(forKey: entry.id) }
            return old
        }
        for entry in expired {
            entry.lock.lock()
            entry.state.transaction?.rollback()
            entry.state.transaction = nil
            entry.lock.unlock()
        }
        return expired.count
    }
}

extension Database {
    /// Opens a transaction that later requests join with its id. It reads
    /// one snapshot, taken now, for its whole life.
    public func beginTransaction(branch: String = "main") throws(EngineError) -> (id: String, snapshotSCN: SCN) {
        let branchID = try resolveBranch(branch)
        transactions.reapIdle()
        let entry = TransactionRegistry.Entry(id: UUID().uuidString.lowercased(), branch: branch, now: TransactionRegistry.now())
        do {
            let open = try storage.begin(branch: branchID)
            entry.state.transaction = open
            entry.state.explicit = true
            entry.snapshotSCN = open.snapshotSCN
        } catch {
            throw EngineError(error)
        }
        do {
            try transactions.register(entry)
        } catch {
            entry.state.transaction?.rollback()
            throw error
        }
        return (entry.id, entry.snapshotSCN)
    }

    /// Commits a transaction opened with `beginTransaction`; returns the
    /// commit SCN (nil when it wrote nothing). A transaction aborted by an
    /// error is rolled back instead, with SQLSTATE 25P02.
    public func commitTransaction(_ id: String) throws(EngineError) -> SCN? {
        let entry = try transactions.lookup(id)
        entry.lock.lock()
        defer { entry.lock.unlock() }
        transactions.remove(id)
        let session = Session(database: self, branch: .main, state: entry.state)
        if entry.state.failed {
            session.abort()
            throw EngineError(SQLState.inFailedTransaction, "transaction \(id) was aborted by an earlier error; it has been rolled back")
        }
        return try session.commitCurrent()
    }

    public func rollbackTransaction(_ id: String) throws(EngineError) {
        let entry = try transactions.lookup(id)
        entry.lock.lock()
        defer { entry.lock.unlock() }
        transactions.remove(id)
        Session(database: self, branch: .main, state: entry.state).abort()
    }

    /// Transactions currently open across requests.
    public var openTransactionCount: Int { transactions.openCount }
}
