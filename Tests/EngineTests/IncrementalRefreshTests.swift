import Core
import Engine
import Foundation
import Storage
import Synchronization
import Vector
import Views
import XCTest

/// Incremental refresh must give exactly the rows a recomputation gives.
/// For each delta rule: random inserts, updates and deletes on the base
/// table over many seeds, an incremental refresh after each batch, and a
/// row-for-row comparison with the view's query run afresh.
final class IncrementalRefreshTests: XCTestCase {
    static let views: [(name: String, query: String)] = [
        ("filtered", "SELECT id, g, v * 2 AS doubled FROM t WHERE v > 3"),
        ("projected", "SELECT upper(g) AS big, v, id FROM t"),
        ("grouped", "SELECT g, count(*) AS n, sum(v) AS s, avg(v) AS a, min(v) AS lo, max(v) AS hi, count(w) AS cw FROM t GROUP BY g"),
        ("havingview", "SELECT g, sum(v) AS s FROM t WHERE w IS NOT NULL GROUP BY g HAVING count(*) > 2"),
        ("distinctcount", "SELECT g, count(DISTINCT v) AS d, sum(DISTINCT w) AS sw FROM t GROUP BY g"),
        ("global", "SELECT count(*) AS n, sum(v) AS s, max(w) AS m FROM t"),
        ("expressionkey", "SELECT v % 3 AS bucket, count(*) AS n, min(g) AS first FROM t GROUP BY v % 3"),
        ("joined", "SELECT t.id, t.v, u.label FROM t JOIN u ON t.g = u.g WHERE t.v > 0"),
        ("joinedgroups", "SELECT u.label, count(*) AS n, sum(t.v) AS s, max(t.w) AS m FROM t JOIN u ON t.g = u.g WHERE u.weight > 0 GROUP BY u.label"),
        ("crossed", "SELECT t.id, u.id AS uid, t.v + u.weight AS total FROM t, u WHERE t.v = u.weight"),
        ("joinedbykey", "SELECT t.id, u.label, t.v FROM t JOIN u ON t.w = u.id WHERE u.weight >= 0"),
        ("groupedbykey", "SELECT u.label, sum(t.v) AS s, count(*) AS n FROM u JOIN t ON u.id = t.w GROUP BY u.label"),
        // Keyed by t alone (u joins by its primary key), and by both (u is the kept side of a LEFT JOIN).
        ("keyedbyright", "SELECT t.id, u.label, t.v FROM u JOIN t ON u.id = t.w WHERE t.v <> 3"),
        ("leftkeptside", "SELECT u.id, u.label, t.id AS tid FROM u LEFT JOIN t ON u.id = t.w"),
        ("leftjoined", "SELECT t.id, u.label, t.v FROM t LEFT JOIN u ON t.g = u.g"),
        ("leftbykey", "SELECT t.id, u.label FROM t LEFT JOIN u ON t.w = u.id WHERE t.v > 0"),
        // Three tables: keyed by t alone (u and x join by their primary keys), and grouped.
        ("threeway", "SELECT t.id, u.label, x.tag, t.v FROM t JOIN u ON t.w = u.id JOIN x ON u.weight = x.id WHERE x.tag <> 'z' AND t.v > -3"),
        ("threewaygroups", "SELECT x.tag, count(*) AS n, sum(t.v) AS s FROM t JOIN u ON t.w = u.id JOIN x ON u.weight = x.id GROUP BY x.tag"),
        ("leftgroups", "SELECT u.label, count(*) AS n, sum(t.v) AS s, count(u.id) AS matched FROM t LEFT JOIN u ON t.g = u.g GROUP BY u.label"),
        ("distinctrows", "SELECT DISTINCT g, v % 4 AS m FROM t WHERE w IS NOT NULL"),
        ("distinctjoin", "SELECT DISTINCT u.label FROM t JOIN u ON t.g = u.g"),
    ]

    func rows(_ db: Database, _ sql: String, branch: String = "main") throws -> [String] {
        try db.execute(SQLRequest(sql: sql, branch: branch)).last!.rows.map { $0.map(\.description).joined(separator: "|") }.sorted()
    }

    func randomBatch(_ g: inout SeededGenerator, nextID: inout Int, live: inout [Int]) -> String {
        var statements: [String] = []
        // The joined table changes too: labels per group, some with several rows.
        for _ in 0..<Int.random(in: 0...2, using: &g) {
            let id = Int.random(in: 1...8, using: &g)
            let group = ["'a'", "'b'", "'c'", "'d'", "NULL"].randomElement(using: &g)!
            let weight = Int.random(in: -2...6, using: &g)
            statements.append(["INSERT INTO u VALUES (\(id), \(group), 'L\(id % 3)', \(weight)) ON CONFLICT (id) DO UPDATE SET g = EXCLUDED.g, weight = EXCLUDED.weight",
                               "DELETE FROM u WHERE id = \(id)", "UPDATE u SET label = 'L\(weight)' WHERE id = \(id)"].randomElement(using: &g)!)
        }
        // And the third table, tags by weight.
        for _ in 0..<Int.random(in: 0...1, using: &g) {
            let id = Int.random(in: -1...5, using: &g), tag = ["'p'", "'q'", "'z'"].randomElement(using: &g)!
            statements.append(["INSERT INTO x VALUES (\(id), \(tag)) ON CONFLICT (id) DO UPDATE SET tag = EXCLUDED.tag",
                               "DELETE FROM x WHERE id = \(id)"].randomElement(using: &g)!)
        }
        func value() -> String { Int.random(in: 0...9, using: &g) == 0 ? "NULL" : String(Int.random(in: -5...20, using: &g)) }
        func group() -> String { ["'a'", "'b'", "'c'", "'d'", "NULL"].randomElement(using: &g)! }
        for _ in 0..<Int.random(in: 1...12, using: &g) {
            switch Int.random(in: 0...9, using: &g) {
            case 0...3:
                statements.append("INSERT INTO t VALUES (\(nextID), \(group()), \(value()), \(value()))")
                live.append(nextID); nextID += 1
            case 4...6 where !live.isEmpty:
                let id = live.randomElement(using: &g)!
                statements.append(["UPDATE t SET v = \(value()) WHERE id = \(id)", "UPDATE t SET g = \(group()), w = \(value()) WHERE id = \(id)",
                                   "UPDATE t SET v = v + 1 WHERE v < 5"].randomElement(using: &g)!)
            case 7...8 where !live.isEmpty:
                let id = live.remove(at: Int.random(in: 0..<live.count, using: &g))
                statements.append("DELETE FROM t WHERE id = \(id)")
            default:
                statements.append("DELETE FROM t WHERE v = \(Int.random(in: -5...20, using: &g))")
                live = []  // unknown now: stop targeting ids
            }
        }
        return statements.joined(separator: "; ")
    }

    func testEveryRuleMatchesRecomputationOverManySeeds() throws {
        for seed in 1...25 {
            let db = Database()
            var g = SeededGenerator(seed: UInt64(seed))
            try db.execute(SQLRequest(sql: "CREATE TABLE t (id INT PRIMARY KEY, g TEXT, v INT, w INT); CREATE TABLE u (id INT PRIMARY KEY, g TEXT, label TEXT, weight INT); CREATE TABLE x (id INT PRIMARY KEY, tag TEXT)"))
            var nextID = 1, live: [Int] = []
            _ = try db.execute(SQLRequest(sql: randomBatch(&g, nextID: &nextID, live: &live)))
            for view in Self.views {
                _ = try db.execute(SQLRequest(sql: "CREATE MATERIALIZED VIEW \(view.name) AS \(view.query)"))
            }
            for round in 0..<6 {
                _ = try db.execute(SQLRequest(sql: randomBatch(&g, nextID: &nextID, live: &live)))
                for view in Self.views {
                    let report = try db.refreshView(view.name, branch: "main", mode: .incremental)
                    XCTAssertEqual(report.modeUsed, .incremental, "\(view.name): \(report.reason ?? "")")
                    XCTAssertEqual(try rows(db, "SELECT * FROM \(view.name)"), try rows(db, view.query),
                                   "seed \(seed), round \(round), view \(view.name)")
                }
            }
        }
    }

    /// Refreshes of thousands of changes (moves between groups, extremes
    /// changed, deletes and inserts) must still equal a recomputation.
    func testLargeRefreshesMatchRecomputation() throws {
        let db = Database()
        var g = SeededGenerator(seed: 42)
        _ = try db.execute(SQLRequest(sql: "CREATE TABLE t (id INT PRIMARY KEY, g TEXT, v INT, w INT)"))
        let groups = ["'a'", "'b'", "'c'", "'d'", "'e'", "'f'", "NULL"]
        let values = (1...9000).map { id in
            "(\(id), \(groups.randomElement(using: &g)!), \(Int.random(in: -50...50, using: &g)), \(id % 11 == 0 ? "NULL" : String(id % 97)))"
        }
        _ = try db.execute(SQLRequest(sql: "INSERT INTO t VALUES " + values.joined(separator: ", ")))
        let views = [
            ("wide", "SELECT g, count(*) AS n, sum(v) AS s, avg(v) AS a, min(v) AS lo, max(w) AS hi, count(w) AS cw FROM t GROUP BY g"),
            ("filteredgroups", "SELECT w % 5 AS bucket, count(*) AS n, max(v) AS hi FROM t WHERE v > -20 GROUP BY w % 5"),
            ("distinctvalues", "SELECT g, count(DISTINCT w) AS d FROM t GROUP BY g"),
        ]
        for (name, query) in views { _ = try db.execute(SQLRequest(sql: "CREATE MATERIALIZED VIEW \(name) AS \(query)")) }
        for round in 0..<3 {
            _ = try db.execute(SQLRequest(sql: """
                UPDATE t SET v = v + \(round + 1) WHERE id % 3 = \(round);
                UPDATE t SET g = CASE WHEN g = 'a' THEN 'b' WHEN g IS NULL THEN 'c' ELSE g END WHERE id % 4 = \(round);
                UPDATE t SET w = NULL WHERE id % 13 = \(round);
                DELETE FROM t WHERE id % 50 = \(round);
                INSERT INTO t SELECT id + 100000 * \(round + 1), 'z', v * 2, w FROM t WHERE id % 7 = 0
                """))
            for (name, query) in views {
                let report = try db.refreshView(name, branch: "main", mode: .incremental)
                XCTAssertEqual(report.modeUsed, .incremental, "\(name): \(report.reason ?? "")")
                XCTAssertGreaterThanOrEqual(report.deltasApplied, 4000, name)
                XCTAssertEqual(try rows(db, "SELECT * FROM \(name)"), try rows(db, query), "round \(round), view \(name)")
            }
        }
    }

    func testRefreshInsideAWritingTransactionAndRetriesAreExact() throws {
        let db = Database()
        _ = try db.execute(SQLRequest(sql: """
            CREATE TABLE t (id INT PRIMARY KEY, g TEXT, v INT, w INT);
            INSERT INTO t VALUES (1, 'a', 1, 1), (2, 'a', 2, 2), (3, 'b', 3, 3);
            CREATE MATERIALIZED VIEW s AS SELECT g, sum(v) AS total FROM t GROUP BY g
            """))
        // The rows include writes of their own transaction, so they match
        // no single SCN: counted as pending, and the next refresh recomputes.
        XCTAssertEqual(try db.materializedViews(branch: "main").first?.pendingChanges, 3)
        var report = try db.refreshView("s", branch: "main", mode: .auto)
        XCTAssertEqual(report.modeUsed, .full)
        XCTAssertTrue(report.reason?.contains("uncommitted writes of its own transaction") ?? false, report.reason ?? "nil")
        XCTAssertEqual(try db.materializedViews(branch: "main").first?.pendingChanges, 0)
        _ = try db.execute(SQLRequest(sql: "UPDATE t SET v = 10 WHERE id = 1; REFRESH MATERIALIZED VIEW s; INSERT INTO t VALUES (4, 'b', 4, 4)"))
        XCTAssertEqual(try rows(db, "SELECT * FROM s"), ["a|12", "b|3"], "the refresh saw the update, not the later insert")
        report = try db.refreshView("s", branch: "main", mode: .auto)
        XCTAssertEqual(report.modeUsed, .full)
        XCTAssertEqual(try rows(db, "SELECT * FROM s"), ["a|12", "b|7"])
        for _ in 0..<2 {
            report = try db.refreshView("s", branch: "main", mode: .auto)
            XCTAssertEqual(report.modeUsed, .incremental)
            XCTAssertEqual(try rows(db, "SELECT * FROM s"), ["a|12", "b|7"])
        }
        XCTAssertEqual(try db.refreshView("s", branch: "main", mode: .auto).rowsChanged, 0, "a repeated refresh changes nothing")
    }

    func testFallsBackToRecomputationAndSaysWhy() throws {
        let db = Database()
        _ = try db.execute(SQLRequest(sql: """
            CREATE TABLE t (id INT PRIMARY KEY, g TEXT, v INT, w INT); CREATE TABLE u (id INT PRIMARY KEY, g TEXT);
            INSERT INTO t VALUES (1, 'a', 1, 1); INSERT INTO u VALUES (1, 'a')
            """))
        let cases = [("windowed", "SELECT id, row_number() OVER (ORDER BY v) AS r FROM t", "window"),
                     ("limited", "SELECT id FROM t ORDER BY v LIMIT 1", "LIMIT"),
                     ("fulljoined", "SELECT t.id, u.g FROM t FULL JOIN u ON t.id = u.id", "FULL joins"),
                     ("random", "SELECT id, random() AS r FROM t", "non-deterministic"),
                     ("sub", "SELECT id FROM t WHERE id IN (SELECT id FROM u)", "subquery")]
        for (name, query, why) in cases {
            _ = try db.execute(SQLRequest(sql: "CREATE MATERIALIZED VIEW \(name) AS \(query)"))
            let report = try db.refreshView(name, branch: "main", mode: .incremental)
            XCTAssertEqual(report.modeUsed, .full, name)
            XCTAssertTrue(report.reason?.contains(why) ?? false, "\(name): \(report.reason ?? "nil")")
        }
        _ = try db.execute(SQLRequest(sql: "CREATE MATERIALIZED VIEW plain AS SELECT id FROM t WITH (incremental_enabled = false)"))
        XCTAssertEqual(try db.refreshView("plain", branch: "main", mode: .auto).modeUsed, .full)
        _ = try db.execute(SQLRequest(sql: "CREATE MATERIALIZED VIEW keyed AS SELECT id, v FROM t"))
        _ = try db.execute(SQLRequest(sql: "ALTER TABLE t ADD COLUMN z INT"))
        let altered = try db.refreshView("keyed", branch: "main", mode: .auto)
        XCTAssertEqual(altered.modeUsed, .full)
        XCTAssertTrue(altered.reason?.contains("altered") ?? false, altered.reason ?? "nil")
    }

    func testBranchesRefreshTheirOwnChanges() throws {
        let db = Database()
        _ = try db.execute(SQLRequest(sql: """
            CREATE TABLE t (id INT PRIMARY KEY, g TEXT, v INT, w INT);
            INSERT INTO t VALUES (1, 'a', 1, 1), (2, 'b', 2, 2)
            """))
        _ = try db.execute(SQLRequest(sql: "CREATE MATERIALIZED VIEW s AS SELECT g, sum(v) AS total FROM t GROUP BY g"))
        _ = try db.execute(SQLRequest(sql: "INSERT INTO t VALUES (3, 'a', 5, 5)"))
        _ = try db.execute(SQLRequest(sql: "CREATE BRANCH dev FROM main"))
        _ = try db.execute(SQLRequest(sql: "UPDATE t SET v = 100 WHERE id = 2; INSERT INTO t VALUES (4, 'c', 1, 1)", branch: "dev"))
        _ = try db.execute(SQLRequest(sql: "DELETE FROM t WHERE id = 1"))
        let dev = try db.refreshView("s", branch: "dev", mode: .auto)
        XCTAssertEqual(dev.modeUsed, .incremental, dev.reason ?? "")
        XCTAssertEqual(try rows(db, "SELECT * FROM s", branch: "dev"), ["a|6", "b|100", "c|1"])
        XCTAssertEqual(try db.refreshView("s", branch: "main", mode: .auto).modeUsed, .incremental)
        XCTAssertEqual(try rows(db, "SELECT * FROM s"), ["a|5", "b|2"])
        XCTAssertEqual(try rows(db, "SELECT * FROM s", branch: "dev"), ["a|6", "b|100", "c|1"])
    }
}

/// Views survive restarts (definition, rows, refresh SCN, and incremental
/// refresh afterwards), and several views over the same table refresh at
/// once without deadlock.
final class MaterializedViewDurabilityTests: XCTestCase {
    func testViewsSurviveCheckpointAndLogReplay() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helios-mv-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func rows(_ db: Database, _ sql: String) throws -> [String] {
            try db.execute(SQLRequest(sql: sql)).last!.rows.map { $0.map(\.description).joined(separator: "|") }.sorted()
        }
        var refreshedSCN: SCN?
        do {
            let db = Database(storage: try MemoryStore.open(directory: directory, sync: .full).0)
            _ = try db.execute(SQLRequest(sql: "CREATE TABLE t (id INT PRIMARY KEY, g TEXT, v INT)"))
            _ = try db.execute(SQLRequest(sql: "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'a', 3)"))
            _ = try db.execute(SQLRequest(sql: "CREATE MATERIALIZED VIEW s WITH (priority = 3) AS SELECT g, sum(v) AS total FROM t GROUP BY g"))
            _ = try (db.store as? MemoryStore)?.checkpoint()
            _ = try db.execute(SQLRequest(sql: "INSERT INTO t VALUES (4, 'b', 10)"))
            _ = try db.refreshView("s", branch: "main", mode: .auto)
            _ = try db.execute(SQLRequest(sql: "UPDATE t SET v = 100 WHERE id = 1"))
            refreshedSCN = try db.materializedViews(branch: "main").first?.lastRefreshSCN
        }
        let db = Database(storage: try MemoryStore.open(directory: directory, sync: .full).0)
        let view = try XCTUnwrap(try db.materializedViews(branch: "main").first)
        XCTAssertEqual(view.lastRefreshSCN, refreshedSCN)
        XCTAssertEqual(view.options["priority"], "3")
        XCTAssertEqual(view.pendingChanges, 1, "the update after the refresh is still pending")
        XCTAssertEqual(try rows(db, "SELECT * FROM s"), ["a|4", "b|12"])
        let report = try db.refreshView("s", branch: "main", mode: .auto)
        XCTAssertEqual(report.modeUsed, .incremental, report.reason ?? "")
        XCTAssertEqual(try rows(db, "SELECT * FROM s"), ["a|103", "b|12"])
    }

    func testConcurrentRefreshesOfViewsOverOneTable() throws {
        let db = Database()
        _ = try db.execute(SQLRequest(sql: "CREATE TABLE t (id INT PRIMARY KEY, g TEXT, v INT)"))
        var values: [String] = []
        for i in 1...2_000 { values.append("(\(i), 'g\(i % 7)', \(i % 13))") }
        _ = try db.execute(SQLRequest(sql: "INSERT INTO t VALUES " + values.joined(separator: ",")))
        let names = (0..<6).map { "v\($0)" }
        for (i, name) in names.enumerated() {
            _ = try db.execute(SQLRequest(sql: "CREATE MATERIALIZED VIEW \(name) AS SELECT g, sum(v + \(i)) AS s, count(*) AS n FROM t GROUP BY g"))
        }
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 24) { i in
            do {
                if i % 4 == 0 { _ = try db.execute(SQLRequest(sql: "UPDATE t SET v = v + 1 WHERE id % 50 = \(i)")) }
                _ = try db.refreshView(names[i % names.count], branch: "main", mode: .auto)
            } catch let error as EngineError where error.sqlState == "40001" {
                // Two refreshes of the same view: one retries.
            } catch {
                failures.withLock { $0 += 1 }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, 0)
        for (i, name) in names.enumerated() {
            _ = try db.refreshView(name, branch: "main", mode: .auto)
            let view = try db.execute(SQLRequest(sql: "SELECT * FROM \(name)")).last!.rows.map { $0.map(\.description).joined(separator: "|") }.sorted()
            let fresh = try db.execute(SQLRequest(sql: "SELECT g, sum(v + \(i)) AS s, count(*) AS n FROM t GROUP BY g")).last!.rows
                .map { $0.map(\.description).joined(separator: "|") }.sorted()
            XCTAssertEqual(view, fresh, name)
        }
    }
}
