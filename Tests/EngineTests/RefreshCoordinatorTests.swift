import Core
import Engine
import Foundation
import XCTest

/// The background refresher: auto_refresh views are refreshed when due, by
/// priority; failures are recorded and backed off; max_cpu_percent holds
/// the coordinator's CPU share under the cap.
final class RefreshCoordinatorTests: XCTestCase {
    func run(_ db: Database, _ sql: String) throws -> [Row] {
        try db.execute(SQLRequest(sql: sql)).last!.rows
    }

    func testDueViewsAreRefreshedByPriority() throws {
        let db = Database()
        _ = try run(db, "CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 1)")
        _ = try run(db, "CREATE MATERIALIZED VIEW low AS SELECT sum(v) AS s FROM t WITH (auto_refresh = true, priority = 1)")
        _ = try run(db, "CREATE MATERIALIZED VIEW high AS SELECT count(*) AS n FROM t WITH (auto_refresh = true, priority = 5)")
        _ = try run(db, "CREATE MATERIALIZED VIEW manual AS SELECT max(v) AS m FROM t")
        _ = try run(db, "CREATE MATERIALIZED VIEW later AS SELECT min(v) AS m FROM t WITH (auto_refresh = true, refresh_interval = 3600)")
        let coordinator = RefreshCoordinator(database: db, maxConcurrent: 1)
        XCTAssertTrue(coordinator.runOnce().isEmpty, "nothing pending, nothing due")
        _ = try run(db, "INSERT INTO t VALUES (2, 10)")
        let outcomes = coordinator.runOnce()
        XCTAssertEqual(outcomes.map(\.view), ["high", "low"], "auto views with pending changes, highest priority first")
        XCTAssertTrue(outcomes.allSatisfy { $0.error == nil && $0.report?.modeUsed == .incremental })
        XCTAssertEqual(try run(db, "SELECT s FROM low"), [[.integer(11)]])
        XCTAssertEqual(try run(db, "SELECT n FROM high"), [[.integer(2)]])
        XCTAssertEqual(try run(db, "SELECT m FROM manual"), [[.integer(1)]], "a manual view waits for REFRESH")
        XCTAssertEqual(try run(db, "SELECT m FROM later"), [[.integer(1)]], "its interval has not passed")
        XCTAssertTrue(coordinator.runOnce().isEmpty)
        // Branches are looked at too.
        _ = try run(db, "CREATE BRANCH dev FROM main")
        _ = try db.execute(SQLRequest(sql: "INSERT INTO t VALUES (3, 100)", branch: "dev"))
        XCTAssertEqual(Set(coordinator.runOnce().map { "\($0.branch)/\($0.view)" }), ["dev/high", "dev/low"])
        XCTAssertEqual(try db.execute(SQLRequest(sql: "SELECT s FROM low", branch: "dev")).last!.rows, [[.integer(111)]])
        XCTAssertEqual(try run(db, "SELECT s FROM low"), [[.integer(11)]])
    }

    func testFailuresAreRecordedAndBackedOff() throws {
        let db = Database()
        _ = try run(db, "CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 1)")
        _ = try run(db, "CREATE MATERIALIZED VIEW inverse AS SELECT id, 10 / v AS x FROM t WITH (auto_refresh = true)")
        _ = try run(db, "INSERT INTO t VALUES (2, 0)")
        let coordinator = RefreshCoordinator(database: db)
        let first = coordinator.runOnce()
        XCTAssertEqual(first.count, 1)
        XCTAssertEqual(first.first?.error?.contains("division by zero"), true, first.first?.error ?? "no error")
        XCTAssertTrue(coordinator.runOnce().isEmpty, "backed off for a second")
        XCTAssertEqual(try run(db, "SELECT success, error IS NOT NULL FROM pg_mv_refresh_history WHERE view_name = 'inverse'"),
                       [[.boolean(false), .boolean(true)]])
        _ = try run(db, "DELETE FROM t WHERE id = 2")
        Thread.sleep(forTimeInterval: 1.1)
        XCTAssertEqual(coordinator.runOnce().first?.error, nil, "retried after the back-off, and now it works")
    }

    func testCPUCapIsHeld() throws {
        let db = Database()
        _ = try run(db, "CREATE TABLE t (id INT PRIMARY KEY, v INT)")
        var values: [String] = []
        for i in 1...3_000 { values.append("(\(i), \(i % 97))") }
        _ = try run(db, "INSERT INTO t VALUES " + values.joined(separator: ","))
        // A window function: no delta rule, so every refresh recomputes (CPU-heavy).
        _ = try run(db, "CREATE MATERIALIZED VIEW ranked AS SELECT id, rank() OVER (ORDER BY v, id) AS r FROM t WITH (auto_refresh = true, max_cpu_percent = 25)")
        let coordinator = RefreshCoordinator(database: db, maxConcurrent: 1)
        let started = Date()
        var refreshes = 0
        var next = 3_001
        while Date().timeIntervalSince(started) < 3.0 {
            _ = try run(db, "INSERT INTO t VALUES (\(next), 5)")
            next += 1
            refreshes += coordinator.runOnce().count
        }
        let usage = coordinator.usage
        XCTAssertGreaterThan(refreshes, 1)
        XCTAssertGreaterThan(usage.throttledSeconds, 0, "the cap made it pause")
        XCTAssertLessThanOrEqual(usage.cpuSeconds / usage.wallSeconds, 0.25 * 1.3,
                                 "CPU share \(usage.cpuSeconds) s over \(usage.wallSeconds) s")
    }
}
