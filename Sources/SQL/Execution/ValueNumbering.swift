import Core

/// Gives each distinct value a dense number (0, 1, 2, … in first-seen
/// order): the lookup structure behind hash aggregation, hash joins, semi
/// joins, IN sets, COUNT(DISTINCT) and window partitions. Integers, the
/// common key, go through an open-addressing table with a multiplicative
/// hash; every other value through a Swift dictionary. Equality is
/// `Value`'s own (integer 1 and double 1.0 differ: callers that need them
/// to meet normalize first).
struct ValueNumbering: KeyNumbering {
    private var integers = IntegerTable()
    private var others: [Value: Int] = [:]
    private(set) var count = 0

    init(capacity: Int = 0) {
        integers = IntegerTable(capacity: capacity)
    }

    var isEmpty: Bool { count == 0 }

    /// The number of `value`, assigning the next one if it is new.
    @inline(__always)
    mutating func number(_ value: Value) -> (number: Int, isNew: Bool) {
        if case .integer(let i) = value {
            let found = integers.findOrInsert(i, next: count)
            if found.isNew { count += 1 }
            return found
        }
        if let existing = others[value] { return (existing, false) }
        others[value] = count
        count += 1
        return (count - 1, true)
    }

    /// The number of `value` if it has one.
    @inline(__always)
    func lookup(_ value: Value) -> Int? {
        if case .integer(let i) = value { return integers.find(i) }
        return others.isEmpty ? nil : others[value]
    }

    func contains(_ value: Value) -> Bool { lookup(value) != nil }
}

/// Dense numbering of keys, single values or composite ones.
protocol KeyNumbering {
    associatedtype Key
    init(capacity: Int)
    var count: Int { get }
    mutating func number(_ key: Key) -> (number: Int, isNew: Bool)
    func lookup(_ key: Key) -> Int?
}

/// Numbering of multi-column keys.
struct CompositeNumbering: KeyNumbering {
    private var numbers: [[Value]: Int] = [:]
    var count: Int { numbers.count }

    init(capacity: Int = 0) { numbers.reserveCapacity(capacity) }

    mutating func number(_ key: [Value]) -> (number: Int, isNew: Bool) {
        if let existing = numbers[key] { return (existing, false) }
        numbers[key] = numbers.count
        return (numbers.count - 1, true)
    }

    func lookup(_ key: [Value]) -> Int? { numbers[key] }
}

/// Open addressing with linear probing from Int64 keys to Int numbers;
/// grows at half full so probe runs stay short.
private struct IntegerTable {
    private var keys: [Int64] = []
    private var numbers: [Int] = []   // -1 = empty slot
    private var used = 0
    private var shift = 64

    init(capacity: Int = 0) {
        if capacity > 0 { allocate(slots: Self.slots(for: capacity)) }
    }

    private static func slots(for count: Int) -> Int {
        var slots = 16
        while slots < count * 2 { slots <<= 1 }
        return slots
    }

    private mutating func allocate(slots: Int) {
        keys = [Int64](repeating: 0, count: slots)
        numbers = [Int](repeating: -1, count: slots)
        shift = 64 - slots.trailingZeroBitCount
    }

    @inline(__always)
    private func home(_ key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    func find(_ key: Int64) -> Int? {
        if used == 0 { return nil }
        let mask = keys.count - 1
        var slot = home(key)
        while true {
            let n = numbers[slot]
            if n < 0 { return nil }
            if keys[slot] == key { return n }
            slot = (slot + 1) & mask
        }
    }

    mutating func findOrInsert(_ key: Int64, next: Int) -> (number: Int, isNew: Bool) {
        if (used + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var slot = home(key)
        while true {
            let n = numbers[slot]
            if n < 0 {
                keys[slot] = key; numbers[slot] = next; used += 1
                return (next, true)
            }
            if keys[slot] == key { return (n, false) }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldNumbers = numbers
        allocate(slots: max(16, oldKeys.count * 2))
        let mask = keys.count - 1
        for i in oldKeys.indices where oldNumbers[i] >= 0 {
            var slot = home(oldKeys[i])
            while numbers[slot] >= 0 { slot = (slot + 1) & mask }
            keys[slot] = oldKeys[i]; numbers[slot] = oldNumbers[i]
        }
    }
}
