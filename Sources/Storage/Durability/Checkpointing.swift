import Core
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What one checkpoint wrote.
public struct CheckpointReport: Sendable {
    public var generation: Int
    public var scn: SCN
    public var segments: Int
    public var bytes: Int
    public var milliseconds: Double
}

/// Small file-system helpers (no Foundation in the storage layer).
enum Files {
    static func write(_ path: String, _ bytes: [UInt8]) throws(StorageError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw StorageError("58030", "cannot create \(path): \(WriteAheadLog.errnoText())") }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError(errno == ENOSPC ? "53100" : "58030", "cannot write \(path): \(WriteAheadLog.errnoText())")
            }
            done += n
        }
        if fsync(fd) != 0 { throw StorageError("58030", "cannot sync \(path): \(WriteAheadLog.errnoText())") }
    }

    static func read(_ path: String) throws(StorageError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw StorageError("58030", "cannot read \(path): \(WriteAheadLog.errnoText())") }
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError("58030", "cannot read \(path): \(WriteAheadLog.errnoText())")
            }
            if n == 0 { return data }
            data.append(contentsOf: buffer[0..<n])
        }
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func removeTree(_ path: String) {
        for name in list(path) { unlink(path + "/" + name) }
        rmdir(path)
    }

    /// The generation in `prefix<gen><suffix>`, or nil.
    static func generation(_ name: String, prefix: String, suffix: String = "") -> Int? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        return Int(name.dropFirst(prefix.count).dropLast(suffix.count))
    }
}

extension MemoryStore {
    static func walPath(_ directory: String, _ generation: Int) -> String { "\(directory)/wal-\(generation).log" }
    static func checkpointPath(_ directory: String, _ generation: Int) -> String { "\(directory)/checkpoint-\(generation)" }

    /// Bytes in the current log file (for the checkpoint threshold).
    public var logBytes: UInt64 { lock.reading { log?.length ?? 0 } }

    /// Writes the whole store to a new checkpoint and starts a new log
    /// file; the previous generation is deleted once the new one is safe.
    /// Commits wait only while the state is captured (references, not rows).
    /// Nil for a store in memory, and when nothing was logged since the
    /// last checkpoint (it already holds everything: a stop of an idle
    /// server does not rewrite the store).
    @discardableResult
    public func checkpoint() throws(StorageError) -> CheckpointReport? {
        guard let directory = dataDirectory else { return nil }
        return try checkpointLock.withLock { _ throws(StorageError) -> CheckpointReport? in
            let unchanged = lock.reading { checkpointedGeneration == logGeneration && (log?.length ?? 0) == 0 }
            if unchanged { return nil }
            let started = Self.nowMicros()
            let (image, vectorIndexes, previousLog, generation) = try lock.writing {
                () throws(StorageError) -> (StoreImage, [VectorIndexFiles.Entry], WriteAheadLog?, Int) in
                let image = captureImage()
                let vectorIndexes = captureVectorIndexes()
                vectorNodesAtCheckpoint = vectorNodeCount
                let next = logGeneration + 1
                let fresh = try WriteAheadLog(path: Self.walPath(directory, next), mode: log?.mode ?? .full, validLength: 0)
                let previous = log
                log = fresh
                logGeneration = next
                return (image, vectorIndexes, previous, next)
            }
            // Records the previous log still buffers reach its file first.
            previousLog?.syncNow()
            let temporary = Self.checkpointPath(directory, generation) + ".tmp"
            Files.removeTree(temporary)
            if mkdir(temporary, 0o755) != 0 {
                throw StorageError("58030", "cannot create \(temporary): \(WriteAheadLog.errnoText())")
            }
            var segments: [(name: String, crc: UInt32)] = []
            var bytes = 0
            for table in image.tables {
                let name = "table-\(table.branch.rawValue)-\(table.table).seg"
                let data = CheckpointFiles.segment(table)
                try Files.write(temporary + "/" + name, data)
                segments.append((name, CRC32C.checksum(data)))
                bytes += data.count
            }
            if !vectorIndexes.isEmpty {
                let data = VectorIndexFiles.file(vectorIndexes)
                try Files.write(temporary + "/" + VectorIndexFiles.fileName, data)
                bytes += data.count
            }
            // Ancestor graphs never change once built: saved outside the lock.
            let ancestorGraphs = ancestorVectorIndexes.readyGraphs()
            if !ancestorGraphs.isEmpty {
                let data = AncestorIndexFiles.file(ancestorGraphs.map { .init(key: $0.0, bytes: $0.1.serialized()) })
                try Files.write(temporary + "/" + AncestorIndexFiles.fileName, data)
                bytes += data.count
            }
            let manifest = CheckpointFiles.manifest(image, segments: segments)
            try Files.write(temporary + "/manifest", manifest)
            bytes += manifest.count
            Files.syncDirectory(temporary)
            let final = Self.checkpointPath(directory, generation)
            if rename(temporary, final) != 0 {
                throw StorageError("58030", "cannot install checkpoint \(final): \(WriteAheadLog.errnoText())")
            }
            Files.syncDirectory(directory)
            for name in Files.list(directory) {
                if let g = Files.generation(name, prefix: "checkpoint-"), g < generation { Files.removeTree(directory + "/" + name) }
                if let g = Files.generation(name, prefix: "wal-", suffix: ".log"), g < generation { unlink(directory + "/" + name) }
            }
            Files.syncDirectory(directory)
            lock.writing { checkpointedGeneration = generation }
            return CheckpointReport(generation: generation, scn: image.lastSCN, segments: segments.count, bytes: bytes,
                                    milliseconds: Double(Self.nowMicros() - started) / 1000)
        }
    }

    /// The store's state as references to its (copy-on-write) arrays.
    /// Caller holds the write lock.
    private func captureImage() -> StoreImage {
        var image = StoreImage(branches: [], tables: [], commitLog: commitLog, lastSCN: lastSCN,
                               collectedThrough: collectedThrough, nextBranchID: nextBranchID,
                               nextTransactionID: nextTransactionIDPeek, nextTableID: nextTableIDPeek, nextRowID: nextRowIDPeek)
        for data in branches.values.sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
            image.branches.append(.init(id: data.id, name: data.name, parent: data.parent?.id, fork: data.forkSCN,
                                        created: data.createdMicros, status: data.status, commitCount: data.commitCount,
                                        lastModified: data.lastModifiedMicros, catalog: data.catalog))
            for (id, table) in data.tables.sorted(by: { $0.key < $1.key }) {
                image.tables.append(TableImage(branch: data.id, table: id, keys: table.chains.map(\.key), history: table.history))
            }
        }
        return image
    }

    /// Rebuilds the store from a checkpoint image (recovery, before any log replay).
    func restore(_ image: StoreImage) throws(StorageError) {
        branches = [:]
        branchIDs = [:]
        for b in image.branches {
            let parent = try b.parent.map { (id) throws(StorageError) -> BranchData in
                guard let p = branches[id] else { throw StorageError("XX001", "checkpoint branch \(b.name) has unknown parent \(id)") }
                return p
            }
            let data = BranchData(id: b.id, name: b.name, parent: parent, forkSCN: b.fork, createdMicros: b.created)
            data.status = b.status
            data.commitCount = b.commitCount
            data.lastModifiedMicros = b.lastModified
            data.catalog = b.catalog
            branches[b.id] = data
            branchIDs[b.name] = b.id
        }
        for t in image.tables {
            guard let data = branches[t.branch] else { throw StorageError("XX001", "checkpoint table \(t.table) of unknown branch") }
            let table = TableData()
            table.history = t.history
            for (slot, key) in t.keys.enumerated() {
                let chain = VersionChain(key: key, slot: slot, table: table)
                table.chains.append(chain)
                table.index[key] = chain
                table.latest.append(t.history[slot].last?.row ?? nil)
                table.latestSCN.append(t.history[slot].last?.scn ?? .zero)
            }
            table.changeLog = ChangeLog(rebuiltFrom: table.history)
            data.tables[t.table] = table
        }
        commitLog = image.commitLog
        lastSCN = image.lastSCN
        collectedThrough = image.collectedThrough
        nextBranchID = image.nextBranchID
        raiseTransactionID(above: image.nextTransactionID &- 1)
        raiseTableID(above: image.nextTableID &- 1)
        raiseRowID(above: image.nextRowID &- 1)
    }

    /// Loads checkpoint `generation` of `directory`.
    static func loadCheckpoint(_ directory: String, _ generation: Int) throws(StorageError) -> StoreImage {
        let path = checkpointPath(directory, generation)
        var (image, segments) = try CheckpointFiles.readManifest(try Files.read(path + "/manifest"), name: path + "/manifest")
        for segment in segments {
            let file = path + "/" + segment.name
            let bytes = try Files.read(file)
            guard CRC32C.checksum(bytes) == segment.crc else {
                throw StorageError("XX001", "checkpoint segment \(file) does not match its manifest checksum")
            }
            image.tables.append(try CheckpointFiles.readSegment(bytes, name: file))
        }
        return image
    }
}
