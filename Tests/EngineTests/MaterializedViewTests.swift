import Core
import Engine
import Foundation
import XCTest

/// Materialized views through `Database.execute`: the DDL of DESIGN §3 and
/// its errors, refresh, per-branch views and AS OF, the system views, and
/// the write protection of a view's rows.
final class MaterializedViewTests: XCTestCase {
    var db: Database!

    override func setUp() {
        db = Database()
    }

    @discardableResult
    func run(_ sql: String, branch: String = "main") throws -> [Row] {
        try db.execute(SQLRequest(sql: sql, branch: branch)).last!.rows
    }

    func sorted(_ sql: String, branch: String = "main") throws -> [String] {
        try run(sql, branch: branch).map { $0.map(\.description).joined(separator: "|") }.sorted()
    }

    func fails(_ sql: String, _ state: String, _ message: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        assertEngineError(state, message, sql, file: file, line: line) { try run(sql) }
    }

    func seed() throws {
        try run("CREATE TABLE sales (id INT PRIMARY KEY, region TEXT, amount INT)")
        try run("INSERT INTO sales VALUES (1, 'east', 10), (2, 'west', 20), (3, 'east', 5)")
    }

    func testCreateIsPopulatedAndRefreshRecomputes() throws {
        try seed()
        try run("CREATE MATERIALIZED VIEW totals AS SELECT region, sum(amount) AS total, count(*) AS n FROM sales GROUP BY region")
        XCTAssertEqual(try sorted("SELECT * FROM totals"), ["east|15|2", "west|20|1"])
        try run("INSERT INTO sales VALUES (4, 'west', 1); UPDATE sales SET amount = 7 WHERE id = 3")
        XCTAssertEqual(try sorted("SELECT * FROM totals"), ["east|15|2", "west|20|1"], "stored rows until refreshed")
        try run("REFRESH MATERIALIZED VIEW totals")
        XCTAssertEqual(try sorted("SELECT * FROM totals"), ["east|17|2", "west|21|2"])
        // Options before or after the query; CONCURRENTLY and INCREMENTALLY are accepted.
        try run("CREATE MATERIALIZED VIEW big WITH (priority = 2) AS SELECT id FROM sales WHERE amount > 8 WITH (auto_refresh = true)")
        XCTAssertEqual(try sorted("SELECT * FROM big"), ["1", "2"])
        try run("DELETE FROM sales WHERE id = 2")
        try run("REFRESH MATERIALIZED VIEW CONCURRENTLY big INCREMENTALLY")
        XCTAssertEqual(try sorted("SELECT * FROM big"), ["1"])
        // IF NOT EXISTS keeps the existing view.
        try run("CREATE MATERIALIZED VIEW IF NOT EXISTS big AS SELECT 1 AS one")
        XCTAssertEqual(try sorted("SELECT * FROM big"), ["1"])
        fails("CREATE MATERIALIZED VIEW big AS SELECT 1", "42P07", "already exists")
    }

    func testWithNoDataCannotBeReadUntilRefreshed() throws {
        try seed()
        try run("CREATE MATERIALIZED VIEW later AS SELECT id FROM sales WITH NO DATA")
        fails("SELECT * FROM later", "55000", "has never been refreshed. Run: REFRESH MATERIALIZED VIEW later")
        XCTAssertEqual(try run("SELECT ispopulated FROM pg_matviews WHERE matviewname = 'later'"), [[.boolean(false)]])
        try run("REFRESH MATERIALIZED VIEW later")
        XCTAssertEqual(try sorted("SELECT * FROM later"), ["1", "2", "3"])
    }

    func testOptionsAreChecked() throws {
        try seed()
        fails("CREATE MATERIALIZED VIEW v WITH (colour = 'red') AS SELECT 1", "22023", "Unknown MV option: colour")
        fails("CREATE MATERIALIZED VIEW v AS SELECT 1 WITH (staleness_threshold = 'soon')", "22023", "staleness_threshold")
        fails("CREATE MATERIALIZED VIEW v AS SELECT 1 WITH (refresh_strategy = 'sometimes')", "22023", "manual, auto, incremental")
        fails("CREATE MATERIALIZED VIEW v AS SELECT 1 WITH (max_cpu_percent = 150)", "22023", "max_cpu_percent")
        XCTAssertEqual(try run("SELECT count(*) FROM pg_matviews"), [[.integer(0)]], "failed CREATEs leave nothing")
        try run("CREATE MATERIALIZED VIEW v AS SELECT id FROM sales WITH (refresh_strategy = 'incremental', staleness_threshold = 60)")
        try run("ALTER MATERIALIZED VIEW v SET (refresh_interval = 30, refresh_strategy = 'auto')")
        fails("ALTER MATERIALIZED VIEW v SET (priority = 'high')", "22023", "priority")
        fails("ALTER MATERIALIZED VIEW v SET (nope = 1)", "22023", "Unknown MV option: nope")
        fails("ALTER MATERIALIZED VIEW sales SET (priority = 1)", "42809", "not a materialized view")
        try run("ALTER MATERIALIZED VIEW IF EXISTS missing SET (priority = 1)")
        XCTAssertEqual(try run("SELECT refresh_strategy FROM pg_matviews WHERE matviewname = 'v'"), [[.text("auto")]])
        // auto_refresh without a strategy reports "auto" (the coordinator refreshes it).
        try run("CREATE MATERIALIZED VIEW w WITH (auto_refresh = true, refresh_interval = 1) AS SELECT id FROM sales")
        XCTAssertEqual(try run("SELECT refresh_strategy FROM pg_matviews WHERE matviewname = 'w'"), [[.text("auto")]])
        try run("CREATE MATERIALIZED VIEW x AS SELECT id FROM sales")
        XCTAssertEqual(try run("SELECT refresh_strategy FROM pg_matviews WHERE matviewname = 'x'"), [[.text("manual")]])
    }

    func testRowsAreWrittenOnlyByRefresh() throws {
        try seed()
        try run("CREATE MATERIALIZED VIEW v AS SELECT id, amount FROM sales")
        fails("INSERT INTO v VALUES (9, 9)", "42809", "REFRESH MATERIALIZED VIEW")
        fails("UPDATE v SET amount = 0", "42809")
        fails("DELETE FROM v", "42809")
        fails("TRUNCATE v", "42809")
        fails("DROP TABLE v", "42809", "DROP MATERIALIZED VIEW")
        fails("DROP VIEW v", "42809", "DROP MATERIALIZED VIEW")
        fails("ALTER TABLE v ADD COLUMN x INT", "42809", "materialized view")
        fails("REFRESH MATERIALIZED VIEW sales", "42809", "not a materialized view")
        fails("REFRESH MATERIALIZED VIEW nothing", "42P01", "does not exist")
        // A failed statement leaves nothing half done.
        XCTAssertEqual(try sorted("SELECT * FROM v"), ["1|10", "2|20", "3|5"])
    }

    func testDropAndDependencies() throws {
        try seed()
        try run("CREATE MATERIALIZED VIEW a AS SELECT id, amount FROM sales")
        try run("CREATE MATERIALIZED VIEW b AS SELECT sum(amount) AS s FROM a")
        XCTAssertEqual(try run("SELECT * FROM b"), [[.integer(35)]], "a view over a view")
        fails("DROP TABLE sales", "2BP01", "depend")
        fails("DROP MATERIALIZED VIEW a", "2BP01", "b")
        try run("DROP MATERIALIZED VIEW a CASCADE")
        fails("SELECT * FROM b", "42P01")
        fails("DROP MATERIALIZED VIEW a", "42P01")
        try run("DROP MATERIALIZED VIEW IF EXISTS a")
        fails("DROP MATERIALIZED VIEW sales", "42809", "not a materialized view")
    }

    func testBranchesAndAsOf() throws {
        try seed()
        try run("CREATE MATERIALIZED VIEW totals AS SELECT sum(amount) AS s FROM sales")
        let before = db.lastCommittedSCN
        try run("CREATE BRANCH dev FROM main")
        try run("INSERT INTO sales VALUES (10, 'north', 100)", branch: "dev")
        try run("REFRESH MATERIALIZED VIEW totals", branch: "dev")
        XCTAssertEqual(try run("SELECT s FROM totals", branch: "dev"), [[.integer(135)]])
        XCTAssertEqual(try run("SELECT s FROM totals"), [[.integer(35)]], "main's view is its own")
        try run("INSERT INTO sales VALUES (11, 'south', 1); REFRESH MATERIALIZED VIEW totals")
        XCTAssertEqual(try run("SELECT s FROM totals"), [[.integer(36)]])
        XCTAssertEqual(try run("SELECT s FROM totals AS OF SCN \(before.rawValue)"), [[.integer(35)]])
    }

    func testStalenessAndHistory() throws {
        try seed()
        try run("CREATE MATERIALIZED VIEW v AS SELECT region, count(*) AS n FROM sales GROUP BY region WITH (staleness_threshold = 3600)")
        XCTAssertEqual(try run("SELECT view_name, base_tables, pending_changes, status FROM pg_mv_staleness()"),
                       [[.text("v"), .text("sales"), .integer(0), .text("FRESH")]])
        try run("INSERT INTO sales VALUES (4, 'west', 1), (5, 'west', 1); UPDATE sales SET amount = 0 WHERE id = 1")
        XCTAssertEqual(try run("SELECT pending_changes, status FROM pg_mv_staleness"), [[.integer(3), .text("STALE")]])
        try run("ALTER MATERIALIZED VIEW v SET (staleness_threshold = 0)")
        Thread.sleep(forTimeInterval: 0.01)
        XCTAssertEqual(try run("SELECT status FROM pg_mv_staleness"), [[.text("OUTDATED")]])
        try run("REFRESH MATERIALIZED VIEW v")
        XCTAssertEqual(try run("SELECT pending_changes, status FROM pg_mv_staleness"), [[.integer(0), .text("FRESH")]])
        fails("REFRESH MATERIALIZED VIEW gone", "42P01")
        let history = try run("SELECT view_name, mode, success FROM pg_mv_refresh_history ORDER BY start_time")
        XCTAssertEqual(history, [[.text("v"), .text("incremental"), .boolean(true)], [.text("gone"), .text("auto"), .boolean(false)]])
        let listed = try db.materializedViews(branch: "main")
        XCTAssertEqual(listed.map(\.name), ["v"])
        XCTAssertEqual(listed.first?.status, "FRESH")
        XCTAssertEqual(listed.first?.baseTables, ["sales"])
    }

    func testRefreshThroughTheEngineReportsWhatRan() throws {
        try seed()
        try run("CREATE MATERIALIZED VIEW v AS SELECT id, amount FROM sales")
        try run("UPDATE sales SET amount = 11 WHERE id = 1")
        let snapshot = db.lastCommittedSCN
        let report = try db.refreshView("v", branch: "main", mode: .full)
        XCTAssertEqual(report.modeUsed, .full)
        XCTAssertEqual(report.rowsChanged, 1, "the changed row is updated in place")
        XCTAssertEqual(report.refreshedAsOfSCN, snapshot, "the rows are those of the snapshot the refresh read")
        XCTAssertEqual(db.lastCommittedSCN.rawValue, snapshot.rawValue + 1, "rows and refresh SCN in one commit")
        XCTAssertEqual(try sorted("SELECT * FROM v"), ["1|11", "2|20", "3|5"])
        XCTAssertEqual(try db.refreshView("v", branch: "main", mode: .full).rowsChanged, 0, "a repeated refresh changes nothing")
    }
}
