import Core
import Vector

/// What the executor needs from storage, and nothing more: the catalog of
/// the current transaction and row access by scan or by primary key. The
/// engine adapts a storage transaction to it, so SQL never imports Storage.
public protocol SQLDataAccess: AnyObject {
    func table(named name: String) -> TableSchema?
    /// Names of every table and view visible to the transaction, sorted.
    func tableNames() -> [String]
    func createTable(_ schema: TableSchema) throws -> TableSchema
    /// Replaces a table's definition (same id): indexes, columns, renames.
    func alterTable(from old: TableSchema, to new: TableSchema) throws
    func dropTable(named name: String) throws
    func scan(_ table: TableSchema) -> [(key: RowKey, row: Row)]
    func get(_ table: TableSchema, key: RowKey) -> Row?
    /// The rows of many keys at once (nil where absent).
    func get(_ table: TableSchema, keys: [RowKey]) -> [Row?]
    /// Calls `body` with every visible row; `body` may read but not write.
    func forEachRow(_ table: TableSchema, _ body: (Row) throws -> Void) rethrows
    /// Visible rows that may have `column` in the range (callers re-check).
    func indexRange(_ table: TableSchema, column: Int, lower: Value?, lowerInclusive: Bool,
                    upper: Value?, upperInclusive: Bool) -> [Row]
    @discardableResult
    func insert(_ table: TableSchema, row: Row) throws -> RowKey
    func update(_ table: TableSchema, key: RowKey, row: Row) throws
    func delete(_ table: TableSchema, key: RowKey) throws
    /// The next value of a SERIAL column's sequence (not transactional, as in PostgreSQL).
    func nextSequenceValue(_ table: TableSchema, column: Int) -> Int64
    /// About how many rows a scan of `table` visits (planning estimate).
    func estimatedRowCount(_ table: TableSchema) -> Int

    // History (time travel).
    /// The SCN of the state this transaction reads (`current_scn()`).
    var currentSCN: SCN { get }
    /// The SCN a point of history names; an error mentioning "not found" otherwise.
    func resolve(_ point: HistoryPoint) throws -> SCN
    /// `name` as of commit `scn`, marked so its rows are read at that SCN.
    func table(named name: String, at scn: SCN) -> TableSchema?
    /// Every version of the rows of `table` committed in `from...through`.
    func versions(of table: TableSchema, from: SCN, through: SCN) -> [RowVersion]
    /// Keys of `table` changed after `scn` with their old and new rows; nil
    /// when the change log no longer reaches back (materialized views).
    func changes(of table: TableSchema, after scn: SCN) -> [TableChange]?
    /// The number of row changes after `scn`.
    func changeCount(of table: TableSchema, after scn: SCN) -> Int?
    /// The commits that changed `name`'s catalog entry, oldest first.
    func catalogHistory(of name: String) -> [(scn: SCN, schema: TableSchema?)]
    /// A system view the engine provides (branches, snapshots), or nil.
    func systemView(named name: String) -> SystemViewContent?
    /// A system view called with an argument (`pg_vector_index_stats('idx')`);
    /// nil when the view only filters its first column by it.
    func systemView(named name: String, argument: Value) -> SystemViewContent?

    /// The k nearest visible rows to a query vector (HNSW index or exact).
    func vectorSearch(_ table: TableSchema, _ request: VectorSearchRequest) -> VectorSearchResult
    /// Vectors a quantized HNSW index needs before its quantizer trains
    /// (searches scan exactly until then); nil once trained, or for an
    /// index without quantization.
    func vectorIndexUntrainedUntil(_ table: TableSchema, index: String) -> Int?
}

/// The columns of a system view computed outside the SQL layer, and its
/// rows, computed only when read (planning needs just the columns).
public struct SystemViewContent: Sendable {
    public var columns: [(name: String, type: DataType)]
    private let produce: @Sendable () -> [Row]
    public var rows: [Row] { produce() }
    public init(columns: [(name: String, type: DataType)], rows: @escaping @Sendable @autoclosure () -> [Row]) {
        self.columns = columns; self.produce = rows
    }
}

/// Per-statement inputs: bound parameters, the statement deadline and
/// session settings.
public struct ExecutionContext: Sendable {
    public var parameters: [Value]
    /// Monotonic deadline in nanoseconds (`ExecutionContext.now()`), nil for none.
    public var deadline: UInt64?
    /// `SET hnsw.ef_search` (or the request's ef_search): overrides the index's.
    public var efSearch: Int?
    /// Receives what each vector search did (EXPLAIN ANALYZE), when set.
    public var vectorSearchLog: VectorSearchLog?
    /// The settings SET in the session (lower-cased names, as SHOW prints
    /// them), for current_setting(); names not here read `SettingDefaults`.
    public var settings: [String: String] = [:]

    public init(parameters: [Value] = [], deadline: UInt64? = nil, efSearch: Int? = nil) {
        self.parameters = parameters; self.deadline = deadline; self.efSearch = efSearch
    }

    public static func now() -> UInt64 { DispatchFreeClock.monotonicNanos() }

    /// Throws 57014 once the deadline has passed.
    func checkDeadline() throws(SQLError) {
        if let deadline, Self.now() > deadline {
            throw SQLError(SQLState.queryCanceled, "canceling statement due to statement timeout")
        }
    }
}

/// The settings SHOW and current_setting() know before any SET: pgvector's
/// `hnsw.` ones and a few that clients commonly read.
public enum SettingDefaults {
    public static let values: [String: String] = [
        "hnsw.ef_search": "40", "hnsw.iterative_scan": "off", "hnsw.max_scan_tuples": "20000",
        "hnsw.scan_mem_multiplier": "1", "timezone": "UTC", "client_encoding": "UTF8", "server_encoding": "UTF8",
        "standard_conforming_strings": "on", "datestyle": "ISO, MDY", "search_path": "\"$user\", public",
    ]
}

/// The result of one statement.
public struct StatementResult: Sendable {
    public var statementType: String
    public var columns: [String]
    public var columnTypes: [DataType]
    public var rows: [Row]
    public var affectedRows: Int

    public init(statementType: String, columns: [String] = [], columnTypes: [DataType] = [],
                rows: [Row] = [], affectedRows: Int = 0) {
        self.statementType = statementType; self.columns = columns; self.columnTypes = columnTypes
        self.rows = rows; self.affectedRows = affectedRows
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum DispatchFreeClock {
    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
