import Core
import Vector

// Storage: multi-version concurrency control over an in-memory row store.
//
// Every committed write creates a new *version* of a row, stamped with the
// SCN of the commit that made it; a delete is a version with no row (a
// tombstone). A key's versions form a chain ordered by SCN:
//
//     key 7:  [scn 3: (7,'a')] -> [scn 9: (7,'b')] -> [scn 12: deleted]
//
// A transaction reads a *snapshot*: the SCN of the last commit when it began.
// For each key it sees the newest version at or below that SCN, so a reader
// at SCN 10 sees (7,'b') however many commits land meanwhile; readers never
// block writers and never see half a commit. Writes are buffered in the
// transaction's private write set (it reads its own writes first) and
// applied at commit under the store's write lock, all stamped with one new
// SCN. Snapshot isolation forbids lost updates: if any key the transaction
// wrote gained a version newer than its snapshot, the later committer is
// aborted with SQLSTATE 40001 (first committer wins).
//
// The catalog is versioned the same way: table definitions are versions of
// a name, so DDL commits atomically with data and a snapshot sees the schema
// that matches its rows. Because history is kept by SCN, reading "as of" an
// older SCN (time travel) and branches that fall through to their parent at
// a fork SCN are reads of the same chains at another SCN.
//
// The SQL layer and the engine talk to storage only through the two
// protocols below, so another backend can replace the in-memory one.

/// A database's storage: hands out transactions and keeps the commit clock.
public protocol StorageEngine: AnyObject, Sendable {
    /// Starts a transaction reading the latest committed state of `branch`.
    func begin(branch: BranchID) throws(StorageError) -> any StorageTransaction
    /// The SCN of the newest commit (0 before the first).
    var lastCommittedSCN: SCN { get }
    /// The commit log: one record per commit, in SCN order.
    func commits() -> [CommitRecord]

    /// Starts a read-only transaction seeing `branch` as of commit `scn`.
    func begin(branch: BranchID, at scn: SCN) throws(StorageError) -> any StorageTransaction
    /// The SCN a history point names; "not found" (22023) for unknown,
    /// future or collected points.
    func resolve(_ point: HistoryPoint) throws(StorageError) -> SCN

    // Branches.
    func branchID(named name: String) -> BranchID?
    func branchName(of id: BranchID) -> String?
    /// Every branch with its statistics (its storage bytes cost a walk over its rows).
    func branchInfos() -> [BranchInfo]
    /// The live branches' names, oldest first (cheap).
    func branchNames() -> [String]
    func branchInfo(named name: String) -> BranchInfo?
    @discardableResult
    func createBranch(name: String, parent: String, at scn: SCN?) throws(StorageError) -> BranchInfo
    func dropBranch(name: String) throws(StorageError)
    func merge(source: String, into target: String, strategy: MergeStrategy,
               deleteSource: Bool) throws(StorageError) -> MergeOutcome

    /// Collects versions and commits older than `horizonMicros` (wall clock),
    /// keeping what any branch still reads. Returns what was collected.
    @discardableResult
    func collectHistory(olderThan horizonMicros: Int64) -> CollectionReport
    /// The newest collection's report (nil before the first).
    var lastCollection: CollectionReport? { get }
}

/// What one run of the history collector removed.
public struct CollectionReport: Sendable, Equatable {
    /// Commits at or below this SCN are gone (AS OF them is "not found").
    public var horizonSCN: SCN
    public var versionsCollected: Int
    public var commitsCollected: Int
    public var finishedMicros: Int64
}

/// One transaction's view of the database and its pending writes.
/// A transaction is used by one thread at a time.
public protocol StorageTransaction: AnyObject {
    var id: TransactionID { get }
    var branch: BranchID { get }
    /// The SCN whose state this transaction reads.
    var snapshotSCN: SCN { get }
    /// True for a transaction reading a past state (`as_of`): writes fail.
    var isReadOnly: Bool { get }
    /// Whether anything has been written (data or catalog).
    var hasWrites: Bool { get }

    func table(named name: String) -> TableSchema?
    func tableNames() -> [String]
    /// The definition of `name` after commit `scn`, marked to read its rows at that SCN.
    func table(named name: String, at scn: SCN) -> TableSchema?
    /// Every version of the rows of `table` committed in `from...through`,
    /// oldest first per key.
    func versions(of table: TableSchema, from: SCN, through: SCN) -> [RowVersion]
    /// Keys changed after `scn` with their old and new rows (ChangeLog.swift);
    /// nil when the change log no longer reaches back to `scn`.
    func changes(of table: TableSchema, after scn: SCN) -> [TableChange]?
    /// The number of row changes after `scn`.
    func changeCount(of table: TableSchema, after scn: SCN) -> Int?
    /// The commits that changed `name`'s catalog entry, oldest first.
    func catalogHistory(of name: String) -> [(scn: SCN, schema: TableSchema?)]
    /// Creates a table; the schema's `id` is assigned by storage.
    func createTable(_ schema: TableSchema) throws(StorageError) -> TableSchema
    func dropTable(named name: String) throws(StorageError)
    /// Replaces the definition of `old` (same table id) with `new`, which
    /// may carry a new name; existing rows are kept as they are.
    func alterTable(from old: TableSchema, to new: TableSchema) throws(StorageError)

    /// All rows of `table` visible to this transaction, with their keys.
    func scan(_ table: TableSchema) -> [(key: RowKey, row: Row)]
    /// Visible rows that may have `column` within the range (a superset:
    /// callers re-check the predicate); served by an ordered index.
    func indexRange(_ table: TableSchema, column: Int, lower: Value?, lowerInclusive: Bool,
                    upper: Value?, upperInclusive: Bool) -> [Row]
    /// Calls `body` with every visible row (under the store's read lock:
    /// `body` may read but must not write). Faster than `scan` for filters.
    func forEachRow(_ table: TableSchema, _ body: (Row) throws -> Void) rethrows
    /// The visible row with primary key `key`, if any.
    func get(_ table: TableSchema, key: RowKey) -> Row?
    /// The rows of many keys at once (nil where absent), under one lock.
    func get(_ table: TableSchema, keys: [RowKey]) -> [Row?]
    /// Inserts `row`; fails with 23505 when its primary key is already visible.
    @discardableResult
    func insert(_ table: TableSchema, row: Row) throws(StorageError) -> RowKey
    /// Replaces the row at `key`; a changed primary key moves the row.
    func update(_ table: TableSchema, key: RowKey, row: Row) throws(StorageError)
    func delete(_ table: TableSchema, key: RowKey) throws(StorageError)

    /// The `k` visible rows nearest to a query vector, searched with the
    /// column's HNSW index where there is one (exactly otherwise).
    func vectorSearch(_ table: TableSchema, _ request: VectorSearchRequest) -> VectorSearchResult
    /// What the HNSW index `name` of `table` holds, as this transaction sees it.
    func vectorIndexStatistics(_ table: TableSchema, index name: String) -> VectorIndexStatistics?
    /// The same, with recall@10 measured on a sample against exact search.
    func vectorIndexStatistics(_ table: TableSchema, index name: String, measureRecall: Bool) -> VectorIndexStatistics?

    /// The next value of a SERIAL column's sequence: never reused, not
    /// rolled back (as in PostgreSQL); starts above the largest visible value.
    func nextSequenceValue(_ table: TableSchema, column: Int) -> Int64
    /// About how many rows a scan of `table` visits (committed versions plus pending writes).
    func estimatedRowCount(_ table: TableSchema) -> Int

    /// A mark to roll back to (savepoints, failed statements).
    func mark() -> StorageMark
    func rollback(to mark: StorageMark)

    /// Applies the writes atomically; returns the commit's SCN, or nil when
    /// there was nothing to write. Fails with 40001 on a write-write conflict.
    func commit() throws(StorageError) -> SCN?
    func rollback()
}

/// An opaque position in a transaction's write history.
public struct StorageMark: Sendable {
    let writes: WriteSet
}

/// One entry of the commit log: which transaction committed at which SCN, when.
public struct CommitRecord: Sendable, Equatable {
    public var scn: SCN
    public var transactionID: TransactionID
    public var branch: BranchID
    /// Wall-clock time of the commit, microseconds since the Unix epoch.
    public var timestampMicros: Int64
}

/// The storage layer's error type.
public struct StorageError: DatabaseError, Equatable {
    public var sqlState: String
    public var message: String
    public var position: Int? { nil }

    public init(_ sqlState: String, _ message: String) {
        self.sqlState = sqlState; self.message = message
    }

    static func conflict(_ what: String) -> StorageError {
        StorageError(SQLState.serializationFailure,
                     "could not serialize access due to concurrent update (\(what))")
    }
}
