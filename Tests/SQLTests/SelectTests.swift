import Core
import SQL
import XCTest

final class SelectTests: ParserTestCase {
    func testPrimaryKeySelect() {
        let expected = Select(
            items: [.expression(.column(table: nil, name: "id", position: 8), alias: nil),
                    .expression(.column(table: nil, name: "name", position: 12), alias: nil)],
            from: [.table(TableReference(name: "users", alias: nil, position: 22))],
            whereClause: .binary(.equal, .column(table: nil, name: "id", position: 34),
                                 .parameter(1, position: 39), position: 34),
            position: 1)
        XCTAssertEqual(select("SELECT id, name FROM users WHERE id = $1"), expected)
        let statement = Statement.select(Query(body: .select(expected), position: 1))
        XCTAssertEqual(one("select id, name from users where id = $1"), statement)
        XCTAssertEqual(statement.tag, "SELECT")
    }

    func testSelectWithoutFrom() {
        let s = select("SELECT 1+1")
        XCTAssertEqual(s?.from, [])
        XCTAssertEqual(s?.items, [.expression(.binary(.add, .literal(.integer(1), position: 8),
                                                      .literal(.integer(1), position: 10), position: 8), alias: nil)])
    }

    func testSelectAllClauses() {
        let sql = "SELECT DISTINCT a, count(*) AS n FROM t AS x WHERE b > 1 GROUP BY a, c HAVING count(*) > 2 "
            + "ORDER BY a DESC NULLS FIRST, 2 LIMIT 10 OFFSET 5"
        guard let q = query(sql), case .select(let s) = q.body else { return XCTFail() }
        XCTAssertTrue(s.distinct)
        XCTAssertEqual(s.items.count, 2)
        XCTAssertEqual(s.items[1], .expression(.function(name: "count", arguments: [], distinct: false, star: true,
                                                         position: 20), alias: "n"))
        XCTAssertEqual(s.from, [.table(TableReference(name: "t", alias: "x", position: 39))])
        XCTAssertEqual(s.whereClause.map(render), "(> b 1)")
        XCTAssertEqual(s.groupBy.map(render), ["a", "c"])
        XCTAssertEqual(s.having.map(render), "(> count(*) 2)")
        XCTAssertEqual(q.orderBy.count, 2)
        XCTAssertEqual(q.orderBy[0], OrderItem(expression: .column(table: nil, name: "a", position: 101),
                                               descending: true, nullsFirst: true))
        XCTAssertEqual(q.orderBy[1], OrderItem(expression: .literal(.integer(2), position: 121),
                                               descending: false, nullsFirst: nil))
        XCTAssertEqual(q.limit, .literal(.integer(10), position: 129))
        XCTAssertEqual(q.offset, .literal(.integer(5), position: 139))
    }

    func testSelectAllAndDistinctFlags() {
        XCTAssertEqual(select("SELECT ALL a FROM t")?.distinct, false)
        XCTAssertEqual(select("SELECT a FROM t")?.distinct, false)
        XCTAssertEqual(select("SELECT DISTINCT a FROM t")?.distinct, true)
    }

    func testWildcards() {
        XCTAssertEqual(select("SELECT * FROM t")?.items, [.wildcard(table: nil, position: 8)])
        XCTAssertEqual(select("SELECT t.*, \"T\".*, *, a FROM t")?.items, [
            .wildcard(table: "t", position: 8), .wildcard(table: "T", position: 13),
            .wildcard(table: nil, position: 20), .expression(.column(table: nil, name: "a", position: 23), alias: nil),
        ])
        assertSyntaxError("SELECT * AS x FROM t", near: "AS", at: 10)
        assertSyntaxError("SELECT a.b.c.* FROM t", near: ".", at: 13)
    }

    func testColumnAliases() {
        let s = select(#"SELECT a AS x, b y, c AS "Mixed Case", d AS from, e "q", f AS key, g key, 1 AS select FROM t"#)
        let aliases: [String?]? = s?.items.map { if case .expression(_, let alias) = $0 { alias } else { nil } }
        XCTAssertEqual(aliases, ["x", "y", "Mixed Case", "from", "q", "key", "key", "select"])
        assertSyntaxError("SELECT a from FROM t", near: "FROM", at: 15)
        assertSyntaxError("SELECT a AS", near: nil, at: 12)
    }

    func testTableAliases() {
        XCTAssertEqual(select("SELECT * FROM users u")?.from, [.table(TableReference(name: "users", alias: "u", position: 15))])
        XCTAssertEqual(select("SELECT * FROM Users AS U")?.from, [.table(TableReference(name: "users", alias: "u", position: 15))])
        XCTAssertEqual(select(#"SELECT * FROM "Users" "U""#)?.from, [.table(TableReference(name: "Users", alias: "U", position: 15))])
        XCTAssertEqual(fromShape("t WHERE a"), "t")
        assertSyntaxError("SELECT * FROM t AS select", near: "select", at: 20)
        assertSyntaxError("SELECT * FROM select", near: "select", at: 15)
        assertSyntaxError("SELECT * FROM t,", near: nil, at: 17)
    }

    func testOrderBy() {
        let s = query("SELECT a FROM t ORDER BY a, b ASC, c DESC, d NULLS LAST, e DESC NULLS LAST, f + 1 ASC NULLS FIRST")
        XCTAssertEqual(s?.orderBy.map(\.descending), [false, false, true, false, true, false])
        XCTAssertEqual(s?.orderBy.map(\.nullsFirst), [nil, nil, nil, false, false, true])
        XCTAssertEqual(s?.orderBy.map { render($0.expression) }, ["a", "b", "c", "d", "e", "(+ f 1)"])
        assertSyntaxError("SELECT a FROM t ORDER a", near: "a", at: 23)
        assertSyntaxError("SELECT a FROM t ORDER BY a NULLS", near: nil, at: 33)
        assertSyntaxError("SELECT a FROM t ORDER BY", near: nil, at: 25)
    }

    func testLimitAndOffset() {
        var s = query("SELECT a FROM t OFFSET 2 ROWS LIMIT $1")
        XCTAssertEqual(s?.offset, .literal(.integer(2), position: 24))
        XCTAssertEqual(s?.limit, .parameter(1, position: 37))
        s = query("SELECT a FROM t LIMIT ALL OFFSET 1 ROW")
        XCTAssertNil(s?.limit)
        XCTAssertEqual(s?.offset.map(render), "1")
        s = query("SELECT 1 LIMIT 2 + 3")
        XCTAssertEqual(s?.limit.map(render), "(+ 2 3)")
        assertError("SELECT a FROM t LIMIT 1 LIMIT 2", "42601", "multiple LIMIT clauses not allowed", at: 25)
        assertError("SELECT a FROM t OFFSET 1 LIMIT 2 OFFSET 3", "42601", "multiple OFFSET clauses not allowed", at: 34)
        assertError("SELECT a FROM t LIMIT 1, 2", "42601", "LIMIT #,# syntax is not supported", at: 17)
        assertSyntaxError("SELECT a FROM t LIMIT", near: nil, at: 22)
        assertSyntaxError("SELECT a FROM t LIMIT 1 WHERE a", near: "WHERE", at: 25)
    }

    func testGroupByHaving() {
        let s = select("SELECT a, sum(b) FROM t GROUP BY a, b + 1 HAVING sum(b) > 10 AND a <> 3")
        XCTAssertEqual(s?.groupBy.map(render), ["a", "(+ b 1)"])
        XCTAssertEqual(s?.having.map(render), "(AND (> sum(b) 10) (<> a 3))")
        XCTAssertEqual(select("SELECT count(*) HAVING true")?.having.map(render), "TRUE")
        assertSyntaxError("SELECT a FROM t GROUP a", near: "a", at: 23)
        assertSyntaxError("SELECT a FROM t WHERE a GROUP BY", near: nil, at: 33)
    }

}
