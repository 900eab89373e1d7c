import Core
@testable import SQL
import XCTest

/// CREATE / REFRESH / ALTER / DROP MATERIALIZED VIEW: every variant of
/// DESIGN §3, and the malformed ones with their positions.
final class MaterializedViewSyntaxTests: ParserTestCase {
    func testCreateWithOptionsBeforeAndAfterTheQuery() {
        let sql = "CREATE MATERIALIZED VIEW IF NOT EXISTS mv (r, n) WITH (priority = 2, auto_refresh) AS SELECT region, count(*) FROM s GROUP BY region WITH (staleness_threshold = 60) WITH NO DATA"
        guard case .createMaterializedView(let v)? = one(sql) else { return XCTFail() }
        XCTAssertEqual(v.name, "mv")
        XCTAssertTrue(v.ifNotExists)
        XCTAssertEqual(v.columns, ["r", "n"])
        XCTAssertEqual(v.options.map(\.name), ["priority", "auto_refresh", "staleness_threshold"])
        XCTAssertEqual(v.queryText, "SELECT region, count(*) FROM s GROUP BY region")
        XCTAssertFalse(v.withData)
        XCTAssertEqual(Statement.createMaterializedView(v).tag, "CREATE MATERIALIZED VIEW")
        guard case .createMaterializedView(let w)? = one("create materialized view w as with x as (select 1 a) select a from x with data")
        else { return XCTFail() }
        XCTAssertTrue(w.withData)
        XCTAssertEqual(w.queryText, "with x as (select 1 a) select a from x")
        guard case .createMaterializedView(let plain)? = one("CREATE MATERIALIZED VIEW p AS SELECT 1") else { return XCTFail() }
        XCTAssertTrue(plain.withData && plain.options.isEmpty && !plain.ifNotExists)
        // "materialized" and "refresh" stay usable as names.
        XCTAssertNotNil(select("SELECT materialized, refresh FROM refresh"))
    }

    func testRefreshAlterDrop() {
        guard case .refreshMaterializedView(let r)? = one("REFRESH MATERIALIZED VIEW CONCURRENTLY mv INCREMENTALLY") else { return XCTFail() }
        XCTAssertEqual(r, RefreshMaterializedView(name: "mv", concurrently: true, incrementally: true, position: 1))
        guard case .refreshMaterializedView(let plain)? = one("refresh materialized view public.mv with data") else { return XCTFail() }
        XCTAssertEqual(plain, RefreshMaterializedView(name: "mv", position: 1))
        guard case .alterMaterializedView(let a)? = one("ALTER MATERIALIZED VIEW IF EXISTS mv SET (refresh_strategy = 'auto', priority = 1)")
        else { return XCTFail() }
        XCTAssertTrue(a.ifExists)
        XCTAssertEqual(a.options.map(\.name), ["refresh_strategy", "priority"])
        guard case .dropMaterializedView(let d)? = one("DROP MATERIALIZED VIEW IF EXISTS a, b CASCADE") else { return XCTFail() }
        XCTAssertEqual(d.names, ["a", "b"])
        XCTAssertTrue(d.ifExists && d.cascade)
        // ALTER TABLE still parses as before.
        guard case .alterTable? = one("ALTER TABLE t ADD COLUMN c INT") else { return XCTFail() }
    }

    func testMalformedStatements() {
        assertSyntaxError("CREATE MATERIALIZED VIEW mv SELECT 1", near: "SELECT", at: 29)
        assertSyntaxError("CREATE MATERIALIZED VIEW AS SELECT 1", near: "AS", at: 26)
        assertSyntaxError("CREATE MATERIALIZED VIEW mv AS SELECT 1 WITH (", near: nil, at: 47)
        assertSyntaxError("CREATE MATERIALIZED VIEW mv AS SELECT 1 WITH NO", near: nil, at: 48)
        assertSyntaxError("CREATE MATERIALIZED VIEW mv AS SELECT 1 WITH SOME DATA", near: "SOME", at: 46)
        assertSyntaxError("CREATE MATERIALIZED mv AS SELECT 1", near: "mv", at: 21)
        assertSyntaxError("REFRESH MATERIALIZED VIEW", near: nil, at: 26)
        assertSyntaxError("REFRESH VIEW mv", near: "VIEW", at: 9)
        assertSyntaxError("REFRESH MATERIALIZED VIEW mv NOW", near: "NOW", at: 30)
        assertSyntaxError("ALTER MATERIALIZED VIEW mv SET priority = 1", near: "priority", at: 32)
        assertSyntaxError("ALTER MATERIALIZED VIEW mv SET ()", near: ")", at: 33)
        assertSyntaxError("DROP MATERIALIZED mv", near: "mv", at: 19)
        assertError("ALTER MATERIALIZED VIEW mv RENAME TO w", "42601", "ALTER MATERIALIZED VIEW other than SET (…) is not supported", at: 28)
        assertError("REFRESH MATERIALIZED VIEW mv WITH NO DATA", "42601", "REFRESH … WITH NO DATA is not supported", at: 35)
    }
}
