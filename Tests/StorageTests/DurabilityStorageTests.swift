import Core
import Foundation
@testable import Storage
import Synchronization
import XCTest

/// The write-ahead log: every change survives reopening; a torn or corrupt
/// tail is cut at the last good record; one process per directory.
final class DurabilityStorageTests: XCTestCase {
    private var directory: String!

    override func setUp() {
        super.setUp()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("helios-wal-\(UUID().uuidString)").path
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
        super.tearDown()
    }

    private func open() throws -> (MemoryStore, RecoveryReport) { try MemoryStore.open(directory: directory, sync: .full) }

    private func contents(_ store: MemoryStore, branch: String = "main", at scn: SCN? = nil) throws -> [Int64: String] {
        let id = try XCTUnwrap(store.branchID(named: branch))
        let t = try scn.map { try store.begin(branch: id, at: $0) } ?? store.begin(branch: id)
        var out: [Int64: String] = [:]
        guard let schema = t.table(named: "kv") else { return out }
        t.forEachRow(schema) { r in if case .integer(let k) = r[0], case .text(let v) = r[1] { out[k] = v } }
        return out
    }

    /// Builds some history: a table, updates, a branch with writes, a merge, a drop.
    @discardableResult
    private func populate(_ store: MemoryStore) throws -> SCN {
        let t = try store.begin(branch: .main)
        let table = try t.createTable(Fixture.kvSchema("kv"))
        for k in 1...3 { try t.insert(table, row: row(Int64(k), "v\(k)")) }
        _ = try t.commit()
        let first = store.lastCommittedSCN
        let u = try store.begin(branch: .main)
        try u.update(table, key: RowKey(.integer(1)), row: row(1, "updated"))
        try u.delete(table, key: RowKey(.integer(3)))
        _ = try u.commit()
        try store.createBranch(name: "dev", parent: "main", at: nil)
        let b = try store.begin(branch: XCTUnwrap(store.branchID(named: "dev")))
        try b.insert(table, row: row(9, "dev"))
        _ = try b.commit()
        try store.createBranch(name: "gone", parent: "main", at: first)
        try store.dropBranch(name: "gone")
        return first
    }

    func testReopeningReplaysEveryKindOfChange() throws {
        var first = SCN.zero
        do {
            let (store, report) = try open()
            XCTAssertEqual(report.records, 0)
            first = try populate(store)
            _ = try store.merge(source: "dev", into: "main", strategy: .fail, deleteSource: false)
        }
        let (store, report) = try open()
        XCTAssertEqual(report.truncatedBytes, 0)
        XCTAssertGreaterThan(report.records, 5)
        XCTAssertEqual(try contents(store), [1: "updated", 2: "v2", 9: "dev"])
        XCTAssertEqual(try contents(store, at: first), [1: "v1", 2: "v2", 3: "v3"], "AS OF history survives")
        XCTAssertEqual(try contents(store, branch: "dev"), [1: "updated", 2: "v2", 9: "dev"])
        XCTAssertEqual(store.branchInfo(named: "dev")?.status, "merged")
        XCTAssertNil(store.branchID(named: "gone"))
        XCTAssertEqual(store.commits().count, 4)
        // New ids continue above the replayed ones.
        let t = try store.begin(branch: .main)
        let other = try t.createTable(Fixture.kvSchema("other"))
        XCTAssertGreaterThan(other.id, try XCTUnwrap(t.table(named: "kv")).id)
        XCTAssertEqual(try t.commit(), SCN(store.commits().last!.scn.rawValue))
    }

    func testSecondProcessOnTheDirectoryIsRefused() throws {
        let (store, _) = try open()
        XCTAssertThrowsError(try open()) { error in
            XCTAssertTrue("\(error)".contains("in use"), "\(error)")
        }
        _ = store
    }

    func testTornTailIsCutAtEveryByteOfTheLastRecord() throws {
        var lengths: [UInt64] = []
        do {
            let (store, _) = try open()
            try populate(store)
            let before = try WriteAheadLog.read(path: directory + "/wal-0.log").validLength
            let t = try store.begin(branch: .main)
            try t.insert(try XCTUnwrap(t.table(named: "kv")), row: row(50, "last"))
            _ = try t.commit()
            let after = try WriteAheadLog.read(path: directory + "/wal-0.log").validLength
            lengths = [before, after]
        }
        let path = directory + "/wal-0.log"
        // The file may hold zero-filled room beyond the last record.
        let file = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertGreaterThanOrEqual(UInt64(file.count), lengths[1])
        XCTAssertTrue(file.dropFirst(Int(lengths[1])).allSatisfy { $0 == 0 })
        let full = file.prefix(Int(lengths[1]))
        for cut in Int(lengths[0])..<Int(lengths[1]) {
            try full.prefix(cut).write(to: URL(fileURLWithPath: path))
            let (store, report) = try open()
            XCTAssertEqual(report.validLength, lengths[0], "cut at \(cut)")
            XCTAssertEqual(report.truncatedBytes, UInt64(cut) - lengths[0])
            XCTAssertNil(try contents(store)[50], "a torn last record is not applied (cut at \(cut))")
            XCTAssertEqual(try contents(store)[2], "v2")
        }
        // After a cut, new commits follow the last good record and survive.
        try full.prefix(Int(lengths[1]) - 3).write(to: URL(fileURLWithPath: path))
        do {
            let (store, _) = try open()
            let t = try store.begin(branch: .main)
            try t.insert(try XCTUnwrap(t.table(named: "kv")), row: row(60, "after"))
            _ = try t.commit()
        }
        let (store, report) = try open()
        XCTAssertEqual(report.truncatedBytes, 0)
        XCTAssertEqual(try contents(store)[60], "after")
    }

    func testFlippedByteCutsTheLogAtTheCorruptRecord() throws {
        do {
            let (store, _) = try open()
            try populate(store)
        }
        let path = directory + "/wal-0.log"
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let records = try WriteAheadLog.read(path: path).records
        XCTAssertGreaterThan(records.count, 3)
        // Flip a byte inside the third record: recovery keeps the first two.
        let third = records[2]
        var damaged = original
        damaged[third.startIndex + third.count / 2] ^= 0x5A
        try damaged.write(to: URL(fileURLWithPath: path))
        let (store, report) = try open()
        XCTAssertEqual(report.records, 2)
        XCTAssertGreaterThan(report.truncatedBytes, 0)
        XCTAssertEqual(store.commits().count, 2)
        // The records after the damaged one are counted, and every cut byte is kept beside the log.
        XCTAssertEqual(report.recordsAfterDamage, records.count - 3)
        let kept = try Data(contentsOf: URL(fileURLWithPath: try XCTUnwrap(report.preservedTail)))
        let cutStart = third.startIndex - 8
        XCTAssertEqual(kept, damaged[cutStart..<(cutStart + kept.count)])
        XCTAssertEqual(kept.count, records.last!.endIndex - cutStart, "up to the last record, trailing zeros left out")
    }

    func testCheckpointThenLogReplayRestoresEverything() throws {
        var first = SCN.zero
        do {
            let (store, _) = try open()
            first = try populate(store)
            let report = try XCTUnwrap(try store.checkpoint())
            XCTAssertEqual(report.generation, 1)
            XCTAssertGreaterThan(report.segments, 0)
            // Changes after the checkpoint go to the new log.
            let t = try store.begin(branch: .main)
            try t.update(try XCTUnwrap(t.table(named: "kv")), key: RowKey(.integer(2)), row: row(2, "after-checkpoint"))
            _ = try t.commit()
            XCTAssertEqual(store.logGeneration, 1)
        }
        let names = Set(Files.list(directory))
        XCTAssertTrue(names.contains("checkpoint-1") && names.contains("wal-1.log"), "\(names)")
        XCTAssertFalse(names.contains("wal-0.log"), "the previous generation is deleted")
        let (store, report) = try open()
        XCTAssertEqual(report.records, 1, "only the log written after the checkpoint is replayed")
        XCTAssertEqual(try contents(store), [1: "updated", 2: "after-checkpoint"])
        XCTAssertEqual(try contents(store, at: first), [1: "v1", 2: "v2", 3: "v3"], "history survives the checkpoint")
        XCTAssertEqual(try contents(store, branch: "dev"), [1: "updated", 2: "v2", 9: "dev"])
        XCTAssertEqual(store.commits().count, 4)
        // A second checkpoint over the restored store, and an unfinished one left behind, still reopen.
        try store.checkpoint()
        mkdir(directory + "/checkpoint-9.tmp", 0o755)
        _ = store
    }

    /// A checkpoint with nothing logged since the last one writes nothing
    /// (a stop of an idle server); any change, even a branch, makes one due.
    func testCheckpointIsSkippedWhenNothingWasLogged() throws {
        do {
            let (store, _) = try open()
            try populate(store)
            XCTAssertEqual(try store.checkpoint()?.generation, 1)
            XCTAssertNil(try store.checkpoint(), "nothing logged since checkpoint 1")
            try store.createBranch(name: "later", parent: "main", at: nil)
            XCTAssertEqual(try store.checkpoint()?.generation, 2)
        }
        do {
            let (store, report) = try open()
            XCTAssertEqual(report.records, 0)
            XCTAssertNil(try store.checkpoint(), "reopened on checkpoint 2 with an empty log")
            XCTAssertNotNil(store.branchID(named: "later"))
            let t = try store.begin(branch: .main)
            try t.insert(try XCTUnwrap(t.table(named: "kv")), row: row(5, "five"))
            _ = try t.commit()
        }
        let (store, report) = try open()
        XCTAssertEqual(report.records, 1)
        XCTAssertEqual(try store.checkpoint()?.generation, 3, "a replayed log is checkpointed")
        XCTAssertEqual(try contents(store)[5], "five")
    }

    /// A branch's commit count is a number, not a length: a branch with more
    /// commits than the manifest has bytes after it must still reopen (it
    /// once failed with "count 300 exceeds the … bytes remaining").
    func testManyCommitsOnABranchSurviveTheCheckpoint() throws {
        do {
            let (store, _) = try open()
            let t = try store.begin(branch: .main)
            let table = try t.createTable(Fixture.kvSchema("kv"))
            _ = try t.commit()
            for k in 1...300 {
                let u = try store.begin(branch: .main)
                try u.insert(table, row: row(Int64(k), "v"))
                _ = try u.commit()
            }
            try store.checkpoint()
        }
        let (store, report) = try open()
        XCTAssertEqual(report.records, 0, "everything came from the checkpoint")
        XCTAssertEqual(try contents(store).count, 300)
        XCTAssertEqual(store.branchInfo(named: "main")?.commitCount, 301)
    }

    /// VECTOR columns survive both ways back: the checkpoint's segments and
    /// the log replayed after it (schemas keep the dimension, values their
    /// exact float4 bits).
    func testVectorColumnSurvivesCheckpointAndReplay() throws {
        let schema = TableSchema(id: 0, name: "emb",
                                 columns: [ColumnSchema(name: "id", type: .integer, notNull: true),
                                           ColumnSchema(name: "e", type: .vector(dimensions: 3), defaultValue: .vector([0, 0, 0])),
                                           ColumnSchema(name: "any_e", type: .vector(dimensions: 0))],
                                 primaryKey: [0])
        let big = (0..<1000).map { Float($0) * 0.001 - 0.5 }
        var beforeUpdate = SCN.zero
        do {
            let (store, _) = try open()
            let t = try store.begin(branch: .main)
            let table = try t.createTable(schema)
            try t.insert(table, row: [.integer(1), .vector([0.1, -2.5, 3e-8]), .vector(big)])
            try t.insert(table, row: [.integer(2), .vector([-0.0, 1, 2]), .null])
            _ = try t.commit()
            beforeUpdate = store.lastCommittedSCN
            try store.checkpoint()
            let u = try store.begin(branch: .main)
            try u.update(table, key: RowKey(.integer(2)), row: [.integer(2), .vector([7, 8, 9]), .vector([1])])
            try u.insert(table, row: [.integer(3), .vector([4, 5, 6]), .null])
            _ = try u.commit()
        }
        let (store, report) = try open()
        XCTAssertEqual(report.records, 1, "the update after the checkpoint is replayed from the log")
        func rows(at scn: SCN? = nil) throws -> [Int64: Row] {
            let t = try scn.map { try store.begin(branch: .main, at: $0) } ?? store.begin(branch: .main)
            var out: [Int64: Row] = [:]
            guard let table = t.table(named: "emb") else { return out }
            t.forEachRow(table) { r in if case .integer(let k) = r[0] { out[k] = r } }
            return out
        }
        let t = try store.begin(branch: .main)
        XCTAssertEqual(t.table(named: "emb")?.columns.map(\.type), [.integer, .vector(dimensions: 3), .vector(dimensions: 0)])
        XCTAssertEqual(t.table(named: "emb")?.columns[1].defaultValue, .vector([0, 0, 0]))
        let now = try rows()
        XCTAssertEqual(now[1], [.integer(1), .vector([0.1, -2.5, 3e-8]), .vector(big)])
        XCTAssertEqual(now[2], [.integer(2), .vector([7, 8, 9]), .vector([1])])
        XCTAssertEqual(now[3], [.integer(3), .vector([4, 5, 6]), .null])
        guard case .vector(let restored)? = now[1]?[2] else { return XCTFail("no vector") }
        XCTAssertEqual(restored.map(\.bitPattern), big.map(\.bitPattern))
        let past = try rows(at: beforeUpdate)
        XCTAssertEqual(past[2], [.integer(2), .vector([-0.0, 1, 2]), .null], "history survives too")
        XCTAssertNil(past[3])
    }

    func testCorruptSegmentIsReportedByName() throws {
        do {
            let (store, _) = try open()
            try populate(store)
            try store.checkpoint()
        }
        let segment = try XCTUnwrap(Files.list(directory + "/checkpoint-1").first { $0.hasSuffix(".seg") })
        let path = directory + "/checkpoint-1/" + segment
        var bytes = try Files.read(path)
        bytes[bytes.count / 2] ^= 0xFF
        try Files.write(path, bytes)
        XCTAssertThrowsError(try open()) { error in
            XCTAssertTrue("\(error)".contains(segment), "the error names the segment: \(error)")
        }
    }

    /// A full disk when the log needs room fails the commit before anything
    /// applies; the store keeps working once there is room again.
    func testFullDiskFailsTheCommitAndChangesNothing() throws {
        let (store, _) = try open()
        WriteAheadLog.injectedFaults.withLock { $0[.reserve] = ENOSPC }
        defer { WriteAheadLog.injectedFaults.withLock { $0 = [:] } }
        let t = try store.begin(branch: .main)
        _ = try t.createTable(Fixture.kvSchema("kv"))
        XCTAssertThrowsError(try t.commit()) { XCTAssertEqual(($0 as? StorageError)?.sqlState, "53100", "\($0)") }
        XCTAssertEqual(store.lastCommittedSCN, .zero)
        XCTAssertNil(try store.begin(branch: .main).table(named: "kv"), "nothing applied")
        WriteAheadLog.injectedFaults.withLock { $0 = [:] }
        try populate(store)
        XCTAssertEqual(try contents(store)[2], "v2")
    }

    /// A failed write or fsync fails the commit (it is not acknowledged),
    /// refuses later commits, and after a restart the failed commit is gone
    /// while everything acknowledged before it is there.
    func testIOErrorsFailCommitsAndLoseNothingAcknowledged() throws {
        for fault in [FileFault.write, .sync] {
            try? FileManager.default.removeItem(atPath: directory)
            do {
                let (store, _) = try open()
                try populate(store)
                WriteAheadLog.injectedFaults.withLock { $0[fault] = EIO }
                let t = try store.begin(branch: .main)
                try t.insert(try XCTUnwrap(t.table(named: "kv")), row: row(77, "never acknowledged"))
                XCTAssertThrowsError(try t.commit()) { XCTAssertEqual(($0 as? StorageError)?.sqlState, "58030", "\($0)") }
                let next = try store.begin(branch: .main)
                try next.insert(try XCTUnwrap(next.table(named: "kv")), row: row(78, "refused"))
                XCTAssertThrowsError(try next.commit(), "the log refuses commits after an I/O error (\(fault))")
                WriteAheadLog.injectedFaults.withLock { $0 = [:] }
            }
            let (store, _) = try open()
            let rows = try contents(store)
            // After a failed fsync the record may have reached the disk anyway
            // (it was never acknowledged either way); after a failed write it cannot.
            if fault == .write { XCTAssertNil(rows[77], "\(fault)") }
            XCTAssertNil(rows[78], "\(fault)")
            XCTAssertEqual(rows[2], "v2", "acknowledged commits survive (\(fault))")
        }
    }

    // MARK: Deferred durability (the HTTP server parks connections, not threads)

    /// Inside `DurabilityDeferral.run` a commit returns before its fsync and
    /// leaves what to wait for; reads and `normal` logs leave nothing.
    func testDeferredCommitsLeaveTheirRecordsToWaitFor() throws {
        let (store, _) = try open()
        let (_, pending) = try DurabilityDeferral.run { () throws -> Void in try populate(store) }
        let waiting = try XCTUnwrap(pending, "a commit under --sync full leaves its fsync to the caller")
        XCTAssertEqual(waiting.positions.map(\.offset), [store.log?.length], "the furthest record covers the earlier ones")
        XCTAssertFalse(waiting.isSynced)
        try waiting.wait()
        XCTAssertTrue(waiting.isSynced, "synced after wait()")
        let (read, nothing) = try DurabilityDeferral.run { try contents(store) }
        XCTAssertEqual(read[2], "v2")
        XCTAssertNil(nothing, "a read commits nothing")
        XCTAssertNil(DurabilityDeferral.current, "the scope ends with run")

        let normal = try MemoryStore.open(directory: directory + "-normal", sync: .normal).0
        defer { try? FileManager.default.removeItem(atPath: directory + "-normal") }
        let (_, none) = try DurabilityDeferral.run { () throws -> Void in try populate(normal) }
        XCTAssertNil(none, "a normal log acknowledges after write(2): nothing to wait for")
    }

    /// `notify` answers every waiter once its records are synced, from the
    /// syncer thread; the changes survive a reopen.
    func testNotifyAnswersEveryWaiterOnceSynced() throws {
        do {
            let (store, _) = try open()
            let (_, first) = try DurabilityDeferral.run { () throws -> Void in try populate(store) }
            var waits = [try XCTUnwrap(first)]
            for k in 10..<30 {
                let (_, pending) = try DurabilityDeferral.run { () throws -> Void in
                    let t = try store.begin(branch: .main)
                    try t.insert(try XCTUnwrap(t.table(named: "kv")), row: row(Int64(k), "k\(k)"))
                    _ = try t.commit()
                }
                waits.append(try XCTUnwrap(pending))
            }
            let answered = expectation(description: "every waiter answered")
            answered.expectedFulfillmentCount = waits.count
            let failures = Mutex(0)
            for pending in waits {
                pending.notify { error in
                    if error != nil { failures.withLock { $0 += 1 } }
                    answered.fulfill()
                }
            }
            wait(for: [answered], timeout: 30)
            XCTAssertEqual(failures.withLock { $0 }, 0)
            // Already synced: answered at once, on this thread.
            let immediate = Mutex(false)
            waits[0].notify { _ in immediate.withLock { $0 = true } }
            XCTAssertTrue(immediate.withLock { $0 })
        }
        let rows = try contents(try open().0)
        XCTAssertEqual(rows[29], "k29")
        XCTAssertEqual(rows.count, 3 - 1 + 20)
    }

    /// A checkpoint between two commits of one request starts a new log:
    /// the request then waits for both logs, not only the newer one.
    func testARequestSpanningACheckpointWaitsForBothLogs() throws {
        let (store, _) = try open()
        let (_, pending) = try DurabilityDeferral.run { () throws -> Void in
            try populate(store)
            _ = try store.checkpoint()
            let t = try store.begin(branch: .main)
            try t.insert(try XCTUnwrap(t.table(named: "kv")), row: row(50, "after the checkpoint"))
            _ = try t.commit()
        }
        let waiting = try XCTUnwrap(pending)
        XCTAssertEqual(waiting.positions.count, 2, "one position per log")
        XCTAssertEqual(waiting.positions.last.map { $0.log === store.log }, true, "the new log's record is awaited")
        let answered = expectation(description: "answered")
        let failed = Mutex(false)
        waiting.notify { error in failed.withLock { $0 = error != nil }; answered.fulfill() }
        wait(for: [answered], timeout: 30)
        XCTAssertFalse(failed.withLock { $0 })
        XCTAssertTrue(waiting.isSynced)
    }

    /// A failed fsync reaches every deferred waiter as the commit's error
    /// (58030), as it reached a commit that waited itself.
    func testNotifyReportsAFailedSync() throws {
        let (store, _) = try open()
        try populate(store)
        WriteAheadLog.injectedFaults.withLock { $0[.sync] = EIO }
        defer { WriteAheadLog.injectedFaults.withLock { $0 = [:] } }
        let (_, pending) = try DurabilityDeferral.run { () throws -> Void in
            let t = try store.begin(branch: .main)
            try t.insert(try XCTUnwrap(t.table(named: "kv")), row: row(77, "never acknowledged"))
            _ = try t.commit()
        }
        let waiting = try XCTUnwrap(pending)
        let answered = expectation(description: "answered")
        let code = Mutex<String?>(nil)
        waiting.notify { error in code.withLock { $0 = error?.sqlState }; answered.fulfill() }
        wait(for: [answered], timeout: 30)
        XCTAssertEqual(code.withLock { $0 }, "58030")
        XCTAssertThrowsError(try waiting.wait()) { XCTAssertEqual(($0 as? StorageError)?.sqlState, "58030") }
    }
}
