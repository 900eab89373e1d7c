import Core

/// One branch's committed state and where it came from.
///
/// A branch owns only what was committed on it: a versioned catalog and
/// the rows it wrote. Everything else it reads through its parent as of
/// its fork SCN, so creating a branch copies nothing (O(1) in time and
/// space whatever the data size). Reading branch B at SCN s:
///
///     layer 0: B's own versions at s
///     layer 1: B's parent at min(s, B.fork)
///     layer 2: the grandparent at min(that, parent.fork) …
///
/// A key (or catalog name) answers from the first layer holding a version
/// of it at that layer's SCN, tombstones included, so a row B deleted stays
/// deleted even though the parent still has it.
final class BranchData {
    let id: BranchID
    let name: String
    let parent: BranchData?
    /// The parent's state this branch starts from (zero for `main`).
    let forkSCN: SCN
    let createdMicros: Int64
    /// "active", or "merged" once merged into another branch.
    var status = "active"
    var catalog: [String: [(scn: SCN, schema: TableSchema?)]] = [:]
    var tables: [UInt64: TableData] = [:]
    /// SCNs of the commits made on this branch (for statistics).
    var commitCount = 0
    var lastModifiedMicros: Int64?

    init(id: BranchID, name: String, parent: BranchData?, forkSCN: SCN, createdMicros: Int64) {
        self.id = id; self.name = name; self.parent = parent; self.forkSCN = forkSCN
        self.createdMicros = createdMicros
    }

    /// This branch at `scn`, then each ancestor at the SCN it is read at.
    func layers(at scn: SCN) -> [(branch: BranchData, scn: SCN)] {
        var result: [(branch: BranchData, scn: SCN)] = [(self, scn)]
        var current = self, at = scn
        while let parent = current.parent {
            at = min(at, current.forkSCN)
            result.append((parent, at))
            current = parent
        }
        return result
    }

    /// Each layer at the newest SCN this branch can read it at (its own at
    /// the newest, each ancestor at the nearest fork below it).
    var layerCaps: [(branch: BranchData, scn: SCN)] { layers(at: SCN(rawValue: .max)) }

    var hasParent: Bool { parent != nil }

    // MARK: Catalog

    /// The newest catalog entry of `name` at or below `scn` on this branch alone.
    private func ownEntry(_ name: String, at scn: SCN) -> (found: Bool, schema: TableSchema?) {
        guard let chain = catalog[name] else { return (false, nil) }
        for entry in chain.reversed() where entry.scn <= scn { return (true, entry.schema) }
        return (false, nil)
    }

    func schema(named name: String, at scn: SCN) -> TableSchema? {
        if parent == nil { return ownEntry(name, at: scn).schema }  // one layer: no list to build
        for (branch, at) in layers(at: scn) {
            let entry = branch.ownEntry(name, at: at)
            if entry.found { return entry.schema }
        }
        return nil
    }

    func tableNames(at scn: SCN) -> [String] {
        var names = Set<String>()
        for (branch, _) in layers(at: scn) { names.formUnion(branch.catalog.keys) }
        return names.filter { schema(named: $0, at: scn) != nil }.sorted()
    }

    // MARK: Rows

    /// The row with `key` at `scn` through the layers (nil when absent or deleted).
    func row(table: UInt64, key: RowKey, at scn: SCN) -> Row? {
        for (branch, at) in layers(at: scn) {
            if let found = branch.tables[table]?.lookup(key, at: at) { return found }
        }
        return nil
    }

    /// Calls `body` with every row of `table` visible at `scn` whose key
    /// `skip` does not claim. Own rows first, then each ancestor's rows that
    /// no nearer layer has a version of.
    func forEachRow(table: UInt64, at scn: SCN, skip: ((RowKey) -> Bool)?,
                    _ body: (RowKey?, Row) throws -> Void) rethrows {
        let layers = layers(at: scn)
        if layers.count == 1 {
            guard let data = tables[table] else { return }
            try data.forEachRow(at: scn, skip: skip, body)
            return
        }
        for (depth, (branch, at)) in layers.enumerated() {
            guard let data = branch.tables[table] else { continue }
            let nearer = NearerLayers(layers, before: depth, table: table)
            try data.forEachRow(at: at, skip: { key in
                if let skip, skip(key) { return true }
                return nearer.claim(key)
            }, body)
        }
    }

    /// Rows of this branch alone that changed after `scn`: key → newest row (nil = deleted).
    func ownChanges(table: UInt64, after scn: SCN) -> [(RowKey, Row?)] {
        guard let data = tables[table] else { return [] }
        var changes: [(RowKey, Row?)] = []
        for chain in data.chains where chain.latestSCN > scn {
            changes.append((chain.key, chain.versions.last?.row ?? nil))
        }
        return changes
    }

    /// Versions this branch itself holds, for statistics.
    var ownVersionCount: Int { tables.values.reduce(0) { $0 + $1.chains.reduce(0) { $0 + $1.versions.count } } }
    var ownKeyCount: Int { tables.values.reduce(0) { $0 + $1.chains.count } }
}

extension TableData {
    /// Visible rows at `scn`; keys are passed only when `skip` needs them.
    func forEachRow(at scn: SCN, skip: ((RowKey) -> Bool)?, _ body: (RowKey?, Row) throws -> Void) rethrows {
        try latest.withUnsafeBufferPointer { rows in
            try latestSCN.withUnsafeBufferPointer { scns in
                try history.withUnsafeBufferPointer { history in
                    for i in 0..<rows.count {
                        if let skip, skip(chains[i].key) { continue }
                        if scns[i] <= scn {
                            if let row = rows[i] { try body(skip == nil ? nil : chains[i].key, row) }
                        } else if let row = VersionChain.visibleRow(history[i], at: scn) {
                            try body(skip == nil ? nil : chains[i].key, row)
                        }
                    }
                }
            }
        }
    }
}

/// The layers in front of one (the branch itself, then the ancestors up to
/// it) that hold a table, each at the SCN it is read at. A key any of them
/// has a version of, a deletion included, is theirs: the farther layer's
/// versions of it are hidden.
struct NearerLayers {
    private let tables: [(data: TableData, scn: SCN)]

    init(_ layers: [(branch: BranchData, scn: SCN)], before depth: Int, table: UInt64) {
        tables = layers[0..<depth].compactMap { layer in layer.branch.tables[table].map { ($0, layer.scn) } }
    }

    var isEmpty: Bool { tables.isEmpty }

    func claim(_ key: RowKey) -> Bool {
        tables.contains { data, scn in
            guard let chain = data.index[key], let first = chain.versions.first else { return false }
            return first.scn <= scn
        }
    }
}
