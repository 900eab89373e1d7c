import Core
import SQL
import XCTest

/// Parsing of the branch and time-travel syntax (DESIGN.md §3, Phase 3).
final class BranchSyntaxTests: ParserTestCase {
    // MARK: Helpers

    func renderPoint(_ point: TemporalPoint) -> String {
        switch point {
        case .now: "NOW"
        case .scn(let e): "SCN " + render(e)
        case .transaction(let e): "TRANSACTION " + render(e)
        case .timestamp(let e): "TIMESTAMP " + render(e)
        }
    }

    func renderTemporal(_ clause: TemporalClause?) -> String {
        switch clause {
        case nil: "-"
        case .asOf(let p)?: "AS OF " + renderPoint(p)
        case .versionsBetween(let a, let b)?: "VERSIONS " + renderPoint(a) + " .. " + renderPoint(b)
        }
    }

    /// Every table reference of a FROM item, left to right.
    func tables(_ item: FromItem) -> [TableReference] {
        switch item {
        case .table(let t): [t]
        case .subquery(let q, _, _, _): tables(q)
        case .function: []
        case .join(let l, let r, _, _, _): tables(l) + tables(r)
        case .lateral(let inner, _): tables(inner)
        }
    }

    func tables(_ q: Query) -> [TableReference] {
        var result = q.with.flatMap { tables($0.query) }
        func body(_ b: QueryBody) -> [TableReference] {
            switch b {
            case .select(let s): s.from.flatMap(tables)
            case .values: []
            case .setOperation(_, _, let l, let r): body(l) + body(r)
            case .nested(let q): tables(q)
            }
        }
        result += body(q.body)
        return result
    }

    /// `name AS alias(cols) [temporal]` for every table of a query.
    func tableShapes(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        guard let q = query(sql, file: file, line: line) else { return [] }
        return tables(q).map { t in
            t.name + renderAlias(t.alias, t.columnAliases) + " [" + renderTemporal(t.temporal) + "]"
        }
    }

    func options(_ list: [StatementOption]) -> String {
        list.map { "\($0.name)=\(render($0.value))" }.joined(separator: ", ")
    }

    // MARK: Time travel

    func testAsOfPoints() {
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF NOW"), ["t [AS OF NOW]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t as of now()"), ["t [AS OF NOW]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF SCN 42"), ["t [AS OF SCN 42]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF TRANSACTION 7"), ["t [AS OF TRANSACTION 7]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF TIMESTAMP '2025-01-15 10:30:00'"),
                       ["t [AS OF TIMESTAMP '2025-01-15 10:30:00']"])
        XCTAssertEqual(tableShapes("select * from t As Of Timestamp '2025-01-15'"), ["t [AS OF TIMESTAMP '2025-01-15']"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF SCN $1"), ["t [AS OF SCN $1]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF TIMESTAMP $2"), ["t [AS OF TIMESTAMP $2]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF TRANSACTION $1"), ["t [AS OF TRANSACTION $1]"])
        // Arithmetic, casts and function calls are allowed in the point.
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF SCN $1 - 1"), ["t [AS OF SCN (- $1 1)]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF SCN current_scn()"), ["t [AS OF SCN current_scn()]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF TIMESTAMP TIMESTAMP '2025-01-15'"),
                       ["t [AS OF TIMESTAMP (CAST '2025-01-15' TIMESTAMP)]"])
        XCTAssertEqual(tableShapes("SELECT * FROM s.t AS OF SCN 1"), ["s.t [AS OF SCN 1]"])
    }

    func testAsOfPositions() {
        guard let s = select("SELECT * FROM t AS OF SCN 42 h"), case .table(let t) = s.from[0] else { return XCTFail() }
        XCTAssertEqual(t.position, 15)
        XCTAssertEqual(t.temporal, .asOf(.scn(.literal(.integer(42), position: 27))))
        XCTAssertEqual(t.alias, "h")
        guard let s2 = select("SELECT * FROM t AS OF TIMESTAMP $1"), case .table(let t2) = s2.from[0] else {
            return XCTFail()
        }
        XCTAssertEqual(t2.temporal, .asOf(.timestamp(.parameter(1, position: 33))))
    }

    func testAliasAfterAsOf() {
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF SCN 5 h"), ["t AS h [AS OF SCN 5]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF SCN 5 AS h"), ["t AS h [AS OF SCN 5]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF NOW h"), ["t AS h [AS OF NOW]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF NOW AS h (a, b)"), ["t AS h(a, b) [AS OF NOW]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF TIMESTAMP '2025-01-15 10:30:00' h"),
                       ["t AS h [AS OF TIMESTAMP '2025-01-15 10:30:00']"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF TIMESTAMP '2025-01-15 10:30:00' AS h"),
                       ["t AS h [AS OF TIMESTAMP '2025-01-15 10:30:00']"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF TRANSACTION $1 \"H\""), ["t AS H [AS OF TRANSACTION $1]"])
        // Plain aliases are unchanged, including one named "of".
        XCTAssertEqual(tableShapes("SELECT * FROM t AS h"), ["t AS h [-]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t h"), ["t AS h [-]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS of"), ["t AS of [-]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS of WHERE of.a = 1"), ["t AS of [-]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t versions"), ["t AS versions [-]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t AS versions JOIN u AS scn ON true"),
                       ["t AS versions [-]", "u AS scn [-]"])
    }

    func testAsOfWithWhereAndClauses() {
        guard let s = select("SELECT h.a FROM t AS OF SCN 5 h WHERE h.a > 1 ORDER BY 1") else { return XCTFail() }
        XCTAssertEqual(s.from.map(render), ["t AS h"])
        XCTAssertEqual(s.whereClause.map(render), "(> h.a 1)")
        XCTAssertEqual(tableShapes("SELECT * FROM t AS OF SCN 5, u AS OF NOW"), ["t [AS OF SCN 5]", "u [AS OF NOW]"])
    }

    func testAsOfInJoins() {
        let sql = "SELECT * FROM t AS OF TIMESTAMP '2025-01-15 10:30:00' AS h JOIN u AS OF SCN 3 v ON h.id = v.id"
        XCTAssertEqual(tableShapes(sql), ["t AS h [AS OF TIMESTAMP '2025-01-15 10:30:00']", "u AS v [AS OF SCN 3]"])
        guard let s = select(sql), case .join(_, _, let kind, let condition, _) = s.from[0] else { return XCTFail() }
        XCTAssertEqual(kind, .inner)
        XCTAssertEqual(condition, .on(.binary(.equal, .column(table: "h", name: "id", position: 84),
                                               .column(table: "v", name: "id", position: 91), position: 84)))
        XCTAssertEqual(tableShapes("SELECT * FROM a AS OF NOW LEFT JOIN b AS OF TRANSACTION 2 USING (id)"),
                       ["a [AS OF NOW]", "b [AS OF TRANSACTION 2]"])
        XCTAssertEqual(tableShapes("SELECT * FROM a AS OF SCN 1 x CROSS JOIN b AS OF SCN 2"),
                       ["a AS x [AS OF SCN 1]", "b [AS OF SCN 2]"])
        XCTAssertEqual(tableShapes("SELECT * FROM (a AS OF SCN 1 JOIN b AS OF SCN 2 ON true)"),
                       ["a [AS OF SCN 1]", "b [AS OF SCN 2]"])
    }

    func testAsOfInSubqueriesAndCTEs() {
        XCTAssertEqual(tableShapes("SELECT * FROM (SELECT * FROM t AS OF SCN 9 x) AS s"), ["t AS x [AS OF SCN 9]"])
        XCTAssertEqual(tableShapes("WITH old AS (SELECT * FROM t AS OF TRANSACTION 4) SELECT * FROM old"),
                       ["t [AS OF TRANSACTION 4]", "old [-]"])
        guard let s = select("SELECT (SELECT count(*) FROM t AS OF NOW) FROM u"),
              case .expression(.subquery(let inner, _), _) = s.items[0] else { return XCTFail() }
        XCTAssertEqual(tables(inner).map { renderTemporal($0.temporal) }, ["AS OF NOW"])
        guard let w = select("SELECT * FROM u WHERE id IN (SELECT id FROM t AS OF SCN 3)"),
              case .inSubquery(_, let q, _, _)? = w.whereClause else { return XCTFail() }
        XCTAssertEqual(tables(q).map { renderTemporal($0.temporal) }, ["AS OF SCN 3"])
        XCTAssertEqual(tableShapes("SELECT a FROM t AS OF SCN 1 UNION SELECT a FROM t AS OF SCN 2"),
                       ["t [AS OF SCN 1]", "t [AS OF SCN 2]"])
    }

    func testVersionsBetween() {
        XCTAssertEqual(tableShapes("SELECT * FROM t VERSIONS BETWEEN SCN 1 AND 5"), ["t [VERSIONS SCN 1 .. SCN 5]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t VERSIONS BETWEEN SCN 1 AND 5 h"),
                       ["t AS h [VERSIONS SCN 1 .. SCN 5]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t versions between scn $1 and $2 AS h WHERE h.a = 1 AND true"),
                       ["t AS h [VERSIONS SCN $1 .. SCN $2]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t VERSIONS BETWEEN SCN 1 AND SCN 5"), ["t [VERSIONS SCN 1 .. SCN 5]"])
        XCTAssertEqual(tableShapes("SELECT * FROM t VERSIONS BETWEEN TIMESTAMP '2025-01-01' AND '2025-02-01'"),
                       ["t [VERSIONS TIMESTAMP '2025-01-01' .. TIMESTAMP '2025-02-01']"])
        XCTAssertEqual(tableShapes("SELECT * FROM t VERSIONS BETWEEN TIMESTAMP '2025-01-01' AND TIMESTAMP '2025-02-01' v"),
                       ["t AS v [VERSIONS TIMESTAMP '2025-01-01' .. TIMESTAMP '2025-02-01']"])
        XCTAssertEqual(tableShapes("SELECT * FROM t VERSIONS BETWEEN SCN 1 AND 2 JOIN u ON true"),
                       ["t [VERSIONS SCN 1 .. SCN 2]", "u [-]"])
    }

    func testNewWordsRemainNames() {
        XCTAssertEqual(shape("scn"), "scn")
        XCTAssertEqual(shape("versions + branch"), "(+ versions branch)")
        XCTAssertEqual(shape("now()"), "now()")
        XCTAssertEqual(shape("timestamp '2025-01-01'"), "(CAST '2025-01-01' TIMESTAMP)")
        XCTAssertEqual(queryShape("SELECT scn, current, database, use, show, merge, vacuum, of FROM branches"),
                       "(SELECT scn, current, database, use, show, merge, vacuum, of FROM branches)")
        guard case .createTable(let c)? = one("CREATE TABLE branches (versions int, scn bigint, branch text, now int)") else {
            return XCTFail()
        }
        XCTAssertEqual(c.name, "branches")
        XCTAssertEqual(c.columns.map(\.name), ["versions", "scn", "branch", "now"])
        XCTAssertNotNil(one("CREATE TABLE branch (a int)"))
        XCTAssertNotNil(one("CREATE INDEX versions ON branch (scn)"))
        XCTAssertNotNil(one("CREATE VIEW show AS SELECT * FROM branch"))
        guard case .dropTable(let d)? = one("DROP TABLE branch, branches") else { return XCTFail() }
        XCTAssertEqual(d.names, ["branch", "branches"])
        XCTAssertNotNil(one("DROP VIEW show"))
        XCTAssertNotNil(one("DROP INDEX versions"))
        XCTAssertNotNil(one("INSERT INTO merge (use) VALUES (1)"))
        XCTAssertNotNil(one("UPDATE vacuum SET scn = 1"))
        XCTAssertEqual(tableShapes("SELECT * FROM database JOIN use ON true"), ["database [-]", "use [-]"])
    }

    // MARK: CREATE BRANCH

    func testCreateBranch() {
        XCTAssertEqual(one("CREATE BRANCH dev"), .createBranch(CreateBranch(name: "dev", position: 1)))
        XCTAssertEqual(one("create database branch Dev"), .createBranch(CreateBranch(name: "dev", position: 1)))
        XCTAssertEqual(one("CREATE BRANCH \"Dev\""), .createBranch(CreateBranch(name: "Dev", position: 1)))
        XCTAssertEqual(one("CREATE BRANCH 'feature-X'"), .createBranch(CreateBranch(name: "feature-X", position: 1)))
        XCTAssertEqual(Statement.createBranch(CreateBranch(name: "b", position: 1)).tag, "CREATE BRANCH")
    }

    func testCreateBranchIfNotExists() {
        XCTAssertEqual(one("CREATE BRANCH IF NOT EXISTS b"),
                       .createBranch(CreateBranch(name: "b", ifNotExists: true, position: 1)))
        XCTAssertEqual(one("CREATE DATABASE BRANCH IF NOT EXISTS 'b-1' FROM main"),
                       .createBranch(CreateBranch(name: "b-1", ifNotExists: true, parent: "main", position: 1)))
        // A branch named "if".
        XCTAssertEqual(one("CREATE BRANCH if"), .createBranch(CreateBranch(name: "if", position: 1)))
        XCTAssertEqual(one("CREATE BRANCH if FROM main"),
                       .createBranch(CreateBranch(name: "if", parent: "main", position: 1)))
    }

    func testCreateBranchParentAndPoint() {
        XCTAssertEqual(one("CREATE BRANCH dev FROM main"),
                       .createBranch(CreateBranch(name: "dev", parent: "main", position: 1)))
        XCTAssertEqual(one("CREATE BRANCH dev FROM \"Main\""),
                       .createBranch(CreateBranch(name: "dev", parent: "Main", position: 1)))
        XCTAssertEqual(one("CREATE BRANCH dev FROM 'release-1'"),
                       .createBranch(CreateBranch(name: "dev", parent: "release-1", position: 1)))
        XCTAssertEqual(one("CREATE BRANCH dev FROM CURRENT"), .createBranch(CreateBranch(name: "dev", position: 1)))
        XCTAssertEqual(one("CREATE BRANCH dev FROM current AS OF NOW"),
                       .createBranch(CreateBranch(name: "dev", asOf: .now, position: 1)))
        XCTAssertEqual(one("CREATE BRANCH dev AS OF SCN 100"),
                       .createBranch(CreateBranch(name: "dev", asOf: .scn(.literal(.integer(100), position: 29)),
                                                  position: 1)))
        XCTAssertEqual(one("CREATE BRANCH dev FROM main AS OF TRANSACTION $1"),
                       .createBranch(CreateBranch(name: "dev", parent: "main",
                                                  asOf: .transaction(.parameter(1, position: 47)), position: 1)))
        XCTAssertEqual(one("CREATE BRANCH dev AS OF TIMESTAMP '2025-01-15 10:30:00'"),
                       .createBranch(CreateBranch(name: "dev",
                                                  asOf: .timestamp(.literal(.text("2025-01-15 10:30:00"), position: 35)),
                                                  position: 1)))
    }

    func testCreateBranchOptions() {
        let sql = "CREATE BRANCH dev FROM main AS OF NOW WITH (replication_factor = 3, Region = 'us', \"Mode\" = fast)"
        guard case .createBranch(let b)? = one(sql) else { return XCTFail() }
        XCTAssertEqual(b.name, "dev")
        XCTAssertEqual(b.parent, "main")
        XCTAssertEqual(b.asOf, .now)
        XCTAssertEqual(options(b.options), "replication_factor=3, region='us', Mode='fast'")
        XCTAssertEqual(b.options[0], StatementOption(name: "replication_factor", value: .literal(.integer(3), position: 66),
                                                     position: 45))
        guard case .createBranch(let p)? = one("CREATE BRANCH b WITH (replication_factor = $1, bogus = -2, x = true)") else {
            return XCTFail()
        }
        XCTAssertEqual(options(p.options), "replication_factor=$1, bogus=-2, x=TRUE")
        guard case .createBranch(let a)? = one("CREATE BRANCH b AS OF SCN 5 WITH (region = 'eu')") else { return XCTFail() }
        XCTAssertEqual(a.asOf, .scn(.literal(.integer(5), position: 27)))
        XCTAssertEqual(options(a.options), "region='eu'")
    }

    // MARK: DROP, MERGE, USE, SHOW, VACUUM

    func testDropBranch() {
        XCTAssertEqual(one("DROP BRANCH dev"), .dropBranch(name: "dev", ifExists: false, position: 1))
        XCTAssertEqual(one("drop database branch IF EXISTS \"Dev\""), .dropBranch(name: "Dev", ifExists: true, position: 1))
        XCTAssertEqual(one("DROP BRANCH IF EXISTS 'a-b'"), .dropBranch(name: "a-b", ifExists: true, position: 1))
        XCTAssertEqual(one("DROP BRANCH if"), .dropBranch(name: "if", ifExists: false, position: 1))
        XCTAssertEqual(Statement.dropBranch(name: "x", ifExists: false, position: 1).tag, "DROP BRANCH")
    }

    func testMergeBranch() {
        XCTAssertEqual(one("MERGE BRANCH dev INTO main"),
                       .mergeBranch(MergeBranch(source: "dev", target: "main", position: 1)))
        XCTAssertEqual(one("merge database branch 'Dev-1' into \"Main\""),
                       .mergeBranch(MergeBranch(source: "Dev-1", target: "Main", position: 1)))
        guard case .mergeBranch(let m)? = one(
            "MERGE BRANCH dev INTO main WITH (strategy = 'theirs', delete_branch_after = true)") else { return XCTFail() }
        XCTAssertEqual(options(m.options), "strategy='theirs', delete_branch_after=TRUE")
        XCTAssertEqual(m.options[1].position, 55)
        guard case .mergeBranch(let c)? = one("MERGE BRANCH a INTO b WITH (conflict_resolution = ours, delete_branch_after = on)") else {
            return XCTFail()
        }
        XCTAssertEqual(options(c.options), "conflict_resolution='ours', delete_branch_after='on'")
        XCTAssertEqual(Statement.mergeBranch(m).tag, "MERGE BRANCH")
    }

    func testUseAndShow() {
        XCTAssertEqual(one("USE BRANCH dev"), .useBranch(name: "dev", position: 1))
        XCTAssertEqual(one("use database branch \"Dev\""), .useBranch(name: "Dev", position: 1))
        XCTAssertEqual(one("USE BRANCH 'main'"), .useBranch(name: "main", position: 1))
        XCTAssertEqual(one("SHOW BRANCHES"), .showBranches)
        XCTAssertEqual(one("show database branches;"), .showBranches)
        XCTAssertEqual(Statement.showBranches.tag, "SHOW BRANCHES")
        XCTAssertEqual(parse("USE BRANCH dev; SELECT 1; SHOW BRANCHES").count, 3)
    }

    func testVacuum() {
        XCTAssertEqual(one("VACUUM"), .vacuum(table: nil, position: 1))
        XCTAssertEqual(one("  vacuum orders"), .vacuum(table: "orders", position: 3))
        XCTAssertEqual(one("VACUUM \"Orders\";"), .vacuum(table: "Orders", position: 1))
        XCTAssertEqual(one("VACUUM public.orders"), .vacuum(table: "orders", position: 1))
        XCTAssertEqual(one("VACUUM FULL ANALYZE orders"), .vacuum(table: "orders", position: 1))
        XCTAssertEqual(one("VACUUM ANALYZE"), .vacuum(table: nil, position: 1))
        XCTAssertEqual(parse("VACUUM; VACUUM t").count, 2)
    }

    // MARK: Malformed input

    func testMalformedBranchStatements() {
        assertSyntaxError("CREATE BRANCH", near: nil, at: 14)
        assertSyntaxError("CREATE DATABASE BRANCH", near: nil, at: 23)
        assertSyntaxError("CREATE DATABASE dev", near: "DATABASE", at: 8)
        assertSyntaxError("CREATE BRANCH IF NOT EXISTS", near: nil, at: 28)
        assertSyntaxError("CREATE BRANCH IF NOT b", near: "b", at: 22)
        assertSyntaxError("CREATE BRANCH b FROM", near: nil, at: 21)
        assertSyntaxError("CREATE BRANCH b AS SCN 1", near: "SCN", at: 20)
        assertSyntaxError("CREATE BRANCH b AS OF", near: nil, at: 22)
        assertSyntaxError("CREATE BRANCH b AS OF BANANA 5", near: "BANANA", at: 23)
        assertSyntaxError("CREATE BRANCH b WITH (x)", near: ")", at: 24)
        assertSyntaxError("CREATE BRANCH b WITH ()", near: ")", at: 23)
        assertSyntaxError("CREATE BRANCH b WITH (x = 1", near: nil, at: 28)
        assertSyntaxError("CREATE BRANCH b WITH x = 1", near: "x", at: 22)
        assertSyntaxError("CREATE BRANCH a b", near: "b", at: 17)
        assertSyntaxError("DROP BRANCH", near: nil, at: 12)
        assertSyntaxError("DROP BRANCH IF EXISTS", near: nil, at: 22)
        assertSyntaxError("DROP BRANCH a, b", near: ",", at: 14)
        assertSyntaxError("MERGE BRANCH a", near: nil, at: 15)
        assertSyntaxError("MERGE BRANCH a b", near: "b", at: 16)
        assertSyntaxError("MERGE BRANCH a INTO", near: nil, at: 20)
        assertSyntaxError("MERGE INTO t USING u ON true", near: "INTO", at: 7)
        assertSyntaxError("USE BRANCH", near: nil, at: 11)
        assertSyntaxError("USE dev", near: "dev", at: 5)
        // (SHOW BRANCH and SHOW search_path parse as SHOW of a setting.)
        assertSyntaxError("SHOW", near: nil, at: 5)
        assertSyntaxError("SHOW hnsw.", near: nil, at: 11)
        assertSyntaxError("RESET", near: nil, at: 6)
        assertSyntaxError("SHOW BRANCHES x", near: "x", at: 15)
        assertSyntaxError("VACUUM a, b", near: ",", at: 9)
    }

    func testMalformedTimeTravel() {
        assertSyntaxError("SELECT * FROM t AS OF SCN", near: nil, at: 26)
        assertSyntaxError("SELECT * FROM t AS OF SCN WHERE", near: "WHERE", at: 27)
        assertSyntaxError("SELECT * FROM t AS OF BANANA 5", near: "BANANA", at: 23)
        assertSyntaxError("SELECT * FROM t AS OF TIMESTAMP", near: nil, at: 32)
        assertSyntaxError("SELECT * FROM t AS OF NOW 5", near: "5", at: 27)
        assertSyntaxError("SELECT * FROM t AS OF SCN 5 = 1", near: "=", at: 29)
        assertSyntaxError("SELECT * FROM t VERSIONS BETWEEN SCN 1", near: nil, at: 39)
        assertSyntaxError("SELECT * FROM t VERSIONS BETWEEN SCN 1 AND", near: nil, at: 43)
        assertSyntaxError("SELECT * FROM t VERSIONS BETWEEN 1 AND 2", near: "1", at: 34)
        assertSyntaxError("SELECT * FROM t VERSIONS BETWEEN NOW AND 2", near: "NOW", at: 34)
        assertSyntaxError("SELECT * FROM t AS OF SCN 1 AS", near: nil, at: 31)
        assertSyntaxError("SELECT * FROM t AS OF SCN 1 h k", near: "k", at: 31)
    }
}
