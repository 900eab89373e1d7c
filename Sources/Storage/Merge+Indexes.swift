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
    private(set) var columns: [String]
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

    /// The definition with its columns renamed by `names` (old → new).
    func renamed(_ names: [String: String]) -> IndexDefinition {
        var copy = self
        copy.columns = columns.map { names[$0] ?? $0 }
        return copy
    }

    var text: String {
        "\(unique ? "unique " : "")\(method) (\(columns.joined(separator: ", ")))"
            + options.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
    }
}

extension MergePlan {
    /// The names `t`'s tables and indexes hold at `scn`, less those the
    /// merge frees: tables and indexes the source `s` dropped since the
    /// fork (`ancestor` at `baseSCN`) that the target still has as they were.
    static func relations(of t: BranchData, at scn: SCN, freedBy s: BranchData, from ancestor: BranchData, at baseSCN: SCN)
        -> [String: TargetRelation] {
        var relations: [String: TargetRelation] = [:]
        for name in t.tableNames(at: scn) {
            guard let table = t.schema(named: name, at: scn) else { continue }
            let base = ancestor.schema(named: name, at: baseSCN).flatMap { $0.id == table.id ? $0 : nil }
            let source = s.schema(named: name, at: scn).flatMap { $0.id == table.id ? $0 : nil }
            if base != nil && source == nil { continue }   // dropped on the source: the merge drops it here
            relations[name] = TargetRelation(isIndex: false, table: name)
            for index in table.indexes {
                let droppedOnSource = base?.indexes.contains { $0.name == index.name } == true
                    && source?.indexes.contains { $0.name == index.name } == false
                if !droppedOnSource { relations[index.name] = TargetRelation(isIndex: true, table: name) }
            }
        }
        return relations
    }

    /// Whether a relation the source created (an index named `name` on
    /// `table`, or the table `name` itself) would take a name another
    /// relation of the target holds (recorded as a conflict: the relation
    /// stays behind whatever the strategy).
    mutating func clashes(_ name: String, onTable table: String, created kind: String = "index") -> Bool {
        guard let holder = targetRelations[name], holder != TargetRelation(isIndex: true, table: table) else { return false }
        conflicts.append(MergeConflict(table: table, key: "schema", columns: kind == "index" ? [name] : [], base: nil,
                                       source: [.text("\(kind) \(name) created on the source")],
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
        // Definitions compare in the base's column names (a rename on either
        // side is not a change to the index).
        let sourceRenames = Self.columnRenames(from: base, to: source)
        let targetRenames = Self.columnRenames(from: base, to: target)
        func inverse(_ renames: [String: String]) -> [String: String] {
            Dictionary(renames.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let (sourceToBase, targetToBase) = (inverse(sourceRenames), inverse(targetRenames))
        let names = Set((base?.indexes ?? []).map(\.name) + source.indexes.map(\.name))
        for name in names.sorted() {
            let inBase = IndexDefinition.named(name, in: base)
            let inSource = IndexDefinition.named(name, in: source)?.renamed(sourceToBase)
            let inTarget = IndexDefinition.named(name, in: target)?.renamed(targetToBase)
            if inSource == inBase || inSource == inTarget { continue }
            if inTarget != inBase {
                conflicts.append(MergeConflict(table: merged.name, key: "schema", columns: [name], base: inBase.map { [.text($0.text)] },
                                               source: [.text(inSource.map { "index \(name) on the source: \($0.text)" } ?? "index \(name) dropped on the source")],
                                               target: [.text(inTarget.map { "index \(name) on the target: \($0.text)" } ?? "index \(name) dropped on the target")]))
                if strategy != .theirs { continue }
            }
            guard let inSource, let index = source.indexes.first(where: { $0.name == name }) else {
                merged.indexes.removeAll { $0.name == name }
                continue
            }
            // The merged table has the target's columns with the source's renames.
            let columns = inSource.columns.compactMap { column in
                let name = sourceRenames[column] ?? targetRenames[column] ?? column
                return merged.columns.firstIndex { $0.name == name }
            }
            guard !inSource.unique, columns.count == inSource.columns.count, !clashes(name, onTable: target.name) else { continue }
            var carried = index
            carried.columns = columns
            merged.indexes.removeAll { $0.name == name }
            merged.indexes.append(carried)
        }
    }
}

extension MemoryStore {
    /// Builds, before the merge takes the write lock, the HNSW indexes the
    /// merge will bring to large tables of the target by the rule of
    /// `mergeIndexes` (changed on the source only, the table's columns
    /// alike on both sides), as a commit does (see `prebuildVectorIndexes`).
    /// The merge installs those it ends up with; a failed merge drops them.
    func prebuildMergedVectorIndexes(source: String, into target: String) -> [PrebuiltVectorIndex] {
        let found = lock.reading { () -> ([(VectorIndexData, VectorIndexData.Versions)], SCN) in
            guard let s = branchIDs[source].flatMap({ branches[$0] }), let t = branchIDs[target].flatMap({ branches[$0] }), s !== t,
                  let (ancestor, baseSCN) = Self.commonAncestor(s.layers(at: lastSCN), t.layers(at: lastSCN)) else { return ([], lastSCN) }
            var builds: [(VectorIndexData, VectorIndexData.Versions)] = []
            for name in s.tableNames(at: lastSCN) {
                guard let sourceSchema = s.schema(named: name, at: lastSCN), let targetSchema = t.schema(named: name, at: lastSCN),
                      sourceSchema.id == targetSchema.id, sourceSchema.columns == targetSchema.columns,
                      let table = t.tables[targetSchema.id], table.history.count >= Self.prebuildThreshold else { continue }
                let baseSchema = ancestor.schema(named: name, at: baseSCN)
                for index in sourceSchema.indexes where index.method == "hnsw" {
                    let changed = IndexDefinition(index, in: sourceSchema)
                    guard changed != IndexDefinition.named(index.name, in: baseSchema),
                          IndexDefinition.named(index.name, in: targetSchema) == IndexDefinition.named(index.name, in: baseSchema),
                          let data = VectorIndexData(schema: index, table: table) else { continue }
                    builds.append((data, data.versions(of: table)))
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
