import Core
import Engine
import Foundation
@testable import Storage
import XCTest

/// An HNSW index created on a branch covers the rows the branch inherits
/// (through graphs over the ancestors' rows at the fork), not only the rows
/// written on the branch; the branch's own writes and the parent's later
/// ones stay where they belong.
final class BranchVectorIndexTests: XCTestCase {
    static let rows = 1_500

    func run(_ db: Database, _ sql: String, _ params: [Value] = [], branch: String = "main") throws -> [Row] {
        try db.execute(SQLRequest(sql: sql, parameters: params, branch: branch)).last!.rows
    }

    func ids(_ rows: [Row]) -> [Int64] { rows.map { row -> Int64 in if case .integer(let i) = row[0] { return i }; return -1 } }

    /// Rows of seeded clustered 8-d vectors on main (no index there).
    func load(_ db: Database, count: Int = rows) throws -> [[Float]] {
        try run(db, "CREATE TABLE items (id INT PRIMARY KEY, embedding VECTOR(8))")
        let data = VectorIndexSQLTests.vectors(count, dimensions: 8, seed: 7)
        for start in stride(from: 0, to: count, by: 250) {
            let values = (start..<min(count, start + 250)).map { "(\($0), '\(Value.vector(data[$0]).description)')" }
            try run(db, "INSERT INTO items VALUES " + values.joined(separator: ", "))
        }
        return data
    }

    /// What EXPLAIN ANALYZE says the search did on `branch`.
    func searchReport(_ db: Database, _ probe: [Float], branch: String) throws -> (strategy: String, examined: Int) {
        let text = try run(db, "EXPLAIN ANALYZE SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10", [.vector(probe)], branch: branch)
            .map { "\($0[0])" }.joined(separator: "\n")
        func field(_ name: String) -> String? {
            guard let range = text.range(of: name + "=") else { return nil }
            return String(text[range.upperBound...].prefix { !$0.isWhitespace })
        }
        return (field("strategy") ?? "?", field("candidates_examined").flatMap(Int.init) ?? -1)
    }

    func recall(_ db: Database, branch: String, probes: Int = 20) throws -> Double {
        var hits = 0
        for q in 0..<probes {
            let probe = VectorIndexSQLTests.vectors(1, dimensions: 8, seed: UInt64(500 + q))[0]
            let found = ids(try run(db, "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10", [.vector(probe)], branch: branch))
            let exact = ids(try run(db, "SELECT id FROM items ORDER BY (embedding <-> $1) + 0 LIMIT 10", [.vector(probe)], branch: branch))
            XCTAssertEqual(found.count, 10)
            hits += Set(found).intersection(exact).count
        }
        return Double(hits) / Double(10 * probes)
    }

    func testAnIndexCreatedOnABranchCoversTheRowsItInherits() throws {
        let db = Database()
        let data = try load(db)
        try run(db, "CREATE BRANCH dev")
        try run(db, "CREATE INDEX dev_hnsw ON items USING hnsw (embedding) WITH (m = 12, ef_construction = 64)", branch: "dev")

        let stats = try run(db, "SELECT num_vectors, memory_bytes FROM pg_vector_index_stats('dev_hnsw')", branch: "dev")
        XCTAssertEqual(stats.first?[0], .integer(Int64(Self.rows)), "the inherited rows are the index's vectors")
        if case .integer(let bytes)? = stats.first?[1] { XCTAssertGreaterThan(bytes, 1_500 * 32) } else { XCTFail("\(stats)") }

        // The inherited rows are searched in a graph, not scanned.
        let report = try searchReport(db, data[11], branch: "dev")
        XCTAssertEqual(report.strategy, "index")
        XCTAssertGreaterThan(report.examined, 0)
        XCTAssertLessThan(report.examined, Self.rows / 2)
        XCTAssertGreaterThanOrEqual(try recall(db, branch: "dev"), 0.9)

        // The branch's own writes hide the versions it inherited.
        try run(db, "DELETE FROM items WHERE id = 3", branch: "dev")
        try run(db, "UPDATE items SET embedding = '[90,90,90,90,90,90,90,90]' WHERE id = 5", branch: "dev")
        try run(db, "INSERT INTO items VALUES (5000, $1)", [.vector(data[8])], branch: "dev")
        let query = "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10"
        XCTAssertFalse(ids(try run(db, query, [.vector(data[3])], branch: "dev")).contains(3))
        XCTAssertFalse(ids(try run(db, query, [.vector(data[5])], branch: "dev")).contains(5))
        XCTAssertEqual(ids(try run(db, query, [.vector([90, 90, 90, 90, 90, 90, 90, 90])], branch: "dev")).first, 5)
        XCTAssertEqual(Set(ids(try run(db, query, [.vector(data[8])], branch: "dev")).prefix(2)), [8, 5000])
        XCTAssertEqual(try searchReport(db, data[8], branch: "dev").strategy, "index")

        // Main's later rows are not the branch's; main has no index.
        try run(db, "INSERT INTO items VALUES (6000, $1)", [.vector(data[9])])
        XCTAssertFalse(ids(try run(db, query, [.vector(data[9])], branch: "dev")).contains(6000))
        XCTAssertEqual(Set(ids(try run(db, query, [.vector(data[9])])).prefix(2)), [9, 6000])
        let mainPlan = try run(db, "EXPLAIN SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10", [.vector(data[9])])
        XCTAssertFalse(mainPlan.map { "\($0[0])" }.joined().contains("HNSW"), "\(mainPlan)")
        XCTAssertEqual(try run(db, "SELECT num_vectors FROM pg_vector_index_stats('dev_hnsw')", branch: "dev").first?[0],
                       .integer(Int64(Self.rows)), "one deleted, one inserted")

        // A branch of the branch reads main through the same fork: the same graph serves it.
        try run(db, "CREATE BRANCH deeper FROM dev")
        XCTAssertEqual(try searchReport(db, data[20], branch: "deeper").strategy, "index")
        XCTAssertEqual(ids(try run(db, query, [.vector(data[20])], branch: "deeper")).first, 20)
        XCTAssertFalse(ids(try run(db, query, [.vector(data[3])], branch: "deeper")).contains(3))
    }

    /// The graphs go when no branch needs them: index or branch dropped.
    func testAncestorGraphsAreDroppedWithTheirIndexOrBranch() throws {
        let db = Database()
        let store = try XCTUnwrap(db.store as? MemoryStore)
        let data = try load(db)
        try run(db, "CREATE BRANCH dev")
        try run(db, "CREATE INDEX dev_hnsw ON items USING hnsw (embedding)", branch: "dev")
        try run(db, "CREATE BRANCH deeper FROM dev")
        XCTAssertEqual(store.ancestorVectorIndexes.count, 1, "dev and deeper read main through one fork")
        try run(db, "DROP BRANCH deeper")
        XCTAssertEqual(store.ancestorVectorIndexes.count, 1)
        try run(db, "DROP INDEX dev_hnsw", branch: "dev")
        XCTAssertEqual(store.ancestorVectorIndexes.count, 0)
        XCTAssertEqual(ids(try run(db, "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 1", [.vector(data[4])], branch: "dev")), [4])
        try run(db, "CREATE INDEX dev_cos ON items USING hnsw (embedding vector_cosine_ops)", branch: "dev")
        XCTAssertEqual(store.ancestorVectorIndexes.count, 1)
        try run(db, "DROP BRANCH dev")
        XCTAssertEqual(store.ancestorVectorIndexes.count, 0)
    }

    /// An index merged into a branch covers the rows that branch inherits;
    /// merged into main, main's own graph takes over.
    func testMergedIndexesCoverInheritedRows() throws {
        let db = Database()
        let data = try load(db)
        try run(db, "CREATE BRANCH dev")
        try run(db, "CREATE BRANCH feature FROM dev")
        try run(db, "CREATE INDEX f_hnsw ON items USING hnsw (embedding)", branch: "feature")
        try run(db, "MERGE BRANCH feature INTO dev")
        XCTAssertEqual(try searchReport(db, data[30], branch: "dev").strategy, "index")
        XCTAssertEqual(ids(try run(db, "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 1", [.vector(data[30])], branch: "dev")), [30])
        try run(db, "MERGE BRANCH dev INTO main")
        XCTAssertEqual(try searchReport(db, data[31], branch: "main").strategy, "index")
        let store = try XCTUnwrap(db.store as? MemoryStore)
        XCTAssertEqual(store.ancestorVectorIndexes.count, 0, "main's own index covers what dev inherits")
        XCTAssertEqual(try searchReport(db, data[32], branch: "dev").strategy, "index")
    }

    /// The parent drops the index the branch searched its rows with: a
    /// graph of the branch's own takes over, built without a search asking.
    func testAParentDroppingItsIndexAfterTheFork() throws {
        let db = Database()
        let store = try XCTUnwrap(db.store as? MemoryStore)
        let data = try load(db)
        try run(db, "CREATE INDEX main_hnsw ON items USING hnsw (embedding)")
        try run(db, "CREATE BRANCH dev")
        XCTAssertEqual(store.ancestorVectorIndexes.count, 0, "main's own graph serves dev")
        try run(db, "DROP INDEX main_hnsw")
        let deadline = Date().addingTimeInterval(30)
        while store.ancestorVectorIndexes.readyCount < 1 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertEqual(store.ancestorVectorIndexes.readyCount, 1)
        XCTAssertEqual(try searchReport(db, data[12], branch: "dev").strategy, "index")
        XCTAssertEqual(ids(try run(db, "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 1", [.vector(data[12])], branch: "dev")), [12])
    }

    /// A quantized index on a branch whose own rows are too few to train
    /// searches the inherited rows on codes: EXPLAIN does not say "exact scan".
    func testAQuantizedBranchIndexTrainedOverInheritedRows() throws {
        let db = Database()
        let data = try load(db)
        try run(db, "CREATE BRANCH dev")
        try run(db, "CREATE INDEX dev_pq ON items USING hnsw (embedding) WITH (quantization = 'product', pq_subquantizers = 4, pq_centroids = 16)",
                branch: "dev")
        try run(db, "INSERT INTO items VALUES (7000, '[1,1,1,1,1,1,1,1]')", branch: "dev")
        let query = "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10"
        let plan = try run(db, "EXPLAIN " + query, [.vector(data[2])], branch: "dev").map { "\($0[0])" }.joined(separator: "\n")
        XCTAssertTrue(plan.contains("HNSW Index Scan") && !plan.contains("exact scan"), plan)
        let analyzed = try run(db, "EXPLAIN ANALYZE " + query, [.vector(data[2])], branch: "dev").map { "\($0[0])" }.joined(separator: "\n")
        XCTAssertTrue(analyzed.contains("strategy=index") && analyzed.contains("reranked=true"), analyzed)
        XCTAssertEqual(ids(try run(db, query, [.vector(data[2])], branch: "dev")).first, 2)
    }

    /// A durable store in `directory` with the loaded rows on main, a branch
    /// `dev` with index `dev_hnsw`, and a checkpoint; `then` runs after it
    /// before the store is let go of. Returns the rows' vectors.
    func checkpointedBranchIndex(in directory: String, options: String = "",
                                 then: (Database, [[Float]]) throws -> Void = { _, _ in }) throws -> [[Float]] {
        let store = try MemoryStore.open(directory: directory, sync: .full).0
        let db = Database(storage: store)
        let data = try load(db)
        try run(db, "CREATE BRANCH dev")
        try run(db, "CREATE INDEX dev_hnsw ON items USING hnsw (embedding) \(options)", branch: "dev")
        _ = try store.checkpoint()
        try then(db, data)
        return data
    }

    /// A checkpoint saves the ancestor graphs: after a restart the branch
    /// searches its inherited rows in the graph at once.
    func testACheckpointKeepsAncestorGraphs() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helios-branch-ckpt-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = try checkpointedBranchIndex(in: directory, options: "WITH (m = 12, ef_construction = 64)") { db, data in
            try self.run(db, "INSERT INTO items VALUES (9000, $1)", [.vector(data[5])])   // replayed from the log
        }
        let store = try MemoryStore.open(directory: directory, sync: .full).0
        XCTAssertEqual(store.ancestorVectorIndexes.readyCount, 1, "restored, not rebuilt")
        let db = Database(storage: store)
        XCTAssertEqual(try searchReport(db, data[5], branch: "dev").strategy, "index")
        let found = ids(try run(db, "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 2", [.vector(data[5])], branch: "dev"))
        XCTAssertEqual(found.first, 5)
        XCTAssertFalse(found.contains(9000), "main's row after the fork")
        XCTAssertGreaterThanOrEqual(try recall(db, branch: "dev"), 0.9)
        XCTAssertEqual(try run(db, "SELECT num_vectors FROM pg_vector_index_stats('dev_hnsw')", branch: "dev").first?[0],
                       .integer(Int64(Self.rows)))
    }

    /// A damaged or missing file of ancestor graphs only costs a rebuild;
    /// the decoder refuses bytes that are not one.
    func testADamagedAncestorGraphFileIsRebuilt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helios-branch-bad-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = try checkpointedBranchIndex(in: directory)
        let file = MemoryStore.checkpointPath(directory, 1) + "/" + AncestorIndexFiles.fileName
        let good = try XCTUnwrap(FileManager.default.contents(atPath: file).map { [UInt8]($0) })
        var flipped = good
        flipped[flipped.count / 2] ^= 0xFF
        for damaged in [flipped, Array(good.prefix(good.count / 3)), Array("not a checkpoint file".utf8), []] {
            XCTAssertThrowsError(try AncestorIndexFiles.entries(damaged, name: file))
            try Data(damaged).write(to: URL(fileURLWithPath: file))
            let store = try MemoryStore.open(directory: directory, sync: .full).0
            let deadline = Date().addingTimeInterval(30)
            while store.ancestorVectorIndexes.readyCount < 1 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            let db = Database(storage: store)
            XCTAssertEqual(try searchReport(db, data[6], branch: "dev").strategy, "index", "rebuilt")
            XCTAssertEqual(ids(try run(db, "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 1", [.vector(data[6])], branch: "dev")), [6])
        }
        XCTAssertEqual(try AncestorIndexFiles.entries(good, name: file).count, 1)
    }

    /// A branch that dropped a column rewrote its rows, which hide main's:
    /// no graph is built over main's rows (their columns sit elsewhere).
    func testNoAncestorGraphWhenTheBranchMovedTheColumn() throws {
        let db = Database()
        let store = try XCTUnwrap(db.store as? MemoryStore)
        try run(db, "CREATE TABLE items (id INT PRIMARY KEY, other VECTOR(8), embedding VECTOR(8))")
        let data = VectorIndexSQLTests.vectors(Self.rows, dimensions: 8, seed: 3)
        for start in stride(from: 0, to: Self.rows, by: 250) {
            let values = (start..<min(Self.rows, start + 250)).map { "(\($0), '[1,1,1,1,1,1,1,1]', '\(Value.vector(data[$0]).description)')" }
            try run(db, "INSERT INTO items VALUES " + values.joined(separator: ", "))
        }
        try run(db, "CREATE BRANCH dev")
        try run(db, "CREATE INDEX dev_hnsw ON items USING hnsw (embedding)", branch: "dev")
        XCTAssertEqual(store.ancestorVectorIndexes.count, 1)
        try run(db, "ALTER TABLE items DROP COLUMN other", branch: "dev")
        XCTAssertEqual(store.ancestorVectorIndexes.count, 0, "dev's rewritten rows hide main's")
        XCTAssertEqual(ids(try run(db, "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 1", [.vector(data[77])], branch: "dev")), [77])
        XCTAssertEqual(store.ancestorVectorIndexes.count, 0)
    }

    /// A store let go of while it rebuilds an ancestor graph frees its data
    /// directory: the builder does not keep the store alive.
    func testAStoreRebuildingAGraphCanBeReopenedAtOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helios-branch-reopen-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let db = Database(storage: try MemoryStore.open(directory: directory, sync: .full).0)
            try run(db, "CREATE TABLE items (id INT PRIMARY KEY, embedding VECTOR(32))")
            let data = VectorIndexSQLTests.vectors(6000, dimensions: 32, seed: 9)
            for start in stride(from: 0, to: 6000, by: 500) {
                let values = (start..<start + 500).map { "(\($0), '\(Value.vector(data[$0]).description)')" }
                try run(db, "INSERT INTO items VALUES " + values.joined(separator: ", "))
            }
            try run(db, "CREATE BRANCH dev")
            try run(db, "CREATE INDEX dev_hnsw ON items USING hnsw (embedding)", branch: "dev")
        }
        for _ in 0..<2 {
            let store = try MemoryStore.open(directory: directory, sync: .full).0
            let deadline = Date().addingTimeInterval(10)
            while store.ancestorVectorIndexes.count < 1 && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
            XCTAssertEqual(store.ancestorVectorIndexes.count, 1, "its rebuild started")
        }
    }

    func testSmallInheritedLayersAreScannedExactly() throws {
        let db = Database()
        let data = try load(db, count: 300)
        try run(db, "CREATE BRANCH small")
        try run(db, "CREATE INDEX small_hnsw ON items USING hnsw (embedding)", branch: "small")
        XCTAssertEqual(try searchReport(db, data[1], branch: "small").strategy, "exact")
        XCTAssertEqual(ids(try run(db, "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 3", [.vector(data[1])], branch: "small")).first, 1)
        XCTAssertEqual(try run(db, "SELECT num_vectors FROM pg_vector_index_stats('small_hnsw')", branch: "small").first?[0], .integer(300))
    }

    /// Ancestor graphs are not checkpointed: after a restart they are built
    /// again in the background; searches meanwhile scan exactly (the same rows).
    func testAncestorGraphsAreBuiltAgainAfterARestart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helios-branch-hnsw-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var data: [[Float]] = []
        do {
            let db = Database(storage: try MemoryStore.open(directory: directory, sync: .full).0)
            data = try load(db)
            try run(db, "CREATE BRANCH dev")
            try run(db, "CREATE INDEX dev_hnsw ON items USING hnsw (embedding) WITH (m = 12, ef_construction = 64)", branch: "dev")
            XCTAssertEqual(try searchReport(db, data[0], branch: "dev").strategy, "index")
        }
        let store = try MemoryStore.open(directory: directory, sync: .full).0
        let db = Database(storage: store)
        XCTAssertEqual(try run(db, "SELECT num_vectors FROM pg_vector_index_stats('dev_hnsw')", branch: "dev").first?[0],
                       .integer(Int64(Self.rows)))
        let query = "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10"
        XCTAssertEqual(ids(try run(db, query, [.vector(data[42])], branch: "dev")).first, 42)
        // Built without a search asking for it (the one above may have found it missing).
        let deadline = Date().addingTimeInterval(30)
        while store.ancestorVectorIndexes.readyCount < 1 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(store.ancestorVectorIndexes.readyCount, 1, "the graph over main's rows is built again")
        XCTAssertEqual(try searchReport(db, data[42], branch: "dev").strategy, "index")
        XCTAssertGreaterThanOrEqual(try recall(db, branch: "dev"), 0.9)
    }
}
