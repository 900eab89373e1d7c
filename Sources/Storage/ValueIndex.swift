import Core

/// An ordered index over one column of a table's committed rows: every
/// value any version of a row has held, with the keys that held it. It is
/// built on first use and extended at each commit; entries are never
/// removed, so a lookup returns candidates whose visible row the reader
/// still checks (stale and invisible versions drop out there).
final class ValueIndex {
    private(set) var keysByValue: [Value: [RowKey]] = [:]
    /// Distinct values in `Value.order`; nil after new values arrive until re-sorted.
    private var sortedValues: [Value]? = []

    init(chains: [VersionChain], column: Int) {
        for chain in chains {
            for version in chain.versions { if let row = version.row, column < row.count { add(row[column], chain.key) } }
        }
        sortedValues = nil
    }

    func add(_ value: Value, _ key: RowKey) {
        if value.isNull { return }
        if var keys = keysByValue[value] {
            if keys.last != key {
                keys.append(key)
                keysByValue[value] = keys
            }
        } else {
            keysByValue[value] = [key]
            sortedValues = nil
        }
    }

    var needsSorting: Bool { sortedValues == nil }

    func sort() {
        if sortedValues == nil { sortedValues = keysByValue.keys.sorted { Value.order($0, $1) < 0 } }
    }

    /// Keys of rows whose value lies within the bounds (nil bound = open).
    /// Call `sort()` first (under the write lock) when `needsSorting`.
    func keys(lower: Value?, lowerInclusive: Bool, upper: Value?, upperInclusive: Bool) -> [RowKey] {
        guard let values = sortedValues else { return [] }
        var start = 0
        if let lower {
            var lo = 0, hi = values.count
            while lo < hi {
                let mid = (lo + hi) / 2
                let c = Value.order(values[mid], lower)
                if c < 0 || (c == 0 && !lowerInclusive) { lo = mid + 1 } else { hi = mid }
            }
            start = lo
        }
        var result: [RowKey] = []
        var i = start
        while i < values.count {
            if let upper {
                let c = Value.order(values[i], upper)
                if c > 0 || (c == 0 && !upperInclusive) { break }
            }
            result.append(contentsOf: keysByValue[values[i]] ?? [])
            i += 1
        }
        return result
    }
}
