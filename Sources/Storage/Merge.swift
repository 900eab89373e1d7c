import Core

/// How a merge settles a key changed differently on both sides.
public enum MergeStrategy: String, Sendable {
    /// Apply nothing and list every conflict.
    case fail
    /// Keep the target's version (`ours`, `target_wins`).
    case ours
    /// Take the source's version (`theirs`, `branch_wins`).
    case theirs

    public init?(name: String) {
        switch name.lowercased() {
        case "fail": self = .fail
        case "ours", "target_wins": self = .ours
        case "theirs", "branch_wins": self = .theirs
        default: return nil
        }
    }
}

/// A key (or a table's schema) changed differently on both sides since the fork.
public struct MergeConflict: Sendable, Equatable {
    public var table: String
    /// The row key as text, or "schema" for a schema conflict.
    public var key: String
    public var columns: [String]
    public var base: Row?
    public var source: Row?
    public var target: Row?
}

public struct MergeOutcome: Sendable, Equatable {
    /// The SCN of the merge commit; nil when nothing was applied.
    public var scn: SCN?
    /// Row changes applied to the target.
    public var mergedKeys: Int
    public var conflicts: [MergeConflict]
    /// False when the `fail` strategy met conflicts and nothing was applied.
    public var completed: Bool
}

extension MemoryStore {
    /// Three-way merge of `source` into `target` from their common ancestor
    /// as of the fork: changes made only on the source since then (row
    /// inserts, updates, deletes; new tables; added or dropped columns) are
    /// applied to the target in one commit. A key changed differently on
    /// both sides is a conflict, settled by `strategy`.
    public func merge(source: String, into target: String, strategy: MergeStrategy,
                      deleteSource: Bool) throws(StorageError) -> MergeOutcome {
        let prebuilt = prebuildMergedVectorIndexes(source: source, into: target)
        var touchesHNSW = false
        let (outcome, offset) = try lock.writing { () throws(StorageError) -> (MergeOutcome, LogPosition?) in
            guard let sourceID = branchIDs[source], let s = branches[sourceID] else {
                throw StorageError("3D000", "branch \"\(source)\" not found")
            }
            guard let targetID = branchIDs[target], let t = branches[targetID] else {
                throw StorageError("3D000", "branch \"\(target)\" not found")
            }
            if s === t { throw StorageError("22023", "cannot merge branch \"\(source)\" into itself") }
            let sourceLayers = s.layers(at: lastSCN), targetLayers = t.layers(at: lastSCN)
            guard let (ancestor, baseSCN) = Self.commonAncestor(sourceLayers, targetLayers) else {
                throw StorageError("22023", "branches \"\(source)\" and \"\(target)\" share no history")
            }
            var plan = MergePlan(strategy: strategy)
            plan.targetRelations = MergePlan.relations(of: t, at: lastSCN, freedBy: s, from: ancestor, at: baseSCN)
            // Tables the source renamed (same id, new name, old name gone)
            // while the target kept them: a rename plus a row merge.
            var renames: [String: String] = [:]
            let baseNames = ancestor.tableNames(at: baseSCN)
            for newName in s.tableNames(at: lastSCN) where ancestor.schema(named: newName, at: baseSCN) == nil {
                guard let renamed = s.schema(named: newName, at: lastSCN), t.schema(named: newName, at: lastSCN) == nil,
                      let old = baseNames.first(where: { ancestor.schema(named: $0, at: baseSCN)?.id == renamed.id }),
                      s.schema(named: old, at: lastSCN) == nil, t.schema(named: old, at: lastSCN)?.id == renamed.id else { continue }
                renames[old] = newName
            }
            for (old, new) in renames.sorted(by: { $0.key < $1.key }) {
                try plan.mergeTable(old, base: ancestor.schema(named: old, at: baseSCN), source: s.schema(named: new, at: lastSCN),
                                    target: t.schema(named: old, at: lastSCN), s: s, t: t, ancestor: ancestor, baseSCN: baseSCN,
                                    lastSCN: lastSCN, sourceLayers: sourceLayers, targetLayers: targetLayers, renameTo: new)
            }
            let names = Set(s.tableNames(at: lastSCN) + t.tableNames(at: lastSCN) + ancestor.tableNames(at: baseSCN))
                .subtracting(renames.keys).subtracting(renames.values)
            for name in names.sorted() {
                try plan.mergeTable(name, base: ancestor.schema(named: name, at: baseSCN),
                                    source: s.schema(named: name, at: lastSCN), target: t.schema(named: name, at: lastSCN),
                                    s: s, t: t, ancestor: ancestor, baseSCN: baseSCN, lastSCN: lastSCN,
                                    sourceLayers: sourceLayers, targetLayers: targetLayers)
            }
            if strategy == .fail && !plan.conflicts.isEmpty {
                return (MergeOutcome(scn: nil, mergedKeys: 0, conflicts: plan.conflicts, completed: false), nil)
            }
            var mergeSCN: SCN?
            var offset: LogPosition?
            touchesHNSW = plan.writes.touchesHNSW { t.schema(named: $0, at: lastSCN) }
            if !plan.writes.isEmpty {
                let scn = lastSCN.next
                let micros = Self.nowMicros()
                let transaction = TransactionID(rawValue: nextTransactionIDValue())
                offset = try logged(.commit(branch: t.id, scn: scn, transaction: transaction, micros: micros, writes: plan.writes))
                apply(plan.writes, to: t, scn: scn, prebuilt: prebuilt)
                lastSCN = scn
                commitLog.append(CommitRecord(scn: scn, transactionID: transaction, branch: t.id, timestampMicros: micros))
                t.commitCount += 1
                t.lastModifiedMicros = micros
                mergeSCN = scn
            }
            offset = try logged(.branchStatus(id: s.id, status: "merged")) ?? offset
            s.status = "merged"
            if deleteSource && !branches.values.contains(where: { $0.parent === s }) && s.id != .main {
                offset = try logged(.branchDropped(id: s.id)) ?? offset
                branches[s.id] = nil
                branchIDs[s.name] = nil
            }
            return (MergeOutcome(scn: mergeSCN, mergedKeys: plan.mergedKeys, conflicts: plan.conflicts, completed: true), offset)
        }
        try awaitDurable(offset)
        // Indexes the merge brought or made redundant on the target's
        // layers; the graphs of a source it deleted.
        if touchesHNSW { reconcileAncestorVectorIndexes() } else { pruneAncestorVectorIndexes() }
        return outcome
    }

    /// The nearest branch both lineages read, and the SCN of the state they
    /// share (the older of the two points they read it at).
    static func commonAncestor(_ a: [(branch: BranchData, scn: SCN)], _ b: [(branch: BranchData, scn: SCN)])
        -> (BranchData, SCN)? {
        for (branch, scn) in a {
            if let other = b.first(where: { $0.branch === branch }) { return (branch, min(scn, other.scn)) }
        }
        return nil
    }
}

/// The writes and conflicts a merge works out, table by table.
struct MergePlan {
    let strategy: MergeStrategy
    /// The target's tables and indexes by name (one namespace, as in CREATE).
    var targetRelations: [String: TargetRelation] = [:]
    var writes = WriteSet()
    var conflicts: [MergeConflict] = []
    var mergedKeys = 0

    init(strategy: MergeStrategy) { self.strategy = strategy }

    mutating func mergeTable(_ name: String, base: TableSchema?, source: TableSchema?, target: TableSchema?,
                             s: BranchData, t: BranchData, ancestor: BranchData, baseSCN: SCN, lastSCN: SCN,
                             sourceLayers: [(branch: BranchData, scn: SCN)],
                             targetLayers: [(branch: BranchData, scn: SCN)], renameTo: String? = nil) throws(StorageError) {
        if let renameTo, let source, let target, !source.isView {
            try mergeRows(name, base: base, source: source, target: target, s: s, t: t, ancestor: ancestor,
                          baseSCN: baseSCN, lastSCN: lastSCN, sourceLayers: sourceLayers, targetLayers: targetLayers,
                          renameTo: renameTo)
            return
        }
        if let source, let target, source.id == target.id, source.isMaterializedView || target.isMaterializedView {
            // A materialized view's rows follow from its own branch's
            // refreshes: the target's next refresh reads the merged base
            // table changes like any others, so merging the source's rows
            // too would count those changes twice.
            return
        }
        switch (base, source, target) {
        case (nil, let created?, nil):
            // A table created on the source only: create it with its rows
            // (unless the target gave its name to an index).
            if clashes(name, onTable: name, created: "table") { return }
            copyTable(created, named: name, from: s, at: lastSCN)
        case (let base?, nil, let target?) where target.id == base.id:
            // Dropped on the source. If the target changed it since the
            // fork, dropping would lose those changes: a conflict.
            if !target.isView && !target.isMaterializedView && Self.changed(target, since: base, targetLayers, ancestor: ancestor, baseSCN: baseSCN) {
                conflicts.append(MergeConflict(table: name, key: "schema", columns: [], base: nil,
                                               source: [.text("table dropped on the source")],
                                               target: [.text("table changed on the target")]))
                if strategy != .theirs { return }
            }
            writes.catalog[name] = .some(nil)
        case (let base?, let kept?, nil) where kept.id == base.id:
            // Dropped on the target. Changes the source made since the fork
            // would be lost: a conflict, and `theirs` brings the table back
            // as the source has it.
            guard !kept.isView && !kept.isMaterializedView && Self.changed(kept, since: base, sourceLayers, ancestor: ancestor, baseSCN: baseSCN) else { return }
            conflicts.append(MergeConflict(table: name, key: "schema", columns: [], base: nil,
                                           source: [.text("table changed on the source")],
                                           target: [.text("table dropped on the target")]))
            if strategy == .theirs { copyTable(kept, named: name, from: s, at: lastSCN) }
        case (let base?, let recreated?, let target?) where recreated.id != base.id && !recreated.isView:
            // Dropped and created again on the source: a new table (its own
            // id, rows and shape) replaces the target's, unless the target
            // recreated it too (a conflict, settled by the strategy).
            if target.id != base.id {
                conflicts.append(MergeConflict(table: name, key: "schema", columns: [], base: nil,
                                               source: [.text("table recreated on the source")],
                                               target: [.text("table recreated on the target")]))
                if strategy != .theirs { return }
            }
            copyTable(recreated, named: name, from: s, at: lastSCN)
        case (let base?, let source?, let recreated?) where recreated.id != base.id && source.id == base.id:
            // Recreated on the target only: the target's table stands.
            return
        case (nil, let source?, let target?) where source.id != target.id && !source.isView && !target.isView
                                                   && !Self.sameDefinition(source, target):
            // Created on both sides since the fork, differently (columns,
            // key or indexes: a vector store's dimensions or metric): one
            // table's rows do not fit the other's definition, so the strategy
            // picks a whole table (`theirs` the source's, otherwise the
            // target's stands).
            conflicts.append(MergeConflict(table: name, key: "schema", columns: [], base: nil,
                                           source: [.text("table created on the source as \(Self.definition(source))")],
                                           target: [.text("table created on the target as \(Self.definition(target))")]))
            if strategy == .theirs { copyTable(source, named: name, from: s, at: lastSCN) }
        case (_, let source?, let target?) where source.isView == target.isView:
            if source.isView {
                if source != target && source.viewQuery != base?.viewQuery { writes.catalog[name] = .some(source) }
                return
            }
            try mergeRows(name, base: base, source: source, target: target, s: s, t: t, ancestor: ancestor,
                          baseSCN: baseSCN, lastSCN: lastSCN, sourceLayers: sourceLayers, targetLayers: targetLayers)
        default:
            break
        }
    }

    /// Columns `side` renamed since `base` (old name → new): same position
    /// and type, the old name gone from `side`, the new one unknown to `base`.
    static func columnRenames(from base: TableSchema?, to side: TableSchema) -> [String: String] {
        guard let base, base.columns.count == side.columns.count else { return [:] }
        let baseColumns = Set(base.columns.map(\.name)), sideColumns = Set(side.columns.map(\.name))
        var renames: [String: String] = [:]
        for (old, new) in zip(base.columns, side.columns)
        where old.name != new.name && old.type == new.type && !sideColumns.contains(old.name) && !baseColumns.contains(new.name) {
            renames[old.name] = new.name
        }
        return renames
    }

    /// Whether two tables created apart define the same thing: columns
    /// (names, types), primary key, and indexes (columns, method, options).
    static func sameDefinition(_ a: TableSchema, _ b: TableSchema) -> Bool {
        // (Index names are each side's own choice.)
        func unnamed(_ indexes: [IndexSchema]) -> Set<IndexSchema> { Set(indexes.map { var i = $0; i.name = ""; return i }) }
        return a.columns.map(\.name) == b.columns.map(\.name) && a.columns.map(\.type) == b.columns.map(\.type)
            && a.primaryKey == b.primaryKey && unnamed(a.indexes) == unnamed(b.indexes)
    }

    /// A table's columns and indexes, for a conflict report.
    static func definition(_ t: TableSchema) -> String {
        let columns = t.columns.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
        let indexes = t.indexes.filter { $0.method == "hnsw" }.map { index in
            "hnsw (\(index.columns.map { t.columns[$0].name }.joined(separator: ", "))) "
                + index.options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        return "(\(columns))" + (indexes.isEmpty ? "" : " " + indexes.joined(separator: "; "))
    }

    /// A table new to the target: its definition and every row the source
    /// holds. A materialized view's rows match the source's history, not
    /// the target's: its next refresh recomputes them.
    private mutating func copyTable(_ schema: TableSchema, named name: String, from s: BranchData, at scn: SCN) {
        var schema = schema
        schema.materialized?.sawOwnWrites = true
        schema.indexes = schema.indexes.filter { index in !clashes(index.name, onTable: name) }
        writes.catalog[name] = .some(schema)
        s.forEachRow(table: schema.id, at: scn, skip: { _ in false }) { key, row in
            writes.tables[schema.id, default: TableWrites(tableName: name)].set(key!, row)
            mergedKeys += 1
        }
    }

    /// Row-level three-way merge of a table both sides have.
    private mutating func mergeRows(_ name: String, base: TableSchema?, source: TableSchema, target: TableSchema,
                                    s: BranchData, t: BranchData, ancestor: BranchData, baseSCN: SCN, lastSCN: SCN,
                                    sourceLayers: [(branch: BranchData, scn: SCN)],
                                    targetLayers: [(branch: BranchData, scn: SCN)], renameTo: String? = nil) throws(StorageError) {
        // Schema: columns the source added or dropped since the fork carry over.
        var merged = target
        if let renameTo {
            merged.name = renameTo
            writes.catalog[name] = .some(nil)
            writes.catalog[renameTo] = .some(merged)
        }
        let baseColumns = Set(base?.columns.map(\.name) ?? [])
        let sourceColumns = Set(source.columns.map(\.name))
        let columnRenames = Self.columnRenames(from: base, to: source)
        for i in merged.columns.indices { if let new = columnRenames[merged.columns[i].name] { merged.columns[i].name = new } }
        // Columns both sides added with different types: the target's type stands.
        var typeConflicts: Set<String> = []
        for column in source.columns where !baseColumns.contains(column.name) {
            if let existing = merged.columns.first(where: { $0.name == column.name }) {
                if existing.type != column.type {
                    conflicts.append(MergeConflict(table: name, key: "schema", columns: [column.name], base: nil,
                                                   source: [.text(column.type.description)],
                                                   target: [.text(existing.type.description)]))
                    typeConflicts.insert(column.name)
                }
                continue
            }
            merged.columns.append(column)
        }
        for column in base?.columns ?? [] where !sourceColumns.contains(column.name) && columnRenames[column.name] == nil {
            guard let i = merged.columns.firstIndex(where: { $0.name == column.name }),
                  !merged.primaryKey.contains(i) else { continue }
            merged.columns.remove(at: i)
            merged.primaryKey = merged.primaryKey.map { $0 > i ? $0 - 1 : $0 }
            merged.indexes = merged.indexes.filter { !$0.columns.contains(i) }.map {
                var index = $0
                index.columns = index.columns.map { $0 > i ? $0 - 1 : $0 }
                return index
            }
        }
        mergeIndexes(base: base, source: source, target: target, into: &merged)
        let reshaped = merged.columns.map(\.name) != target.columns.map(\.name)
        var tableWrites = TableWrites(tableName: merged.name)
        if renameTo != nil || (!reshaped && merged.indexes != target.indexes) { writes.catalog[merged.name] = .some(merged) }
        if reshaped {
            // Rewrite every target row into the new shape (as ALTER TABLE does).
            writes.catalog[merged.name] = .some(merged)
            t.forEachRow(table: target.id, at: lastSCN, skip: { _ in false }) { key, row in
                tableWrites.set(key!, Self.row(Self.named(row, target, columnRenames), merged))
            }
        }
        // Keys either side may have changed since the fork.
        var candidates: [RowKey] = []
        var seen = Set<RowKey>()
        for layers in [sourceLayers, targetLayers] {
            Self.forEachChangedKey(of: [target.id, source.id], layers, ancestor: ancestor, baseSCN: baseSCN) { key in
                if seen.insert(key).inserted { candidates.append(key) }
                return true
            }
        }
        // A column one side lacks reads as that column's default (an added
        // column is not a change to every row).
        var defaults: [String: Value] = [:]
        for column in source.columns + merged.columns { defaults[column.name] = column.defaultValue ?? .null }
        for key in candidates {
            let b = base.flatMap { base in ancestor.row(table: base.id, key: key, at: baseSCN).map { Self.named($0, base, columnRenames) } }
            var sRow = s.row(table: source.id, key: key, at: lastSCN).map { Self.named($0, source) }
            let tRow = t.row(table: target.id, key: key, at: lastSCN).map { Self.named($0, target, columnRenames) }
            // The source's values of a column whose type lost the schema
            // conflict would not fit it: the row keeps the target's value
            // there (its default for a new row); its other changes merge.
            for name in typeConflicts where sRow != nil { sRow![name] = tRow?[name] }
            if Self.same(sRow, b, defaults) || Self.same(sRow, tRow, defaults) { continue }
            if !Self.same(tRow, b, defaults) {
                conflicts.append(MergeConflict(table: merged.name, key: key.description, columns: merged.columns.map(\.name),
                                               base: b.map { Self.row($0, merged) }, source: sRow.map { Self.row($0, merged) },
                                               target: tRow.map { Self.row($0, merged) }))
                if strategy != .theirs { continue }
            }
            tableWrites.set(key, sRow.map { Self.row($0, merged) })
            mergedKeys += 1
        }
        if !tableWrites.changes.isEmpty { writes.tables[target.id] = tableWrites }
    }

    /// Calls `body` with each key of the table (the first of `ids` a layer
    /// has) that a lineage changed since the fork: in its own layers any
    /// version up to the layer's read point, in the shared ancestor only
    /// versions after the fork. Stops when `body` returns false.
    static func forEachChangedKey(of ids: [UInt64], _ layers: [(branch: BranchData, scn: SCN)], ancestor: BranchData,
                                  baseSCN: SCN, _ body: (RowKey) -> Bool) {
        for (branch, at) in layers {
            let isAncestor = branch === ancestor
            if let data = ids.lazy.compactMap({ branch.tables[$0] }).first {
                for (slot, chain) in data.chains.enumerated() {
                    // The ancestor's latest-version SCNs rule out most keys at once.
                    if isAncestor && data.latestSCN[slot] <= baseSCN { continue }
                    let changed = chain.versions.contains { $0.scn <= at && (!isAncestor || $0.scn > baseSCN) }
                    if changed && !body(chain.key) { return }
                }
            }
            if isAncestor { return }
        }
    }

    /// Whether a lineage changed the table since the fork: its definition or any row.
    static func changed(_ table: TableSchema, since base: TableSchema, _ layers: [(branch: BranchData, scn: SCN)],
                        ancestor: BranchData, baseSCN: SCN) -> Bool {
        if table != base { return true }
        var any = false
        forEachChangedKey(of: [table.id], layers, ancestor: ancestor, baseSCN: baseSCN) { _ in any = true; return false }
        return any
    }

    /// A row as column name → value (old names mapped through `renames`).
    static func named(_ row: Row, _ schema: TableSchema, _ renames: [String: String] = [:]) -> [String: Value] {
        var values: [String: Value] = [:]
        for (i, column) in schema.columns.enumerated() where i < row.count { values[renames[column.name] ?? column.name] = row[i] }
        return values
    }

    /// A named row laid out for `schema`: missing columns take their default (or NULL).
    static func row(_ named: [String: Value], _ schema: TableSchema) -> Row {
        schema.columns.map { named[$0.name] ?? $0.defaultValue ?? .null }
    }

    /// Equal rows, a column missing on one side counting as its default.
    static func same(_ a: [String: Value]?, _ b: [String: Value]?, _ defaults: [String: Value]) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        for name in Set(a.keys).union(b.keys) where (a[name] ?? defaults[name] ?? .null) != (b[name] ?? defaults[name] ?? .null) {
            return false
        }
        return true
    }
}
