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

    public init(id: UInt64, name: String, columns: [ColumnSchema], primaryKey: [Int]) {
        self.id = id; self.name = name; self.columns = columns; self.primaryKey = primaryKey
    }

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

public struct ColumnSchema: Hashable, Sendable {
    public var name: String
    public var type: DataType
    public var notNull: Bool
    /// The value used when an INSERT omits the column (NULL when nil).
    public var defaultValue: Value?

    public init(name: String, type: DataType, notNull: Bool = false, defaultValue: Value? = nil) {
        self.name = name; self.type = type; self.notNull = notNull; self.defaultValue = defaultValue
    }
}

/// Identifies one row within a table: its primary-key values, or a hidden
/// row id for tables without a primary key.
public struct RowKey: Hashable, Sendable, CustomStringConvertible {
    public var values: [Value]
    public init(_ values: [Value]) { self.values = values }
    public init(_ single: Value) { self.values = [single] }
    public var description: String {
        values.count == 1 ? values[0].description : "(" + values.map(\.description).joined(separator: ", ") + ")"
    }
}
