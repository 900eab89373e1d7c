import Core
import Vector

// Indexes in a merge: a three-way comparison per index name, like the
// columns' (see `MergePlan.mergeRows`), and the HNSW graphs a merge brings
// to large tables built before it takes the write lock.

/// A relation of the merge's target that holds a name: a table, or an
/// index of the named table.
struct TargetRelation: Equatable {
    let isIndex: Bool
    let table: String
}

/// An index by what it covers (column names, not positions), so the base,
/// source and target versions of a table compare whatever their columns'
/// order.
struct IndexDefinition: Equatable {
    let columns: [String]
    let unique: Bool
    let method: String
    let options: [String: String]

    init?(_ index: IndexSchema, in table: TableSchema) {
        guard index.columns.allSatisfy({ $0 < table.columns.count }) else { return nil }
        columns = index.columns.map { table.columns[$0].name }
        unique = index.unique; method = index.method; options = index.options
    }

    static func named(_ name: String, in table: TableSchema?) -> IndexDefinition? {
        guard let table, let index = table.indexes.first(where: { $0.name == name }) else { return nil }
        return IndexDefinition(index, in: table)
    }

    var text: String {
        "\(unique ? "unique " : "")\(method) (\(columns.joined(separator: ", ")))"
            + options.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
    }
}

extension MergePlan {
    /// The names `t`'s tables and indexes hold at `scn`.
    static func relations(of t: BranchData, at scn: SCN) -> [String: TargetRelation] {
        var relations: [String: TargetRelation] = [:]
        for name in t.tableNames(at: scn) {
            relations[name] = TargetRelation(isIndex: false, table: name)
            for index in t.schema(named: name, at: scn)?.indexes ?? [] { relations[index.name] = TargetRelation(isIndex: true, table: name) }
        }
        return relations
    }

    /// Whether an index named `name` on `table` would take a name another
    /// relation of the target holds (recorded as a conflict: the index
    /// stays behind whatever the strategy).
    mutating func clashes(_ name: String, onTable table: String) -> Bool {
        guard let holder = targetRelations[name], holder != TargetRelation(isIndex: true, table: table) else { return false }
        conflicts.append(MergeConflict(table: table, key: "schema", columns: [name], base: nil,
                                       source: [.text("index \(name) created on the source")],
                                       target: [.text("\(holder.isIndex ? "index of table \(holder.table)" : "table") \(name) on the target")]))
        return true
    }

    /// Each index the source changed since the fork (created, dropped or
    /// redefined) changes the target the same way, when the target left it
    /// as it was or made the same change; both changing it differently is
    /// a conflict (`theirs` takes the source's version). Columns are found
    /// by name in the merged table. A unique index the source made stays
    /// behind (the target's rows might break it), as does one whose columns
    /// the merged table lacks or whose name the target gave another relation.
    mutating func mergeIndexes(base: TableSchema?, source: TableSchema, target: TableSchema, into merged: inout TableSchema) {
        let names = Set((base?.indexes ?? []).map(\.name) + source.indexes.map(\.name))
        for name in names.sorted() {
            let b = IndexDefinition.named(name, in: base), s = IndexDefinition.named(name, in: source)
            let t = IndexDefinition.named(name, in: target)
            if s == b || s == t { continue }
            if t != b {
                conflicts.append(MergeConflict(table: merged.name, key: "schema", columns: [name], base: b.map { [.text($0.text)] },
                                               source: [.text(s.map { "index \(name) on the source: \($0.text)" } ?? "index \(name) dropped on the source")],
                                               target: [.text(t.map { "index \(name) on the target: \($0.text)" } ?? "index \(name) dropped on the target")]))
                if strategy != .theirs { continue }
            }
            guard let s, let index = source.indexes.first(where: { $0.name == name }) else {
                merged.indexes.removeAll { $0.name == name }
                continue
            }
            let columns = s.columns.compactMap { column in merged.columns.firstIndex { $0.name == column } }
            guard !s.unique, columns.count == s.columns.count, !clashes(name, onTable: target.name) else { continue }
            var carried = index
            carried.columns = columns
            merged.indexes.removeAll { $0.name == name }
            merged.indexes.append(carried)
        }
    }
}

extension MemoryStore {
    /// Builds, before the merge takes the write lock, the HNSW indexes the
    /// source created that the merge will likely bring to large tables of
    /// the target (as a commit does, see `prebuildVectorIndexes`). The merge
    /// installs those whose definition it ends up with; others it builds.
    func prebuildMergedVectorIndexes(source: String, into target: String) -> [PrebuiltVectorIndex] {
        let found = lock.reading { () -> ([(VectorIndexData, VectorIndexData.Versions)], SCN) in
            guard let s = branchIDs[source].flatMap({ branches[$0] }), let t = branchIDs[target].flatMap({ branches[$0] }) else { return ([], lastSCN) }
            var builds: [(VectorIndexData, VectorIndexData.Versions)] = []
            for name in s.tableNames(at: lastSCN) {
                guard let sourceSchema = s.schema(named: name, at: lastSCN), let targetSchema = t.schema(named: name, at: lastSCN),
                      sourceSchema.id == targetSchema.id, let table = t.tables[targetSchema.id],
                      table.history.count >= Self.prebuildThreshold else { continue }
                for index in sourceSchema.indexes where index.method == "hnsw" && !targetSchema.indexes.contains(index) {
                    guard let definition = IndexDefinition(index, in: sourceSchema),
                          IndexDefinition.named(index.name, in: targetSchema) != definition else { continue }
                    let columns = definition.columns.compactMap { column in targetSchema.columns.firstIndex { $0.name == column } }
                    guard columns.count == index.columns.count else { continue }
                    var carried = index
                    carried.columns = columns
                    if let data = VectorIndexData(schema: carried, table: table) { builds.append((data, data.versions(of: table))) }
                }
            }
            return (builds, lastSCN)
        }
        return found.0.map { index, versions in
            index.build(from: versions, threads: 2, detached: true)
            return PrebuiltVectorIndex(table: index.indexedTable, index: index, snapshot: found.1)
        }
    }
}
