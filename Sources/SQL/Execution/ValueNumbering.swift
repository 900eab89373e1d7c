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

/// Open addressing with linear probing from Int64 keys to Int values,
/// each slot holding its key and value side by side (one cache line per
/// probe); grows at half full so probe runs stay short.
struct IntegerTable {
    private struct Slot {
        var key: Int64
        var value: Int   // -1 = empty
    }
    private var slots: [Slot] = []
    private var used = 0
    private var shift = 64

    init(capacity: Int = 0) {
        if capacity > 0 { allocate(count: Self.slotCount(for: capacity)) }
    }

    private static func slotCount(for count: Int) -> Int {
        var n = 16
        while n < count * 2 { n <<= 1 }
        return n
    }

    private mutating func allocate(count: Int) {
        slots = [Slot](repeating: Slot(key: 0, value: -1), count: count)
        shift = 64 - count.trailingZeroBitCount
    }

    @inline(__always)
    private func home(_ key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    func find(_ key: Int64) -> Int? {
        if used == 0 { return nil }
        return slots.withUnsafeBufferPointer { table in
            let mask = table.count - 1
            var i = home(key)
            while true {
                let slot = table[i]
                if slot.value < 0 { return nil }
                if slot.key == key { return slot.value }
                i = (i + 1) & mask
            }
        }
    }

    /// The value of `key`, inserting `value` for it when absent.
    mutating func findOrInsert(_ key: Int64, next value: Int) -> (number: Int, isNew: Bool) {
        let i = position(key)
        if slots[i].value >= 0 { return (slots[i].value, false) }
        slots[i] = Slot(key: key, value: value)
        used += 1
        return (value, true)
    }

    /// Sets the value of `key`, returning the one it replaces.
    mutating func replace(_ key: Int64, with value: Int) -> Int? {
        let i = position(key)
        let old = slots[i].value
        if old < 0 { used += 1 }
        slots[i] = Slot(key: key, value: value)
        return old < 0 ? nil : old
    }

    /// The slot holding `key`, or the empty one where it would go (after
    /// growing if the table is half full).
    private mutating func position(_ key: Int64) -> Int {
        if (used + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var i = home(key)
        while slots[i].value >= 0 && slots[i].key != key { i = (i + 1) & mask }
        return i
    }

    private mutating func grow() {
        let old = slots
        allocate(count: max(16, old.count * 2))
        let mask = slots.count - 1
        for slot in old where slot.value >= 0 {
            var i = home(slot.key)
            while slots[i].value >= 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }
}
