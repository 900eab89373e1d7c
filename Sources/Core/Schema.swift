/// The shape of a table as the catalog records it. A table's `id` is unique
/// for the life of the database, so a table dropped and created again under
/// the same name is a different table with different data.
public struct TableSchema: Hashable, Sendable {
    public var id: UInt64
    public var name: String
    public var columns: [ColumnSchema]
    /// Indexes into `columns` of the primary key, in key order; empty when the
    /// table has none (rows are then keyed by a hidden row id).
    public var primaryKey: [Int]
    /// Secondary indexes (and UNIQUE constraints, which are unique indexes).
    public var indexes: [IndexSchema]
    /// For a view: the SQL text of its query (the view has no rows of its own).
    public var viewQuery: String?
    /// CHECK constraints: name and the SQL text of the condition.
    public var checks: [CheckConstraint]
    public var foreignKeys: [ForeignKeySchema]
    /// For a materialized view: its definition and refresh state. The view's
    /// rows are the table's rows (stored, branched and versioned like any
    /// table's); only refreshes write them.
    public var materialized: MaterializedViewInfo?
    /// Set on a schema read `AS OF` a past commit: reads of the table's rows
    /// then see the state after that commit instead of the transaction's
    /// snapshot (and none of its pending writes). Never stored in the catalog.
    public var readSCN: SCN?

    public init(id: UInt64, name: String, columns: [ColumnSchema], primaryKey: [Int],
                indexes: [IndexSchema] = [], viewQuery: String? = nil,
                checks: [CheckConstraint] = [], foreignKeys: [ForeignKeySchema] = []) {
        self.id = id; self.name = name; self.columns = columns; self.primaryKey = primaryKey
        self.indexes = indexes; self.viewQuery = viewQuery; self.checks = checks; self.foreignKeys = foreignKeys
    }

    public var isView: Bool { viewQuery != nil }
    public var isMaterializedView: Bool { materialized != nil }

    /// The index of the column called `name`, nil when there is none.
    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    /// The key of `row`: its primary-key values; nil for a table without one.
    public func primaryKeyOf(_ row: Row) -> RowKey? {
        if primaryKey.isEmpty { return nil }
        if primaryKey.count == 1 { return RowKey(row[primaryKey[0]]) }
        return RowKey(primaryKey.map { row[$0] })
    }
}

/// What the catalog keeps of a materialized view besides its columns.
public struct MaterializedViewInfo: Hashable, Sendable {
    /// The defining query's SQL text.
    public var query: String
    /// `WITH (…)` options, names lower-cased, values as text (checked when set).
    public var options: [String: String]
    /// The SCN of the snapshot the rows were computed from; nil while the view
    /// has never been populated (`WITH NO DATA`).
    public var refreshedSCN: SCN?
    /// For a view kept for incremental maintenance: how many leading columns
    /// readers see (the rest is bookkeeping); nil when all are visible.
    public var visibleColumns: Int?
    /// The boolean column that hides a stored row from readers (a group
    /// failing HAVING), if any.
    public var visibilityColumn: Int?
    /// Set when the refresh that wrote the rows also saw uncommitted writes
    /// of its own transaction to the base tables: the rows then match no
    /// single SCN, so the next refresh recomputes.
    public var sawOwnWrites: Bool

    public init(query: String, options: [String: String] = [:], refreshedSCN: SCN? = nil,
                visibleColumns: Int? = nil, visibilityColumn: Int? = nil, sawOwnWrites: Bool = false) {
        self.query = query; self.options = options; self.refreshedSCN = refreshedSCN
        self.visibleColumns = visibleColumns; self.visibilityColumn = visibilityColumn; self.sawOwnWrites = sawOwnWrites
    }
}

public struct CheckConstraint: Hashable, Sendable {
    public var name: String
    /// The condition as SQL text, re-parsed when rows are checked.
    public var condition: String
    public init(name: String, condition: String) { self.name = name; self.condition = condition }
}

/// `FOREIGN KEY (columns) REFERENCES table (referencedColumns)`.
public struct ForeignKeySchema: Hashable, Sendable {
    public enum Action: String, Hashable, Sendable { case noAction, restrict, cascade, setNull, setDefault }
    public var name: String
    /// Positions of the referencing columns in this table.
    public var columns: [Int]
    public var referencedTable: String
    /// Names of the referenced columns (its primary key or a unique index).
    public var referencedColumns: [String]
    public var onDelete: Action
    public var onUpdate: Action

    public init(name: String, columns: [Int], referencedTable: String, referencedColumns: [String],
                onDelete: Action, onUpdate: Action) {
        self.name = name; self.columns = columns; self.referencedTable = referencedTable
        self.referencedColumns = referencedColumns; self.onDelete = onDelete; self.onUpdate = onUpdate
    }
}

/// An index over one or more columns of a table.
public struct IndexSchema: Hashable, Sendable {
    public var name: String
    /// Indexes into the table's columns, in key order.
    public var columns: [Int]
    public var unique: Bool
    /// `btree`, `hash`, `hnsw`…
    public var method: String
    /// `WITH (…)` options as written, for methods that take them.
    public var options: [String: String]

    public init(name: String, columns: [Int], unique: Bool, method: String = "btree", options: [String: String] = [:]) {
        self.name = name; self.columns = columns; self.unique = unique; self.method = method; self.options = options
    }
}

public struct ColumnSchema: Hashable, Sendable {
    public var name: String
    public var type: DataType
    public var notNull: Bool
    /// The value used when an INSERT omits the column (NULL when nil).
    public var defaultValue: Value?
    /// A default evaluated for each row (`now()`, `random()`,
    /// `gen_random_uuid()`): its SQL text; `defaultValue` is nil then.
    public var defaultExpression: String?
    /// SERIAL/BIGSERIAL: an omitted value is taken from the column's sequence.
    public var serial: Bool

    public init(name: String, type: DataType, notNull: Bool = false, defaultValue: Value? = nil, serial: Bool = false) {
        self.name = name; self.type = type; self.notNull = notNull; self.defaultValue = defaultValue; self.serial = serial
    }
}

/// Identifies one row within a table: its primary-key values, or a hidden
/// row id for tables without a primary key.
public struct RowKey: Hashable, Sendable, CustomStringConvertible {
    /// A one-column key (the usual case) is the value itself, with no array.
    private enum Storage: Hashable, Sendable {
        case one(Value)
        case many([Value])
    }
    private let storage: Storage

    public init(_ values: [Value]) { storage = values.count == 1 ? .one(values[0]) : .many(values) }
    public init(_ single: Value) { storage = .one(single) }

    public var values: [Value] {
        switch storage {
        case .one(let v): [v]
        case .many(let vs): vs
        }
    }

    public var description: String {
        values.count == 1 ? values[0].description : "(" + values.map(\.description).joined(separator: ", ") + ")"
    }
}
