import Core

/// Reads one value of a row: a plain column by index, anything else
/// through its compiled closure. Group keys and aggregate arguments are
/// usually plain columns, and a refresh reads them once per changed row;
/// indexing skips the closure call and its context's reference counting.
enum ValueReader {
    case column(Int)
    case computed(CompiledExpression)

    init(_ expression: BoundExpression) {
        if case .slot(let i) = expression { self = .column(i) } else { self = .computed(expression.compiled()) }
    }

    @inline(__always)
    func callAsFunction(_ row: Row, _ env: Environment) throws(SQLError) -> Value {
        switch self {
        case .column(let i): row[i]
        case .computed(let read): try read(row, env)
        }
    }
}

/// The groups a refresh touches, numbered by first use, and how a row finds
/// its group: the group key's values are read from the row and compared
/// with the last group found, then with each group while there are a
/// handful (comparing beats hashing), then through a hash table. A
/// one-column key is kept as its value, with no `RowKey` built per row.
struct GroupIndex {
    /// Each group's key, by number.
    private(set) var keys: [RowKey] = []
    private let readers: [ValueReader]
    /// One-column keys: the key values, by number, and their numbers.
    private var values: ContiguousArray<Value> = []
    private var numberOfValue: [Value: Int] = [:]
    /// Wider keys (and the single group of a view without GROUP BY).
    private var numberOfKey: [RowKey: Int] = [:]
    private var last = -1
    private static let scanLimit = 8

    init(_ readers: [ValueReader]) { self.readers = readers }

    var count: Int { keys.count }

    /// The number of `row`'s group, adding the group when it is new.
    mutating func group(of row: Row, _ env: Environment) throws(SQLError) -> Int {
        if readers.count == 1 {
            let value = try readers[0](row, env)
            if last >= 0 && values[last] == value { return last }
            if let found = number(of: value) { last = found; return found }
            last = values.count
            values.append(value)
            numberOfValue[value] = last
            keys.append(RowKey(value))
            return last
        }
        let key = try self.key(of: row, env)
        if let found = numberOfKey[key] { return found }
        numberOfKey[key] = keys.count
        keys.append(key)
        return keys.count - 1
    }

    /// The number of `row`'s group when it is one of these.
    func existingGroup(of row: Row, _ env: Environment) throws(SQLError) -> Int? {
        if readers.count == 1 { return number(of: try readers[0](row, env)) }
        return numberOfKey[try key(of: row, env)]
    }

    /// The group key of `row` (a view without GROUP BY has one group).
    func key(of row: Row, _ env: Environment) throws(SQLError) -> RowKey {
        switch readers.count {
        case 0: return MaintenancePlan.globalGroup
        case 1: return RowKey(try readers[0](row, env))
        default:
            var values: [Value] = []
            values.reserveCapacity(readers.count)
            for read in readers { values.append(try read(row, env)) }
            return RowKey(values)
        }
    }

    /// Adds the group of a view without GROUP BY (which exists with no rows).
    mutating func addGlobalGroup() -> Int {
        if let found = numberOfKey[MaintenancePlan.globalGroup] { return found }
        numberOfKey[MaintenancePlan.globalGroup] = keys.count
        keys.append(MaintenancePlan.globalGroup)
        return keys.count - 1
    }

    private func number(of value: Value) -> Int? {
        guard values.count <= Self.scanLimit else { return numberOfValue[value] }
        for i in values.indices where values[i] == value { return i }
        return nil
    }
}
