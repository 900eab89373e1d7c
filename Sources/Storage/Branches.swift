import Core

/// What the catalog of branches reports about one branch.
public struct BranchInfo: Sendable, Equatable {
    public var id: BranchID
    public var name: String
    public var parentID: BranchID?
    public var parentName: String?
    public var forkSCN: SCN
    public var createdMicros: Int64
    /// "active" or "merged".
    public var status: String
    /// Keys this branch itself wrote (its copy-on-write footprint).
    public var modifiedKeys: Int
    /// Approximate bytes of the versions the branch itself holds.
    public var storageBytes: Int
    public var commitCount: Int
    public var lastModifiedMicros: Int64?
}

extension MemoryStore {
    /// The id of the branch called `name`.
    public func branchID(named name: String) -> BranchID? { lock.reading { branchIDs[name] } }

    /// The name of branch `id` (no statistics: cheap).
    public func branchName(of id: BranchID) -> String? { lock.reading { branches[id]?.name } }

    public func branchInfos() -> [BranchInfo] {
        lock.reading { branches.values.sorted { $0.id.rawValue < $1.id.rawValue }.map(info) }
    }

    public func branchNames() -> [String] {
        lock.reading { branches.values.sorted { $0.id.rawValue < $1.id.rawValue }.map(\.name) }
    }

    public func branchInfo(named name: String) -> BranchInfo? {
        lock.reading { branchIDs[name].flatMap { branches[$0] }.map(info) }
    }

    private func info(_ data: BranchData) -> BranchInfo {
        var bytes = 0
        for table in data.tables.values {
            for chain in table.chains {
                for version in chain.versions { bytes += 16 + (version.row.map(Self.approximateSize) ?? 0) }
            }
        }
        return BranchInfo(id: data.id, name: data.name, parentID: data.parent?.id, parentName: data.parent?.name,
                          forkSCN: data.forkSCN, createdMicros: data.createdMicros, status: data.status,
                          modifiedKeys: data.ownKeyCount, storageBytes: bytes, commitCount: data.commitCount,
                          lastModifiedMicros: data.lastModifiedMicros)
    }

    static func approximateSize(_ row: Row) -> Int {
        var size = 32
        for value in row {
            switch value {
            case .text(let t), .jsonText(let t): size += 24 + t.utf8.count
            case .bytes(let b): size += 24 + b.count
            case .vector(let v): size += 24 + 4 * v.count
            default: size += 24
            }
        }
        return size
    }

    /// Creates `name` as a child of `parent` reading the parent's state
    /// after commit `scn` (nil = its latest). Copies nothing: O(1).
    @discardableResult
    public func createBranch(name: String, parent: String, at scn: SCN?) throws(StorageError) -> BranchInfo {
        let (created, offset) = try lock.writing { () throws(StorageError) -> (BranchInfo, LogPosition?) in
            if branchIDs[name] != nil {
                throw StorageError("42710", "branch \"\(name)\" already exists")
            }
            guard let parentID = branchIDs[parent], let parentData = branches[parentID] else {
                throw StorageError("3D000", "branch \"\(parent)\" not found")
            }
            let fork = scn ?? lastSCN
            if fork > lastSCN { throw StorageError("22023", "SCN \(fork) not found: the latest commit is \(lastSCN)") }
            if fork <= collectedThrough && collectedThrough > .zero {
                throw StorageError("22023", "SCN \(fork) not found: history before SCN \(collectedThrough) was collected")
            }
            let id = BranchID(rawValue: nextBranchID)
            let micros = Self.nowMicros()
            let offset = try logged(.branchCreated(id: id, name: name, parent: parentID, fork: fork, micros: micros))
            nextBranchID += 1
            let data = BranchData(id: id, name: name, parent: parentData, forkSCN: fork, createdMicros: micros)
            branches[id] = data
            branchIDs[name] = id
            return (info(data), offset)
        }
        try awaitDurable(offset)
        return created
    }

    /// Drops a branch; `main` and branches with children refuse (55006).
    public func dropBranch(name: String) throws(StorageError) {
        let offset = try lock.writing { () throws(StorageError) -> LogPosition? in
            guard let id = branchIDs[name], let data = branches[id] else {
                throw StorageError("3D000", "branch \"\(name)\" not found")
            }
            if id == .main { throw StorageError("55006", "cannot drop branch \"main\"") }
            let children = branches.values.filter { $0.parent === data }.map(\.name).sorted()
            if !children.isEmpty {
                throw StorageError("55006", "cannot drop branch \"\(name)\": it has child branches (\(children.joined(separator: ", ")))")
            }
            let offset = try logged(.branchDropped(id: id))
            branches[id] = nil
            branchIDs[name] = nil
            return offset
        }
        try awaitDurable(offset)
        pruneAncestorVectorIndexes()
    }
}
