import Core

/// Change capture for materialized views.
///
/// Each table of each branch keeps an SCN-ordered log of its row changes:
/// one entry (SCN, slot) per version appended, whether by a commit, a
/// merge or log replay, and rebuilt from the version chains when a
/// checkpoint is loaded. A change's rows need no copy: the version chain
/// of the slot holds the row before and after any SCN. Entries at or below
/// `floor` are gone (history collection drops them with the versions), so
/// changes since an SCN below the floor cannot be listed and the caller
/// recomputes instead.
struct ChangeLog {
    private(set) var scns: [UInt64] = []
    private(set) var slots: [Int32] = []
    /// Changes at or below this SCN are no longer listed.
    private(set) var floor: SCN = .zero

    init() {}

    /// The log of a table loaded from a checkpoint: every retained version.
    init(rebuiltFrom history: ContiguousArray<[Version]>) {
        var entries: [(UInt64, Int32)] = []
        for (slot, versions) in history.enumerated() {
            for version in versions { entries.append((version.scn.rawValue, Int32(slot))) }
        }
        entries.sort { $0.0 < $1.0 }
        scns = entries.map(\.0)
        slots = entries.map(\.1)
    }

    mutating func append(slot: Int, scn: SCN) {
        // Commits arrive in SCN order; a replayed or merged version never goes back in time.
        if let last = scns.last, last > scn.rawValue { floor = max(floor, SCN(last)) }
        scns.append(scn.rawValue)
        slots.append(Int32(slot))
    }

    /// Forgets changes at or below `scn`.
    mutating func drop(through scn: SCN) {
        guard scn > floor else { return }
        let cut = firstIndex(above: scn)
        scns.removeFirst(cut)
        slots.removeFirst(cut)
        floor = scn
    }

    /// Whether changes after `scn` are all listed.
    func reaches(back scn: SCN) -> Bool { scn >= floor }

    /// Slots changed in (after, through], with the SCN of each change.
    func changes(after: SCN, through: SCN) -> ArraySlice<Int32> {
        slots[firstIndex(above: after)..<firstIndex(above: through)]
    }

    /// The number of entries in (after, through].
    func count(after: SCN, through: SCN) -> Int {
        firstIndex(above: through) - firstIndex(above: after)
    }

    /// The index of the first entry with SCN above `scn` (binary search).
    private func firstIndex(above scn: SCN) -> Int {
        var low = 0, high = scns.count
        while low < high {
            let mid = (low + high) >> 1
            if scns[mid] <= scn.rawValue { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

extension MemoryTransaction {
    /// The keys of `table` changed on this branch after `scn` (up to this
    /// transaction's snapshot, plus its own pending writes), each with its
    /// row at `scn` and its row now (changes that cancel out are left out).
    /// Nil when some layer's log no longer reaches back to `scn`.
    func changes(of table: TableSchema, after scn: SCN) -> [TableChange]? {
        let (now, pending) = readPoint(table)
        return store.lock.reading { () -> [TableChange]? in
            let layers = data.layers(at: now)
            var changes: [TableChange] = []
            // Keys already listed, kept only when another layer or pending
            // writes could list them again.
            let crossCheck = layers.count > 1 || pending != nil
            var listed = Set<RowKey>()
            // The own layer: deduplicated by slot, rows read from the slot's
            // version list (its parent only for a key new since `scn`).
            if let own = layers[0].branch.tables[table.id], now > scn {
                guard own.changeLog.reaches(back: scn) else { return nil }
                // Each slot once, in slot order (neighbouring rows stored together).
                var slots = Array(own.changeLog.changes(after: scn, through: now))
                slots.sort()
                changes.reserveCapacity(slots.count)
                // Read through locals: a class's array property read in the
                // loop costs an exclusivity check and a retain per access.
                let chains = own.chains, history = own.history
                var previous: Int32 = -1
                for slot in slots where slot != previous {
                    previous = slot
                    let key = chains[Int(slot)].key
                    if crossCheck {
                        if pending?.changes[key] != nil { continue }
                        listed.insert(key)
                    }
                    let versions = history[Int(slot)]
                    let new = VersionChain.visibleRow(versions, at: now)
                    let old = versions.first.map { $0.scn <= scn } == true
                        ? VersionChain.visibleRow(versions, at: scn) : data.row(table: table.id, key: key, at: scn)
                    if old != new { changes.append(TableChange(key: key, old: old, new: new)) }
                }
            }
            for (layer, cap) in layers.dropFirst() where cap > scn {
                guard let parent = layer.tables[table.id] else { continue }
                guard parent.changeLog.reaches(back: scn) else { return nil }
                for slot in parent.changeLog.changes(after: scn, through: cap) {
                    let key = parent.chains[Int(slot)].key
                    guard pending?.changes[key] == nil, listed.insert(key).inserted else { continue }
                    let old = data.row(table: table.id, key: key, at: scn), new = data.row(table: table.id, key: key, at: now)
                    if old != new { changes.append(TableChange(key: key, old: old, new: new)) }
                }
            }
            if let pending {
                var seen = Set<RowKey>()
                for key in pending.order where seen.insert(key).inserted {
                    let old = data.row(table: table.id, key: key, at: scn), new = pending.changes[key] ?? nil
                    if old != new { changes.append(TableChange(key: key, old: old, new: new)) }
                }
            }
            return changes
        }
    }

    /// How many row changes of `table` after `scn` this branch has (the
    /// view's pending changes); nil when the log does not reach back.
    func changeCount(of table: TableSchema, after scn: SCN) -> Int? {
        store.lock.reading { () -> Int? in
            var total = 0
            for (layer, cap) in data.layers(at: snapshotSCN) where cap > scn {
                guard let own = layer.tables[table.id] else { continue }
                guard own.changeLog.reaches(back: scn) else { return nil }
                total += own.changeLog.count(after: scn, through: cap)
            }
            return total
        }
    }

    /// The commits that changed `name`'s catalog entry on this branch's
    /// layers, oldest first (an SCN and the schema it set; nil: dropped).
    func catalogHistory(of name: String) -> [(scn: SCN, schema: TableSchema?)] {
        store.lock.reading {
            var entries: [(scn: SCN, schema: TableSchema?)] = []
            for (layer, cap) in data.layers(at: snapshotSCN) {
                entries += (layer.catalog[name] ?? []).filter { $0.scn <= cap }
            }
            return entries.sorted { $0.scn < $1.scn }
        }
    }
}
