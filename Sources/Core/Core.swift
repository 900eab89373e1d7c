// Core: the vocabulary every layer shares and nothing else.
//
// A `Value` is one SQL datum; a `Row` is the values of one table row in
// column order; a `DataType` names a column's declared type. The global
// commit clock counts in `SCN`s (system change numbers: +1 per commit across
// all branches) and a `BranchID` names a line of history. Errors of every
// layer conform to `DatabaseError`, which carries the PostgreSQL SQLSTATE the
// service maps to an HTTP status; no layer below the service knows HTTP.

/// A system change number: the position of a commit on the global clock.
public struct SCN: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }
    public static let zero = SCN(0)
    public static func < (lhs: SCN, rhs: SCN) -> Bool { lhs.rawValue < rhs.rawValue }
    public var next: SCN { SCN(rawValue + 1) }
    public var description: String { String(rawValue) }
}

/// Identifies a branch of the database; `main` is always 1.
public struct BranchID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let main = BranchID(rawValue: 1)
    public var description: String { String(rawValue) }
}

/// Identifies a transaction; assigned when it begins, never reused.
public struct TransactionID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: TransactionID, rhs: TransactionID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// The values of one row, in column order.
public typealias Row = [Value]

/// A point in the commit history, as `AS OF` names it.
public enum HistoryPoint: Sendable, Equatable {
    /// The latest commit (of the reader's snapshot).
    case now
    case scn(SCN)
    case transaction(TransactionID)
    /// The last commit at or before this wall-clock time (µs since the epoch).
    case timestamp(micros: Int64)
}

/// One version of a row, for `VERSIONS BETWEEN`.
public struct RowVersion: Sendable, Equatable {
    /// The row's values (for a delete: the values it had before).
    public var row: Row
    public var startSCN: SCN
    /// The SCN of the next version of the key, nil while current.
    public var endSCN: SCN?
    /// "I" insert, "U" update, "D" delete (Oracle's VERSIONS_OPERATION).
    public var operation: String
    public var transactionID: TransactionID?
    public var startMicros: Int64?
    public var endMicros: Int64?

    public init(row: Row, startSCN: SCN, endSCN: SCN?, operation: String, transactionID: TransactionID?,
                startMicros: Int64?, endMicros: Int64?) {
        self.row = row; self.startSCN = startSCN; self.endSCN = endSCN; self.operation = operation
        self.transactionID = transactionID; self.startMicros = startMicros; self.endMicros = endMicros
    }
}

/// A changed key with its row as a view last saw it and as it is now
/// (nil: absent).
public struct TableChange: Sendable, Equatable {
    public var key: RowKey
    public var old: Row?
    public var new: Row?
    public init(key: RowKey, old: Row?, new: Row?) { self.key = key; self.old = old; self.new = new }
}
