import Core
import SQL
import XCTest

/// WITH, set operations, parenthesized queries, VALUES, DISTINCT ON, WINDOW, FETCH.
final class QueryTests: ParserTestCase {
    func testSetOperations() {
        XCTAssertEqual(queryShape("SELECT 1 UNION SELECT 2"), "((SELECT 1) UNION (SELECT 2))")
        XCTAssertEqual(queryShape("SELECT 1 UNION ALL SELECT 2"), "((SELECT 1) UNION ALL (SELECT 2))")
        XCTAssertEqual(queryShape("SELECT 1 UNION DISTINCT SELECT 2"), "((SELECT 1) UNION (SELECT 2))")
        XCTAssertEqual(queryShape("SELECT 1 EXCEPT ALL SELECT 2 INTERSECT SELECT 3"),
                       "((SELECT 1) EXCEPT ALL ((SELECT 2) INTERSECT (SELECT 3)))")
        XCTAssertEqual(queryShape("SELECT 1 INTERSECT ALL SELECT 2 UNION SELECT 3"),
                       "(((SELECT 1) INTERSECT ALL (SELECT 2)) UNION (SELECT 3))")
        XCTAssertEqual(queryShape("SELECT 1 UNION SELECT 2 EXCEPT SELECT 3"),
                       "(((SELECT 1) UNION (SELECT 2)) EXCEPT (SELECT 3))")
        XCTAssertEqual(queryShape("SELECT 1 INTERSECT SELECT 2 INTERSECT DISTINCT SELECT 3"),
                       "(((SELECT 1) INTERSECT (SELECT 2)) INTERSECT (SELECT 3))")
        // Parentheses regroup; without clauses of their own they leave no trace.
        XCTAssertEqual(queryShape("SELECT 1 UNION (SELECT 2 UNION SELECT 3)"),
                       "((SELECT 1) UNION ((SELECT 2) UNION (SELECT 3)))")
        XCTAssertEqual(queryShape("(SELECT 1 UNION SELECT 2) INTERSECT SELECT 3"),
                       "(((SELECT 1) UNION (SELECT 2)) INTERSECT (SELECT 3))")
        XCTAssertEqual(queryShape("((SELECT 1))"), "(SELECT 1)")
        XCTAssertEqual(Statement.select(query("SELECT 1 UNION SELECT 2")!).tag, "SELECT")
    }

    func testOrderAndLimitApplyToTheWholeSetOperation() {
        guard let q = query("SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 DESC LIMIT 5 OFFSET 2") else { return }
        XCTAssertEqual(render(q.body), "((SELECT a FROM t) UNION (SELECT b FROM u))")
        XCTAssertEqual(q.orderBy.map(render), ["1 DESC"])
        XCTAssertEqual(q.limit, .literal(.integer(5), position: 61))
        XCTAssertEqual(q.offset.map(render), "2")
        XCTAssertEqual(q.position, 1)
    }

    func testNestedOperands() {
        let sql = "(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL (SELECT b FROM u) ORDER BY 1"
        guard let q = query(sql) else { return }
        XCTAssertEqual(render(q), "<([<(SELECT a FROM t) ORDER BY a LIMIT 1>] UNION ALL (SELECT b FROM u)) ORDER BY 1>")
        guard case .setOperation(.union, true, .nested(let left), .select(let right)) = q.body else { return XCTFail() }
        XCTAssertEqual(left.position, 2)
        XCTAssertEqual(left.limit, .literal(.integer(1), position: 35))
        XCTAssertEqual(right.position, 49)
        XCTAssertEqual(q.position, 1)
        XCTAssertEqual(queryShape("SELECT 1 UNION (SELECT 2 LIMIT 1)"), "((SELECT 1) UNION [<(SELECT 2) LIMIT 1>])")
        XCTAssertEqual(queryShape("SELECT 1 UNION (WITH x AS (SELECT 2) SELECT * FROM x)"),
                       "((SELECT 1) UNION [<WITH x AS (SELECT 2) (SELECT * FROM x)>])")
        // A statement in parentheses is its query.
        XCTAssertEqual(queryShape("(SELECT 1 LIMIT 1)"), "<(SELECT 1) LIMIT 1>")
        XCTAssertEqual(queryShape("((SELECT 1) UNION (SELECT 2)) ORDER BY 1"), "<((SELECT 1) UNION (SELECT 2)) ORDER BY 1>")
    }

    func testSetOperationErrors() {
        assertSyntaxError("SELECT 1 UNION", near: nil, at: 15)
        assertSyntaxError("SELECT 1 UNION ALL", near: nil, at: 19)
        assertSyntaxError("SELECT 1 INTERSECT ORDER BY 1", near: "ORDER", at: 20)
        assertSyntaxError("SELECT 1 UNION UNION SELECT 2", near: "UNION", at: 16)
        assertSyntaxError("SELECT a FROM t ORDER BY a UNION SELECT 1", near: "UNION", at: 28)
        assertSyntaxError("SELECT 1 LIMIT 1 UNION SELECT 2", near: "UNION", at: 18)
        assertSyntaxError("(SELECT 1 UNION SELECT 2", near: nil, at: 25)
        assertSyntaxError("(SELECT 1)) UNION SELECT 2", near: ")", at: 11)
        assertSyntaxError("SELECT 1 UNION (SELECT 2", near: nil, at: 25)
        assertSyntaxError("SELECT 1 UNION ()", near: ")", at: 17)
        assertSyntaxError("SELECT 1 EXCEPT 2", near: "2", at: 17)
        assertError("(SELECT 1 LIMIT 1) LIMIT 2 LIMIT 3", "42601", "multiple LIMIT clauses not allowed", at: 28)
    }

    func testWith() {
        guard let q = query("WITH a AS (SELECT 1), b (x, y) AS (SELECT 2, 3) SELECT * FROM a, b") else { return }
        XCTAssertFalse(q.recursive)
        XCTAssertEqual(q.position, 1)
        XCTAssertEqual(q.with.map(\.name), ["a", "b"])
        XCTAssertEqual(q.with.map(\.columns), [nil, ["x", "y"]])
        XCTAssertEqual(q.with.map(\.position), [6, 23])
        XCTAssertEqual(q.with.map { render($0.query) }, ["(SELECT 1)", "(SELECT 2, 3)"])
        XCTAssertEqual(render(q.body), "(SELECT * FROM a, b)")
        let recursive = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT n FROM r"
        XCTAssertEqual(queryShape(recursive), "<WITH RECURSIVE r(n) AS ((SELECT 1) UNION ALL (SELECT (+ n 1) FROM r "
                       + "WHERE (< n 10))) (SELECT n FROM r)>")
        XCTAssertEqual(query(recursive)?.recursive, true)
        XCTAssertEqual(queryShape("WITH x AS (VALUES (1)) SELECT * FROM x UNION SELECT 2 ORDER BY 1"),
                       "<WITH x AS (VALUES (1)) ((SELECT * FROM x) UNION (SELECT 2)) ORDER BY 1>")
        XCTAssertEqual(queryShape("WITH x AS ((SELECT 1) UNION (SELECT 2)) SELECT * FROM x"),
                       "<WITH x AS ((SELECT 1) UNION (SELECT 2)) (SELECT * FROM x)>")
        // WITH inside subqueries and derived tables.
        XCTAssertEqual(shape("(WITH x AS (SELECT 1) SELECT * FROM x)"), "(SUBQUERY <WITH x AS (SELECT 1) (SELECT * FROM x)>)")
        XCTAssertEqual(fromShape("(WITH x AS (SELECT 1) SELECT * FROM x) s"), "<WITH x AS (SELECT 1) (SELECT * FROM x)> AS s")
    }

    func testWithErrors() {
        assertSyntaxError("WITH x AS", near: nil, at: 10)
        assertSyntaxError("WITH x AS SELECT 1", near: "SELECT", at: 11)
        assertSyntaxError("WITH x AS (SELECT 1)", near: nil, at: 21)
        assertSyntaxError("WITH x AS (SELECT 1", near: nil, at: 20)
        assertSyntaxError("WITH x AS () SELECT 1", near: ")", at: 12)
        assertSyntaxError("WITH x (SELECT 1) SELECT 1", near: "SELECT", at: 9)
        assertSyntaxError("WITH AS (SELECT 1) SELECT 1", near: "AS", at: 6)
        assertSyntaxError("WITH x AS (SELECT 1), SELECT 1", near: "SELECT", at: 23)
        assertSyntaxError("WITH x AS (SELECT 1) INSERT INTO t VALUES (1)", near: "INSERT", at: 22)
        assertSyntaxError("WITH x AS (INSERT INTO t VALUES (1)) SELECT 1", near: "INSERT", at: 12)
        assertSyntaxError("WITH select AS (SELECT 1) SELECT 1", near: "select", at: 6)
        assertSyntaxError("WITH x() AS (SELECT 1) SELECT 1", near: ")", at: 8)
        // [NOT] MATERIALIZED is a planning hint: read, and the same query results.
        XCTAssertEqual(query("WITH x AS MATERIALIZED (SELECT 1) SELECT 1")?.with.count, 1)
        XCTAssertEqual(query("WITH x AS MATERIALIZED (SELECT 1) SELECT 1")?.with,
                       query("WITH x AS              (SELECT 1) SELECT 1")?.with)
        XCTAssertEqual(query("WITH x AS NOT MATERIALIZED (SELECT 1) SELECT 1")?.with.count, 1)
        assertSyntaxError("WITH x AS NOT (SELECT 1) SELECT 1", near: "(", at: 15)
        assertSyntaxError("WITH x AS MATERIALIZED SELECT 1", near: "SELECT", at: 24)
        assertSyntaxError("SELECT 1 WITH x AS (SELECT 1)", near: "WITH", at: 10)
    }

    func testValues() {
        guard let q = query("VALUES (1, 'a'), (2, NULL)") else { return }
        XCTAssertEqual(q.body, .values([[.literal(.integer(1), position: 9), .literal(.text("a"), position: 12)],
                                        [.literal(.integer(2), position: 19), .literal(.null, position: 22)]],
                                       position: 1))
        XCTAssertEqual(q.position, 1)
        XCTAssertEqual(queryShape("VALUES (1) UNION ALL VALUES (2) ORDER BY 1 LIMIT 1"),
                       "<((VALUES (1)) UNION ALL (VALUES (2))) ORDER BY 1 LIMIT 1>")
        XCTAssertEqual(queryShape("SELECT 1 UNION VALUES (2), (3)"), "((SELECT 1) UNION (VALUES (2), (3)))")
        XCTAssertEqual(fromShape("(VALUES (1, 2), (3, 4)) AS v (a, b)"), "(VALUES (1, 2), (3, 4)) AS v(a, b)")
        assertError("VALUES (1, 2), (3)", "42601", "VALUES lists must all be the same length", at: 16)
        assertError("VALUES (DEFAULT)", "42601", "DEFAULT is not allowed in this context", at: 9)
        assertError("SELECT * FROM (VALUES (1), (DEFAULT)) v", "42601", "DEFAULT is not allowed in this context", at: 29)
        assertSyntaxError("VALUES", near: nil, at: 7)
        assertSyntaxError("VALUES ()", near: ")", at: 9)
        assertSyntaxError("VALUES (1),", near: nil, at: 12)
        assertSyntaxError("VALUES 1", near: "1", at: 8)
        assertSyntaxError("VALUES (1) (2)", near: "(", at: 12)
    }

    func testDistinctOn() {
        guard let s = select("SELECT DISTINCT ON (a, b + 1) a, c FROM t ORDER BY a") else { return }
        XCTAssertTrue(s.distinct)
        XCTAssertEqual(s.distinctOn, [.column(table: nil, name: "a", position: 21),
                                      .binary(.add, .column(table: nil, name: "b", position: 24),
                                              .literal(.integer(1), position: 28), position: 24)])
        XCTAssertEqual(s.items.map(render), ["a", "c"])
        XCTAssertEqual(select("SELECT DISTINCT a FROM t")?.distinctOn, [])
        assertSyntaxError("SELECT DISTINCT ON a FROM t", near: "a", at: 20)
        assertSyntaxError("SELECT DISTINCT ON () a FROM t", near: ")", at: 21)
        assertSyntaxError("SELECT DISTINCT ON (a a FROM t", near: "a", at: 23)
        assertSyntaxError("SELECT DISTINCT ON (a)", near: nil, at: 23)
        assertSyntaxError("SELECT ALL ON (a) a", near: "ON", at: 12)
    }

    func testNamedWindows() {
        let sql = "SELECT sum(x) OVER w, rank() OVER (w ORDER BY y) FROM t WINDOW w AS (PARTITION BY z), "
            + "w2 AS (w ROWS UNBOUNDED PRECEDING) ORDER BY 1"
        guard let q = query(sql), case .select(let s) = q.body else { return XCTFail() }
        XCTAssertEqual(s.items.map(render), ["sum(x) OVER (w)", "rank() OVER (w ORDER BY y)"])
        XCTAssertEqual(s.windows.map(\.name), ["w", "w2"])
        XCTAssertEqual(s.windows.map { render($0.window) },
                       ["(PARTITION BY z)", "(w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"])
        XCTAssertEqual(q.orderBy.map(render), ["1"])
        assertSyntaxError("SELECT 1 FROM t WINDOW w", near: nil, at: 25)
        assertSyntaxError("SELECT 1 FROM t WINDOW w AS PARTITION BY a", near: "PARTITION", at: 29)
        assertSyntaxError("SELECT 1 FROM t WINDOW w AS (PARTITION a)", near: "a", at: 40)
        assertSyntaxError("SELECT 1 FROM t WINDOW AS (ORDER BY a)", near: "AS", at: 24)
        assertSyntaxError("SELECT 1 FROM t WINDOW w AS (ORDER BY a), ", near: nil, at: 43)
        assertSyntaxError("SELECT 1 FROM t ORDER BY 1 WINDOW w AS ()", near: "WINDOW", at: 28)
    }

    func testFetchFirst() {
        XCTAssertEqual(query("SELECT a FROM t ORDER BY a FETCH FIRST 5 ROWS ONLY")?.limit,
                       .literal(.integer(5), position: 40))
        XCTAssertEqual(query("SELECT a FROM t FETCH NEXT ROW ONLY")?.limit, .literal(.integer(1), position: 28))
        XCTAssertEqual(query("SELECT a FROM t OFFSET 10 ROWS FETCH FIRST $1 ROWS ONLY")?.limit.map(render), "$1")
        XCTAssertEqual(query("SELECT a FROM t OFFSET 10 ROWS FETCH FIRST $1 ROWS ONLY")?.offset.map(render), "10")
        assertError("SELECT a FROM t LIMIT 1 FETCH FIRST 1 ROW ONLY", "42601", "multiple LIMIT clauses not allowed", at: 25)
        XCTAssertEqual(query("SELECT a FROM t ORDER BY a FETCH FIRST 1 ROWS WITH TIES")?.withTies, true)
        XCTAssertEqual(query("SELECT a FROM t ORDER BY a FETCH FIRST 1 ROWS ONLY")?.withTies, false)
        assertSyntaxError("SELECT a FROM t FETCH FIRST 1 ROWS WITH ONLY", near: "ONLY", at: 41)
        assertSyntaxError("SELECT a FROM t FETCH 1 ROWS ONLY", near: "1", at: 23)
        assertSyntaxError("SELECT a FROM t FETCH FIRST 1 ONLY", near: "ONLY", at: 31)
        assertSyntaxError("SELECT a FROM t FETCH FIRST 1 ROWS", near: nil, at: 35)
    }

    func testQueryPositionsInsideStatements() {
        guard let q = query("  WITH x AS (SELECT 1) SELECT 2") else { return }
        XCTAssertEqual(q.position, 3)
        XCTAssertEqual(q.with[0].query.position, 14)
        guard case .select(let s) = q.body else { return XCTFail() }
        XCTAssertEqual(s.position, 24)
        XCTAssertEqual(query("VALUES (1) UNION SELECT 1")?.position, 1)
    }
}
