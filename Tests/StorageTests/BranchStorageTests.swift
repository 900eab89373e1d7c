import Core
@testable import Storage
import XCTest

/// Branches read through their parents at the fork SCN, merge three ways,
/// and history resolves and is collected as DESIGN §4 says.
final class BranchStorageTests: XCTestCase {
    private var store: MemoryStore!
    private var table: TableSchema!

    override func setUp() {
        super.setUp()
        store = MemoryStore()
        let t = try! store.begin(branch: .main)
        table = try! t.createTable(Fixture.kvSchema("kv"))
        for k in 1...4 { try! t.insert(table, row: row(Int64(k), "base\(k)")) }
        _ = try! t.commit()
    }

    private func write(_ branch: String, _ body: (any StorageTransaction) throws -> Void) throws {
        let t = try store.begin(branch: XCTUnwrap(store.branchID(named: branch)))
        try body(t)
        _ = try t.commit()
    }

    private func contents(_ branch: String, at scn: SCN? = nil) throws -> [Int64: String] {
        let id = try XCTUnwrap(store.branchID(named: branch))
        let t = try scn.map { try store.begin(branch: id, at: $0) } ?? store.begin(branch: id)
        var out: [Int64: String] = [:]
        guard let schema = t.table(named: "kv") else { return out }
        t.forEachRow(schema) { r in
            if case .integer(let k) = r[0], case .text(let v) = r[1] { out[k] = v }
        }
        return out
    }

    private func key(_ k: Int64) -> RowKey { RowKey(.integer(k)) }

    func testBranchSeesParentAtForkAndIsIsolatedBothWays() throws {
        try store.createBranch(name: "dev", parent: "main", at: nil)
        try write("main") { try $0.update(self.table, key: self.key(1), row: row(1, "main-after-fork")) }
        try write("dev") { t in
            try t.update(self.table, key: self.key(2), row: row(2, "dev"))
            try t.delete(self.table, key: self.key(3))
            try t.insert(self.table, row: row(9, "dev-new"))
        }
        XCTAssertEqual(try contents("dev"), [1: "base1", 2: "dev", 4: "base4", 9: "dev-new"])
        XCTAssertEqual(try contents("main"), [1: "main-after-fork", 2: "base2", 3: "base3", 4: "base4"])
        // A grandchild reads through both layers, each at its fork.
        try store.createBranch(name: "feature", parent: "dev", at: nil)
        try write("dev") { try $0.update(self.table, key: self.key(4), row: row(4, "dev-after-fork")) }
        XCTAssertEqual(try contents("feature"), [1: "base1", 2: "dev", 4: "base4", 9: "dev-new"])
        let t = try store.begin(branch: XCTUnwrap(store.branchID(named: "feature")))
        XCTAssertNil(t.get(table, key: key(3)), "a delete on the parent shadows the grandparent's row")
        XCTAssertEqual(t.get(table, key: key(9)), row(9, "dev-new"))
    }

    func testMergeAppliesSourceChangesAndReportsConflicts() throws {
        try store.createBranch(name: "src", parent: "main", at: nil)
        try write("src") { t in
            try t.update(self.table, key: self.key(1), row: row(1, "src1"))   // source only
            try t.update(self.table, key: self.key(2), row: row(2, "src2"))   // both, differently
            try t.delete(self.table, key: self.key(3))                        // both, the same
            try t.insert(self.table, row: row(5, "src5"))                     // new on source
        }
        try write("main") { t in
            try t.update(self.table, key: self.key(2), row: row(2, "main2"))
            try t.delete(self.table, key: self.key(3))
            try t.update(self.table, key: self.key(4), row: row(4, "main4"))  // target only
        }
        let before = store.lastCommittedSCN
        let failed = try store.merge(source: "src", into: "main", strategy: .fail, deleteSource: false)
        XCTAssertFalse(failed.completed)
        XCTAssertEqual(failed.conflicts.map(\.key), ["2"])
        XCTAssertEqual(failed.conflicts.first?.base, row(2, "base2"))
        XCTAssertEqual(failed.conflicts.first?.source, row(2, "src2"))
        XCTAssertEqual(failed.conflicts.first?.target, row(2, "main2"))
        XCTAssertEqual(store.lastCommittedSCN, before, "fail applies nothing")

        let ours = try store.merge(source: "src", into: "main", strategy: .ours, deleteSource: false)
        XCTAssertTrue(ours.completed)
        XCTAssertEqual(ours.mergedKeys, 2)
        XCTAssertEqual(ours.scn, before.next)
        XCTAssertEqual(try contents("main"), [1: "src1", 2: "main2", 4: "main4", 5: "src5"])
        XCTAssertEqual(store.branchInfo(named: "src")?.status, "merged")
    }

    func testMergeTheirsAndDeleteAfter() throws {
        try store.createBranch(name: "src", parent: "main", at: nil)
        try write("src") { try $0.update(self.table, key: self.key(2), row: row(2, "src2")) }
        try write("main") { try $0.update(self.table, key: self.key(2), row: row(2, "main2")) }
        let theirs = try store.merge(source: "src", into: "main", strategy: .theirs, deleteSource: true)
        XCTAssertEqual(theirs.mergedKeys, 1)
        XCTAssertEqual(theirs.conflicts.count, 1, "the conflict is still reported")
        XCTAssertEqual(try contents("main")[2], "src2")
        XCTAssertNil(store.branchID(named: "src"))
    }

    func testDropRules() throws {
        XCTAssertThrowsError(try store.dropBranch(name: "main")) { XCTAssertEqual(($0 as? StorageError)?.sqlState, "55006") }
        try store.createBranch(name: "a", parent: "main", at: nil)
        try store.createBranch(name: "b", parent: "a", at: nil)
        XCTAssertThrowsError(try store.dropBranch(name: "a")) { XCTAssertEqual(($0 as? StorageError)?.sqlState, "55006") }
        XCTAssertEqual(store.branchNames(), ["main", "a", "b"])
        XCTAssertEqual(store.branchNames(), store.branchInfos().map(\.name))
        XCTAssertThrowsError(try store.createBranch(name: "a", parent: "main", at: nil)) {
            XCTAssertEqual(($0 as? StorageError)?.sqlState, "42710")
        }
        try store.dropBranch(name: "b")
        try store.dropBranch(name: "a")
        XCTAssertEqual(store.branchNames(), ["main"])
        XCTAssertThrowsError(try store.dropBranch(name: "a")) { XCTAssertEqual(($0 as? StorageError)?.sqlState, "3D000") }
    }

    func testHistoryResolution() throws {
        let first = store.lastCommittedSCN
        let commits = store.commits()
        try write("main") { try $0.update(self.table, key: self.key(1), row: row(1, "v2")) }
        XCTAssertEqual(try store.resolve(.scn(first)), first)
        XCTAssertEqual(try store.resolve(.now), store.lastCommittedSCN)
        XCTAssertEqual(try store.resolve(.transaction(commits[0].transactionID)), first)
        XCTAssertEqual(try store.resolve(.timestamp(micros: commits[0].timestampMicros)), first)
        for bad: HistoryPoint in [.scn(SCN(99)), .scn(.zero), .transaction(TransactionID(rawValue: 12345)),
                                  .timestamp(micros: 0), .timestamp(micros: Int64.max / 2)] {
            XCTAssertThrowsError(try store.resolve(bad)) { error in
                XCTAssertTrue((error as? StorageError)?.message.contains("not found") == true, "\(bad): \(error)")
            }
        }
        XCTAssertEqual(try contents("main", at: first)[1], "base1")
        XCTAssertEqual(try contents("main")[1], "v2")
    }

    func testCollectorKeepsWhatReadersAndBranchesNeed() throws {
        for i in 1...3 { try write("main") { try $0.update(self.table, key: self.key(1), row: row(1, "v\(i)")) } }
        let forkPoint = store.lastCommittedSCN
        try store.createBranch(name: "old", parent: "main", at: forkPoint)
        try write("main") { try $0.update(self.table, key: self.key(1), row: row(1, "v4")) }
        let report = store.collectHistory(olderThan: Int64.max)
        XCTAssertEqual(report.horizonSCN, forkPoint, "the horizon stops at the branch's fork point")
        XCTAssertEqual(report.versionsCollected, 3)
        XCTAssertThrowsError(try store.resolve(.scn(SCN(1))))
        XCTAssertEqual(try contents("old")[1], "v3")
        XCTAssertEqual(try contents("main")[1], "v4")
        try store.dropBranch(name: "old")
        let second = store.collectHistory(olderThan: Int64.max)
        XCTAssertEqual(second.horizonSCN, store.lastCommittedSCN)
        XCTAssertEqual(try contents("main")[1], "v4", "the current state survives every collection")
    }

    func testWritesInAReadOnlyPastTransactionFail() throws {
        let t = try store.begin(branch: .main, at: SCN(1))
        XCTAssertTrue(t.isReadOnly)
        XCTAssertThrowsError(try t.insert(table, row: row(7, "x"))) { XCTAssertEqual(($0 as? StorageError)?.sqlState, "25006") }
    }
}
