import Core
import Engine
import Foundation
import XCTest

/// HNSW indexes through SQL: the planner's index scan agrees with exact
/// search (recall gate), filters return k rows whenever k exist, the
/// reader's branch and AS OF point hide what they should, options are
/// validated, and pg_vector_index_stats reports the index.
final class VectorIndexSQLTests: XCTestCase {
    var db: Database!

    override func setUp() { db = Database() }

    @discardableResult
    func run(_ sql: String, _ params: [Value] = [], branch: String = "main", asOf: HistoryPoint? = nil) throws -> [Row] {
        try db.execute(SQLRequest(sql: sql, parameters: params, branch: branch, asOf: asOf)).last!.rows
    }

    func fails(_ sql: String, _ state: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        assertEngineError(state, message, sql, file: file, line: line) { try run(sql) }
    }

    /// Seeded clustered vectors (a linear congruential generator).
    static func vectors(_ count: Int, dimensions: Int, seed: UInt64) -> [[Float]] {
        var state = seed
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        let centers = (0..<8).map { _ in (0..<dimensions).map { _ in next() * 3 } }
        return (0..<count).map { i in centers[i % 8].map { $0 + next() } }
    }

    func load(_ count: Int, dimensions: Int = 8, index: String = "", opclass: String = "vector_l2_ops") throws -> [[Float]] {
        try run("CREATE TABLE items (id INT PRIMARY KEY, category INT, embedding VECTOR(\(dimensions)))")
        if !index.isEmpty || opclass != "vector_l2_ops" {
            try run("CREATE INDEX items_hnsw ON items USING hnsw (embedding \(opclass)) \(index)")
        }
        let data = Self.vectors(count, dimensions: dimensions, seed: 42)
        for start in stride(from: 0, to: count, by: 200) {
            let rows = (start..<min(count, start + 200)).map { "(\($0), \($0 % 100), '\(Value.vector(data[$0]).description)')" }
            try run("INSERT INTO items VALUES " + rows.joined(separator: ", "))
        }
        return data
    }

    func ids(_ rows: [Row]) -> [Int64] { rows.map { row -> Int64 in if case .integer(let i) = row[0] { return i }; return -1 } }

    func explain(_ sql: String, _ params: [Value] = []) throws -> String {
        try run("EXPLAIN " + sql, params).map { "\($0[0])" }.joined(separator: "\n")
    }

    func testIndexScanIsPlannedAndAgreesWithExactSearch() throws {
        let data = try load(1200, index: "WITH (m = 12, ef_construction = 64)")
        let query = "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10"
        XCTAssertTrue(try explain(query, [.vector(data[3])]).contains("HNSW Index Scan using items_hnsw"))
        var hits = 0
        for q in 0..<20 {
            let probe = Self.vectors(1, dimensions: 8, seed: UInt64(1000 + q))[0]
            let found = ids(try run(query, [.vector(probe)]))
            XCTAssertEqual(found.count, 10)
            let exact = ids(try run("SELECT id FROM items ORDER BY (embedding <-> $1) + 0 LIMIT 10", [.vector(probe)])
                            .prefix(10).map { $0 })
            hits += Set(found).intersection(exact).count
        }
        XCTAssertGreaterThanOrEqual(Double(hits) / 200, 0.95)
        // Distances come back exact and ordered.
        let rows = try run("SELECT id, embedding <-> $1 AS d FROM items ORDER BY embedding <-> $1 LIMIT 5", [.vector(data[7])])
        XCTAssertEqual(rows[0][0], .integer(7))
        XCTAssertEqual(rows[0][1], .double(0))
        let distances: [Double] = rows.map { row -> Double in if case .double(let d) = row[1] { return d }; return -1 }
        XCTAssertEqual(distances, distances.sorted())
    }

    /// A LIMIT far beyond the table is any k: every row comes back, nearest first.
    func testHugeLimitReturnsEveryRowInOrder() throws {
        let data = try load(300, index: "WITH (m = 8, ef_construction = 32)")
        for limit in ["1000000000", "9223372036854775807"] {
            let rows = try run("SELECT id, embedding <-> $1 FROM items ORDER BY embedding <-> $1 LIMIT \(limit)", [.vector(data[5])])
            XCTAssertEqual(rows.count, 300, limit)
            XCTAssertEqual(rows.first?[0], .integer(5))
            let distances: [Double] = rows.map { row -> Double in if case .double(let d) = row[1] { return d }; return -1 }
            XCTAssertEqual(distances, distances.sorted(), limit)
        }
    }

    /// Heuristic pruning can leave a node that no other node links to; the
    /// graph cannot reach it. LIMIT k must still give k rows when the
    /// table has them, and the row must come back when it is nearest.
    func testLimitGetsEveryRowTheGraphCannotReach() throws {
        try run("CREATE TABLE items (id INT PRIMARY KEY, category INT, embedding VECTOR(16))")
        try run("CREATE INDEX items_hnsw ON items USING hnsw (embedding) WITH (m = 4, ef_construction = 8)")
        var state: UInt64 = 1
        func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        let count = 3000
        let data = (0..<count).map { _ in (0..<16).map { _ in uniform() } }
        for start in stride(from: 0, to: count, by: 250) {
            let rows = (start..<min(count, start + 250)).map { "(\($0), 0, '\(Value.vector(data[$0]).description)')" }
            try run("INSERT INTO items VALUES " + rows.joined(separator: ", "))
        }
        for probe in [data[0], data[1234], [Float](repeating: 0.5, count: 16)] {
            for limit in [count - 1, count] {
                let rows = try run("SELECT id FROM items ORDER BY embedding <-> $1 LIMIT \(limit)", [.vector(probe)])
                XCTAssertEqual(rows.count, limit)
                XCTAssertEqual(Set(ids(rows)).count, limit)
            }
        }
    }

    /// A NULL query makes every distance NULL: the rows are what the plan
    /// without the index gives (pgvector returns them too).
    func testNullQueryReturnsRowsAsWithoutAnIndex() throws {
        _ = try load(50, index: "WITH (m = 8)")
        XCTAssertTrue(try explain("SELECT id FROM items ORDER BY embedding <-> NULL::vector LIMIT 5").contains("HNSW Index Scan"))
        XCTAssertEqual(try run("SELECT id FROM items ORDER BY embedding <-> NULL::vector LIMIT 5").count, 5)
        XCTAssertEqual(try run("SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 7", [.null]).count, 7)
        XCTAssertEqual(try run("SELECT id FROM items WHERE category = 3 ORDER BY embedding <-> $1 LIMIT 7", [.null]).count, 1)
    }

    /// Rows whose vector is NULL have no distance and sort last: with too
    /// few vectors for the LIMIT, the index plan returns them as the exact
    /// plan does (filtered, ordered by the other keys, after OFFSET).
    func testRowsWithoutAVectorFollowAsWithoutAnIndex() throws {
        try run("CREATE TABLE nv (id INT PRIMARY KEY, g INT, v VECTOR(2))")
        try run("INSERT INTO nv VALUES (1, 0, '[1,0]'), (2, 0, NULL), (3, 1, '[0,1]'), (4, 1, NULL), (5, 0, '[5,5]')")
        let queries = ["SELECT id FROM nv ORDER BY v <-> '[1,0]' LIMIT 10",
                       "SELECT id FROM nv ORDER BY v <-> '[1,0]', id DESC LIMIT 10",
                       "SELECT id FROM nv ORDER BY v <=> '[1,0]' LIMIT 4 OFFSET 1",
                       "SELECT id FROM nv WHERE g = 1 ORDER BY v <-> '[1,0]' LIMIT 10",
                       "SELECT id FROM nv ORDER BY v <-> '[1,0]' LIMIT 2"]
        let exact = try queries.map { try run($0) }
        XCTAssertEqual(ids(exact[0]), [1, 3, 5, 2, 4])
        XCTAssertEqual(ids(exact[1]), [1, 3, 5, 4, 2])
        try run("CREATE INDEX nv_l2 ON nv USING hnsw (v vector_l2_ops)")
        try run("CREATE INDEX nv_cos ON nv USING hnsw (v vector_cosine_ops)")
        for (sql, expected) in zip(queries, exact) {
            // (A second ORDER BY key keeps the exact plan.)
            XCTAssertEqual(try explain(sql).contains("HNSW Index Scan"), !sql.contains(", id"), sql)
            XCTAssertEqual(ids(try run(sql)), ids(expected), sql)
        }
    }

    /// NaN distances (a zero vector under cosine, ∞ − ∞ in a dot product)
    /// sort last, with or without the index, filtered or not; NULLS FIRST
    /// keeps the exact plan (the index holds no NULL vectors).
    func testNaNDistancesAndNullsFirstMatchTheExactPlan() throws {
        try run("CREATE TABLE m (id INT PRIMARY KEY, v VECTOR(2), cat INT)")
        try run("INSERT INTO m SELECT i, CASE WHEN i = 3 THEN '[0,0]' ELSE '[' || i || ',1]' END, i % 2 FROM generate_series(1, 20) i")
        try run("INSERT INTO m VALUES (21, NULL, 1)")
        let queries = ["SELECT id FROM m WHERE cat = 1 ORDER BY v <=> '[1,0]' LIMIT 3",
                       "SELECT id FROM m ORDER BY v <=> '[1,0]' LIMIT 25",
                       "SELECT id FROM m ORDER BY v <-> '[1,0]' NULLS FIRST LIMIT 3"]
        let exact = try queries.map { try run($0) }
        XCTAssertEqual(ids(exact[0]), [19, 17, 15])
        XCTAssertEqual(ids(exact[1]).suffix(2), [3, 21], "NaN after the numbers, NULL last")
        XCTAssertEqual(ids(exact[2]).first, 21)
        try run("CREATE INDEX m_cos ON m USING hnsw (v vector_cosine_ops)")
        try run("CREATE INDEX m_l2 ON m USING hnsw (v vector_l2_ops)")
        for (sql, expected) in zip(queries, exact) { XCTAssertEqual(ids(try run(sql)), ids(expected), sql) }
        XCTAssertFalse(try explain(queries[2]).contains("HNSW"))

        try run("CREATE TABLE p (id INT PRIMARY KEY, v VECTOR(2))")
        try run("INSERT INTO p SELECT i, CASE WHEN i = 3 THEN '[3e38,-3e38]' ELSE '[' || i || ',1]' END FROM generate_series(1, 20) i")
        try run("CREATE INDEX p_ip ON p USING hnsw (v vector_ip_ops)")
        let distances = try run("SELECT v <#> '[1e38,1e38]' FROM p ORDER BY v <#> '[1e38,1e38]' LIMIT 3").map { $0[0] }
        XCTAssertEqual(distances, Array(repeating: .double(-.infinity), count: 3))
        let last = try run("SELECT id, v <#> '[1e38,1e38]' FROM p ORDER BY v <#> '[1e38,1e38]' LIMIT 20").last
        XCTAssertEqual(last?.first, .integer(3), "the NaN distance comes last")
    }

    /// `ORDER BY distance, id`: rows tied on distance are ordered by the
    /// later keys, however many tie: such an ORDER BY keeps the exact plan
    /// (as pgvector's does), the single-key one uses the index.
    func testLaterOrderByKeysOrderRowsTiedOnDistance() throws {
        try run("CREATE TABLE du (id INT PRIMARY KEY, v VECTOR(2))")
        try run("INSERT INTO du SELECT g, '[1,1]' FROM generate_series(1, 300) g")
        try run("INSERT INTO du SELECT g, '[5,5]' FROM generate_series(301, 600) g")
        try run("INSERT INTO du SELECT g, '[' || g || ',0]' FROM generate_series(601, 5600) g")
        let queries = ["SELECT id FROM du ORDER BY v <-> '[1,1]', id LIMIT 3",
                       "SELECT id FROM du ORDER BY v <-> '[1,1]', id DESC LIMIT 3",
                       "SELECT id FROM du ORDER BY v <-> '[1,1]' NULLS LAST, id LIMIT 3 OFFSET 298",
                       "SELECT id FROM du ORDER BY v <-> '[4,4]', id DESC LIMIT 2",
                       "SELECT id FROM du ORDER BY v <-> '[700,0]', id LIMIT 4"]
        let exact = try queries.map { try ids(run($0)) }
        XCTAssertEqual(exact[0], [1, 2, 3])
        XCTAssertEqual(exact[1], [300, 299, 298])
        XCTAssertEqual(exact[2], [299, 300, 301])
        XCTAssertEqual(exact[3], [600, 599])
        XCTAssertEqual(exact[4], [700, 699, 701, 698])
        try run("CREATE INDEX du_l2 ON du USING hnsw (v vector_l2_ops)")
        for (sql, expected) in zip(queries, exact) {
            XCTAssertFalse(try explain(sql).contains("HNSW"), sql)
            XCTAssertEqual(try ids(run(sql)), expected, sql)
        }
        XCTAssertTrue(try explain("SELECT id FROM du ORDER BY v <-> '[1,1]' LIMIT 3").contains("HNSW Index Scan"))
    }

    /// A query vector of the wrong dimension fails as the exact plan does:
    /// with the first distance computed, so not over rows without a vector.
    func testWrongDimensionQueryFailsOnlyWhereADistanceIsComputed() throws {
        try run("CREATE TABLE w (id INT PRIMARY KEY, v VECTOR(2))")
        try run("CREATE INDEX w_l2 ON w USING hnsw (v vector_l2_ops)")
        XCTAssertEqual(try run("SELECT id FROM w ORDER BY v <-> '[1,2,3]' LIMIT 1"), [])
        try run("INSERT INTO w VALUES (1, NULL)")
        XCTAssertEqual(try ids(run("SELECT id FROM w ORDER BY v <-> '[1,2,3]' LIMIT 1")), [1])
        try run("INSERT INTO w VALUES (2, '[1,1]')")
        fails("SELECT id FROM w ORDER BY v <-> '[1,2,3]' LIMIT 1", "22000", "different vector dimensions 2 and 3")
        XCTAssertEqual(try ids(run("SELECT id FROM w WHERE v IS NULL ORDER BY v <-> '[1,2,3]' LIMIT 1")), [1])
    }

    /// Under cosine a zero vector has no distance (NaN, sorted last): the
    /// index ranks it behind every real distance, wherever it sits in the
    /// graph (even as its entry point).
    func testZeroVectorsComeLastUnderCosine() throws {
        try run("CREATE TABLE nz (id INT PRIMARY KEY, v VECTOR(2))")
        try run("CREATE INDEX nz_cos ON nz USING hnsw (v vector_cosine_ops)")
        try run("INSERT INTO nz VALUES (1, '[0,0]'), (2, '[1,0]'), (3, '[0,1]'), (4, '[-1,0]')")
        XCTAssertEqual(try ids(run("SELECT id FROM nz ORDER BY v <=> '[1,0]' LIMIT 3")), [2, 3, 4])
        XCTAssertEqual(try ids(run("SELECT id FROM nz ORDER BY v <=> '[1,0]' LIMIT 4")), [2, 3, 4, 1])

        try run("CREATE TABLE z (id INT PRIMARY KEY, v VECTOR(8))")
        try run("CREATE INDEX z_cos ON z USING hnsw (v vector_cosine_ops)")
        let data = Self.vectors(600, dimensions: 8, seed: 7)
        let rows = (0..<600).map { i in "(\(i), '\(i % 50 == 0 ? "[0,0,0,0,0,0,0,0]" : Value.vector(data[i]).description)')" }
        try run("INSERT INTO z VALUES " + rows.joined(separator: ", "))
        var hits = 0
        for q in 0..<10 {
            let probe: Value = .vector(Self.vectors(1, dimensions: 8, seed: UInt64(500 + q))[0])
            let found = try ids(run("SELECT id FROM z ORDER BY v <=> $1 LIMIT 10", [probe]))
            let exact = try ids(run("SELECT id FROM z ORDER BY v <=> $1 NULLS FIRST LIMIT 10", [probe]))  // (the exact plan)
            XCTAssertFalse(found.contains { $0 % 50 == 0 }, "a zero vector among the nearest")
            hits += Set(found).intersection(exact).count
        }
        XCTAssertGreaterThanOrEqual(hits, 95)
    }

    /// Two indexes on one column for one metric: each reports its own
    /// statistics, and the search uses the index EXPLAIN names.
    func testTwoIndexesOnOneColumnKeepTheirOwnIdentity() throws {
        let data = try load(300, dimensions: 8)
        try run("CREATE INDEX ix_none ON items USING hnsw (embedding vector_l2_ops) WITH (quantization = 'none')")
        try run("CREATE INDEX ix_pq ON items USING hnsw (embedding vector_l2_ops) WITH (quantization = 'pq', pq_subquantizers = 2)")
        let stats = try run("SELECT index_name, quantization FROM pg_vector_index_stats() ORDER BY index_name")
        XCTAssertEqual(stats, [[.text("ix_none"), .text("none")], [.text("ix_pq"), .text("product")]])
        XCTAssertEqual(try run("SELECT quantization FROM pg_vector_index_stats('ix_pq')"), [[.text("product")]])
        let sql = "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 1"
        XCTAssertTrue(try explain(sql, [.vector(data[7])]).contains("using ix_none"))
        XCTAssertEqual(ids(try run(sql, [.vector(data[7])])), [7])
        try run("DROP INDEX ix_none")
        XCTAssertTrue(try explain(sql, [.vector(data[7])]).contains("using ix_pq"))
        XCTAssertEqual(ids(try run(sql, [.vector(data[7])])), [7])
    }

    func testFilteredSearchReturnsKRowsForASelectiveFilter() throws {
        _ = try load(2000, index: "WITH (m = 8, ef_construction = 32, ef_search = 10)")
        let probe = Self.vectors(1, dimensions: 8, seed: 7)[0]
        for category in [3, 50] {
            let sql = "SELECT id, category FROM items WHERE category = \(category) ORDER BY embedding <-> $1 LIMIT 10"
            let found = try run(sql, [.vector(probe)])
            XCTAssertEqual(found.count, 10, "1% of rows match: LIMIT 10 must still give 10")
            XCTAssertTrue(found.allSatisfy { $0[1] == .integer(Int64(category)) })
            let exact = try run("SELECT id, category FROM items WHERE category = \(category) ORDER BY (embedding <-> $1) + 0 LIMIT 10",
                                [.vector(probe)])
            XCTAssertEqual(Set(ids(found)), Set(ids(exact)))
        }
        // A broad filter walks the graph and still fills the limit.
        let broad = try run("SELECT id FROM items WHERE category < 50 ORDER BY embedding <-> $1 LIMIT 25", [.vector(probe)])
        XCTAssertEqual(broad.count, 25)
        let analyzed = try run("EXPLAIN ANALYZE SELECT id FROM items WHERE category = 3 ORDER BY embedding <-> $1 LIMIT 10",
                               [.vector(probe)]).map { "\($0[0])" }.joined(separator: "\n")
        XCTAssertTrue(analyzed.contains("Vector Search: strategy=exact"), analyzed)
        let graph = try run("EXPLAIN ANALYZE SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10",
                            [.vector(probe)]).map { "\($0[0])" }.joined(separator: "\n")
        XCTAssertTrue(graph.contains("Vector Search: strategy=index ef_search=10"), graph)
    }

    func testUpdatesDeletesBranchesAndAsOfAreVisibilityFilters() throws {
        let data = try load(300, index: "WITH (m = 8, ef_construction = 32)")
        let target = data[5]
        let nearest = "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 1"
        XCTAssertEqual(ids(try run(nearest, [.vector(target)])), [5])
        let before = try run("SELECT current_scn()")[0][0]
        guard case .integer(let scn) = before else { return XCTFail() }
        // A non-vector update keeps row 5 findable; moving its vector away hides it.
        try run("UPDATE items SET category = 999 WHERE id = 5")
        XCTAssertEqual(ids(try run(nearest, [.vector(target)])), [5])
        try run("UPDATE items SET embedding = $1 WHERE id = 5", [.vector([Float](repeating: 90, count: 8))])
        XCTAssertNotEqual(ids(try run(nearest, [.vector(target)])), [5])
        XCTAssertEqual(ids(try run(nearest, [.vector([Float](repeating: 90, count: 8))])), [5])
        // AS OF the earlier SCN sees the old vector.
        XCTAssertEqual(ids(try run(nearest, [.vector(target)], asOf: .scn(SCN(UInt64(scn))))), [5])
        XCTAssertEqual(ids(try run("SELECT id FROM items AS OF SCN \(scn) ORDER BY embedding <-> $1 LIMIT 1", [.vector(target)])), [5])
        // A branch: its own insert and delete are seen only there.
        try run("CREATE BRANCH feature")
        try run("INSERT INTO items VALUES (5000, 1, $1)", [.vector([Float](repeating: -70, count: 8))], branch: "feature")
        try run("DELETE FROM items WHERE id = 5", branch: "feature")
        let far = [Float](repeating: -70, count: 8)
        XCTAssertEqual(ids(try run(nearest, [.vector(far)], branch: "feature")), [5000])
        XCTAssertNotEqual(ids(try run(nearest, [.vector(far)])), [5000])
        XCTAssertNotEqual(ids(try run(nearest, [.vector([Float](repeating: 90, count: 8))], branch: "feature")), [5])
        XCTAssertEqual(ids(try run(nearest, [.vector([Float](repeating: 90, count: 8))])), [5])
        // A transaction sees its own pending rows.
        let own = try db.execute(SQLRequest(sql: """
            BEGIN; INSERT INTO items VALUES (6000, 1, '[55,55,55,55,55,55,55,55]');
            SELECT id FROM items ORDER BY embedding <-> '[55,55,55,55,55,55,55,55]' LIMIT 1; ROLLBACK
            """))
        XCTAssertEqual(ids(own[2].rows), [6000])
        // Merging the branch brings its rows into main's index.
        try run("MERGE BRANCH feature INTO main")
        XCTAssertEqual(ids(try run(nearest, [.vector(far)])), [5000])
    }

    func testMetricsOperatorClassesAndEfSearchSetting() throws {
        let data = try load(500, opclass: "vector_cosine_ops")
        let cosine = "SELECT id FROM items ORDER BY embedding <=> $1 LIMIT 3"
        XCTAssertTrue(try explain(cosine, [.vector(data[0])]).contains("HNSW Index Scan"))
        // The l2 operator does not match a cosine index: exact plan, same answers.
        XCTAssertFalse(try explain("SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 3", [.vector(data[0])]).contains("HNSW"))
        XCTAssertEqual(ids(try run(cosine, [.vector(data[9])])).first, 9)
        let analyzed = try db.execute(SQLRequest(sql: "SET hnsw.ef_search = 77; EXPLAIN ANALYZE " + cosine, parameters: [.vector(data[1])]))
        XCTAssertTrue(analyzed.last!.rows.contains { "\($0[0])".contains("ef_search=77") })
        fails("SET hnsw.ef_search = 0", "22023", "hnsw.ef_search")
    }

    func testOptionsAreValidatedAndStatsReported() throws {
        try run("CREATE TABLE t (id INT PRIMARY KEY, e VECTOR(16), n INT, bare VECTOR)")
        fails("CREATE INDEX bad ON t USING hnsw (e) WITH (mm = 3)", "22023", "valid options: m, ef_construction, ef_search")
        fails("CREATE INDEX bad ON t USING hnsw (e) WITH (m = 'x')", "22023", "m")
        fails("CREATE INDEX bad ON t USING hnsw (e) WITH (quantization = 'zip')", "22023", "quantization")
        fails("CREATE INDEX bad ON t USING hnsw (e) WITH (quantization = 'pq', pq_subquantizers = 5)", "22023", "divide")
        fails("CREATE INDEX bad ON t USING hnsw (e vector_l1_ops)", "42704", "operator class")
        fails("CREATE INDEX bad ON t USING hnsw (n)", "42804", "VECTOR(n)")
        fails("CREATE INDEX bad ON t USING hnsw (bare)", "22023", "dimensions")
        try run("CREATE INDEX good ON t USING hnsw (e vector_ip_ops) WITH (M = 8, efConstruction = 40, ef = 20, compression = 'sq8')")
        try run("CREATE INDEX IF NOT EXISTS good ON t USING hnsw (e)")
        let definition = try run("SELECT indexdef FROM pg_indexes WHERE indexname = 'good'").first?.first
        XCTAssertEqual(definition, .text("CREATE INDEX good ON public.t USING hnsw (e vector_ip_ops) WITH (compression='sq8', ef='20', efconstruction='40', m='8')"))  // as written, as PostgreSQL keeps reloptions
        let data = Self.vectors(400, dimensions: 16, seed: 9)
        for (i, v) in data.enumerated() { try run("INSERT INTO t VALUES ($1, $2, 0, NULL)", [.integer(Int64(i)), .vector(v)]) }
        let stats = try run("SELECT * FROM pg_vector_index_stats()")
        let columns = try db.execute(SQLRequest(sql: "SELECT * FROM pg_vector_index_stats()")).last!.columns
        XCTAssertEqual(columns, ["index_name", "num_vectors", "dimensions", "quantization", "memory_bytes", "recall_at_10", "table_name"])
        XCTAssertEqual(stats.count, 1)
        XCTAssertEqual(stats[0][0], .text("good"))
        XCTAssertEqual(stats[0][1], .integer(400))
        XCTAssertEqual(stats[0][2], .integer(16))
        XCTAssertEqual(stats[0][3], .text("scalar"))
        guard case .integer(let bytes) = stats[0][4] else { return XCTFail() }
        XCTAssertGreaterThan(bytes, 400 * 16)
        XCTAssertEqual(stats[0][5], .null)
        let measured = try run("SELECT recall_at_10 FROM pg_vector_index_stats('good')")
        guard case .double(let recall) = measured.first?.first else { return XCTFail("\(measured)") }
        XCTAssertGreaterThanOrEqual(recall, 0.8)
        try run("DELETE FROM t WHERE id < 100")
        XCTAssertEqual(try run("SELECT num_vectors FROM pg_vector_index_stats('good')")[0][0], .integer(300))
    }

    /// An inner-product index created over existing rows (a bulk build)
    /// finds what exact search finds; recall_at_10 counts an equally
    /// distant duplicate as a right answer.
    func testIndexBuiltOverExistingRowsAndRecallWithDuplicates() throws {
        try run("CREATE TABLE ip (id INT PRIMARY KEY, e VECTOR(8))")
        var state: UInt64 = 99
        func next() -> Float { state = state &* 6364136223846793005 &+ 1442695040888963407; return Float(state >> 40) / Float(1 << 24) }
        let rows = (0..<2500).map { i in "(\(i), '\(Value.vector((0..<8).map { _ in next() }).description)')" }
        try run("INSERT INTO ip VALUES " + rows.joined(separator: ", "))
        try run("CREATE INDEX ip_hnsw ON ip USING hnsw (e vector_ip_ops)")
        var hits = 0
        for _ in 0..<10 {
            let probe: Value = .vector((0..<8).map { _ in next() })
            let found = try ids(run("SELECT id FROM ip ORDER BY e <#> $1 LIMIT 10", [probe]))
            let exact = try ids(run("SELECT id FROM ip ORDER BY e <#> $1 NULLS FIRST LIMIT 10", [probe]))  // (the exact plan)
            hits += Set(found).intersection(exact).count
        }
        XCTAssertGreaterThanOrEqual(hits, 85)

        try run("CREATE TABLE dup (id INT PRIMARY KEY, e VECTOR(4))")
        try run("CREATE INDEX dup_hnsw ON dup USING hnsw (e vector_l2_ops)")
        try run("INSERT INTO dup SELECT i, CASE WHEN i % 2 = 0 THEN '[1,1,1,1]' ELSE '[' || i || ',0,0,1]' END FROM generate_series(1, 1000) i")
        guard case .double(let recall)? = try run("SELECT recall_at_10 FROM pg_vector_index_stats('dup_hnsw')").first?.first else {
            return XCTFail("no recall")
        }
        XCTAssertGreaterThanOrEqual(recall, 0.9)
    }

    func testUnknownAccessMethodsRepeatedOptionsAndHNSWSettings() throws {
        try run("CREATE TABLE t (id INT PRIMARY KEY, e VECTOR(4))")
        fails("CREATE INDEX bad ON t USING foo (e)", "42704", "access method \"foo\" does not exist")
        fails("CREATE INDEX bad ON t USING ivfflat (e)", "0A000", "not supported")
        fails("CREATE INDEX bad ON t USING hnsw (e) WITH (m = 16, m = 8)", "42710", "specified more than once")
        XCTAssertTrue(try run("SELECT indexname FROM pg_indexes WHERE indexname = 'bad'").isEmpty)
        try run("CREATE INDEX ok ON t USING btree (id)")
        // Unnamed indexes on one column are numbered, as in PostgreSQL.
        try run("CREATE INDEX ON t USING hnsw (e vector_l2_ops)")
        try run("CREATE INDEX ON t USING hnsw (e vector_cosine_ops)")
        XCTAssertEqual(try run("SELECT indexname FROM pg_indexes WHERE tablename = 't' AND indexname LIKE 't_e_idx%' ORDER BY 1"),
                       [[.text("t_e_idx")], [.text("t_e_idx1")]])
        // pgvector reserves the prefix: SET and RESET of a name it does not define are 42602.
        fails("SET hnsw.bogus = 5", "42602", "invalid configuration parameter name \"hnsw.bogus\"")
        fails("RESET hnsw.bogus", "42602", "reserved prefix")
        XCTAssertEqual(try run("SET hnsw.ef_search = 10.5; SHOW hnsw.ef_search"), [[.text("10")]], "rounded as PostgreSQL rounds")
        try run("SET hnsw.iterative_scan = relaxed_order")  // pgvector 0.8's: checked, nothing to change
        try run("SET application_name = 'x'")
        // pgvector's other settings are checked as pgvector checks them, and SHOW gives their defaults.
        fails("SET hnsw.iterative_scan = bogus", "22023", "invalid value for parameter \"hnsw.iterative_scan\"")
        fails("SET hnsw.max_scan_tuples = 0", "22023", "hnsw.max_scan_tuples")
        fails("SET hnsw.scan_mem_multiplier = 1001", "22023", "hnsw.scan_mem_multiplier")
        let shown = try db.execute(SQLRequest(sql: """
            SHOW hnsw.iterative_scan; SHOW hnsw.max_scan_tuples; SHOW hnsw.scan_mem_multiplier;
            SET hnsw.iterative_scan = 'STRICT_ORDER'; SET hnsw.max_scan_tuples = 500; SET hnsw.scan_mem_multiplier = 2.5;
            SHOW hnsw.iterative_scan; SHOW hnsw.max_scan_tuples; SHOW hnsw.scan_mem_multiplier
            """)).compactMap { $0.statementType == "SHOW" ? $0.rows.first?.first : nil }
        XCTAssertEqual(shown, [.text("off"), .text("20000"), .text("1"), .text("strict_order"), .text("500"), .text("2.5")])
    }

    /// SET, SHOW and RESET of hnsw.ef_search within a request (settings
    /// last for the request, as a session's would).
    func testShowAndResetSettings() throws {
        func shown(_ sql: String) throws -> [Value] {
            try db.execute(SQLRequest(sql: sql)).compactMap { $0.statementType == "SHOW" ? $0.rows.first?.first : nil }
        }
        XCTAssertEqual(try shown("SHOW hnsw.ef_search"), [.text("40")])
        XCTAssertEqual(try db.execute(SQLRequest(sql: "SHOW hnsw.ef_search")).last!.columns, ["hnsw.ef_search"])
        XCTAssertEqual(try shown("SET hnsw.ef_search = 100; SHOW hnsw.ef_search; RESET hnsw.ef_search; SHOW hnsw.ef_search"),
                       [.text("100"), .text("40")])
        XCTAssertEqual(try shown("SET hnsw.ef_search TO 64; SET hnsw.ef_search = DEFAULT; SHOW hnsw.ef_search"), [.text("40")])
        XCTAssertEqual(try shown("SET application_name = 'etl'; SHOW application_name; RESET ALL; SET hnsw.ef_search = 7; SHOW HNSW.EF_SEARCH"),
                       [.text("etl"), .text("7")])
        fails("SHOW application_name", "42704", "unrecognized configuration parameter")
        fails("SHOW hnsw.bogus", "42704", "unrecognized configuration parameter")
        fails("SHOW no_such_setting", "42704", "unrecognized configuration parameter")
        XCTAssertEqual(try shown("SHOW search_path; SHOW TimeZone"), [.text("\"$user\", public"), .text("UTC")])
        XCTAssertFalse(try run("SHOW BRANCHES").isEmpty)
        XCTAssertFalse(try run("SHOW DATABASE BRANCHES").isEmpty)
    }

    /// The index's dimensions are the column's, before the first vector;
    /// a branch's count is its own rows over its parent's.
    func testStatsOfAnEmptyIndexAndOnABranch() throws {
        try run("CREATE TABLE e (id INT PRIMARY KEY, v VECTOR(4))")
        try run("CREATE INDEX ei ON e USING hnsw (v)")
        XCTAssertEqual(try run("SELECT num_vectors, dimensions FROM pg_vector_index_stats('ei')").first, [.integer(0), .integer(4)])
        try run("INSERT INTO e VALUES (1, '[1,0,0,0]'), (2, '[0,1,0,0]'), (3, '[0,0,1,0]'), (4, '[0,0,0,1]')")
        try run("CREATE BRANCH b1")
        try run("DELETE FROM e WHERE id = 1", branch: "b1")
        try run("UPDATE e SET v = NULL WHERE id = 2", branch: "b1")
        try run("UPDATE e SET v = '[1,1,0,0]' WHERE id = 3", branch: "b1")
        try run("INSERT INTO e VALUES (5, '[1,1,1,1]'), (6, '[2,2,2,2]')", branch: "b1")
        let visible = try run("SELECT count(*) FROM e WHERE v IS NOT NULL", branch: "b1")[0][0]
        XCTAssertEqual(visible, .integer(4))
        XCTAssertEqual(try run("SELECT num_vectors FROM pg_vector_index_stats('ei')", branch: "b1")[0][0], visible)
        XCTAssertEqual(try run("SELECT num_vectors FROM pg_vector_index_stats('ei')")[0][0], .integer(4))
    }

    func testProductQuantizedIndexTrainsAndReranks() throws {
        let data = try load(1100, dimensions: 16,
                            index: "WITH (m = 12, ef_construction = 48, quantization = 'product', pq_subquantizers = 8, pq_centroids = 32, ef_search = 64)")
        let stats = try run("SELECT quantization, num_vectors FROM pg_vector_index_stats()")
        XCTAssertEqual(stats[0][0], .text("product"))
        XCTAssertEqual(stats[0][1], .integer(1100))
        var hits = 0
        for q in 0..<10 {
            let probe = data[q * 37]
            let found = ids(try run("SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10", [.vector(probe)]))
            let exact = ids(try run("SELECT id FROM items ORDER BY (embedding <-> $1) + 0 LIMIT 10", [.vector(probe)]))
            hits += Set(found).intersection(exact).count
            XCTAssertEqual(found.first, Int64(q * 37))
        }
        XCTAssertGreaterThanOrEqual(Double(hits) / 100, 0.9)
        let analyzed = try run("EXPLAIN ANALYZE SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10", [.vector(data[0])])
            .map { "\($0[0])" }.joined(separator: "\n")
        XCTAssertTrue(analyzed.contains("strategy=index") && analyzed.contains("reranked=true"), analyzed)
    }

    /// Plain EXPLAIN says when a quantized index will scan exactly (its
    /// quantizer not yet trained), as EXPLAIN ANALYZE and the REST answer do.
    func testExplainTellsWhenAQuantizedIndexScansExactly() throws {
        try run("CREATE TABLE pq (id INT PRIMARY KEY, e VECTOR(4))")
        try run("CREATE INDEX pqi ON pq USING hnsw (e) WITH (quantization = 'product', pq_subquantizers = 2, pq_centroids = 16)")
        let query = "SELECT id FROM pq ORDER BY e <-> '[1,1,1,1]' LIMIT 3"
        let plan = try explain(query)
        XCTAssertTrue(plan.contains("exact scan (the quantizer trains at 256 vectors)"), plan)
        try run("INSERT INTO pq SELECT i, '[' || (i % 17) || ',' || (i % 5) || ',2,' || (i % 3) || ']' FROM generate_series(1, 100) i")
        XCTAssertTrue(try explain(query).contains("exact scan"))
        XCTAssertTrue(try run("EXPLAIN ANALYZE " + query).contains([.text("Vector Search: strategy=exact ef_search=0 candidates_examined=100 reranked=false filter_exhausted=false")]))
        try run("INSERT INTO pq SELECT i, '[' || (i % 17) || ',' || (i % 5) || ',2,' || (i % 3) || ']' FROM generate_series(101, 300) i")
        XCTAssertFalse(try explain(query).contains("exact scan"), "trained at 256")
        XCTAssertTrue(try run("EXPLAIN ANALYZE " + query).map { "\($0[0])" }.joined().contains("strategy=index"))
        try run("CREATE TABLE plain (id INT PRIMARY KEY, e VECTOR(2)); CREATE INDEX ON plain USING hnsw (e)")
        XCTAssertFalse(try explain("SELECT id FROM plain ORDER BY e <-> '[1,1]' LIMIT 3").contains("exact scan"))
    }

    func testSixteenThousandDimensions() throws {
        try run("CREATE TABLE wide (id INT PRIMARY KEY, e VECTOR(16000))")
        try run("CREATE INDEX wide_hnsw ON wide USING hnsw (e vector_cosine_ops)")
        for i in 0..<30 {
            let v = (0..<16000).map { Float(($0 * (i + 3)) % 101) / 100 }
            try run("INSERT INTO wide VALUES ($1, $2)", [.integer(Int64(i)), .vector(v)])
        }
        let probe = (0..<16000).map { Float(($0 * 14) % 101) / 100 }
        XCTAssertEqual(ids(try run("SELECT id FROM wide ORDER BY e <=> $1 LIMIT 1", [.vector(probe)])), [11])
        XCTAssertTrue(try explain("SELECT id FROM wide ORDER BY e <=> $1 LIMIT 1", [.vector(probe)]).contains("HNSW"))
        fails("CREATE TABLE wider (e VECTOR(16001))", "22023", "16000")
    }
}
