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
