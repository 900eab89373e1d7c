import Core
import SQL
import XCTest

/// Subqueries in expressions, quantified comparisons, rows and arrays.
final class SubqueryTests: ParserTestCase {
    func testScalarSubquery() {
        guard case .subquery(let q, let position)? = expr("(SELECT max(a) FROM t)") else { return XCTFail() }
        XCTAssertEqual(position, 8)
        XCTAssertEqual(q.position, 9)
        XCTAssertEqual(render(q), "(SELECT max(a) FROM t)")
        XCTAssertEqual(shape("(SELECT 1) + 1"), "(+ (SUBQUERY (SELECT 1)) 1)")
        XCTAssertEqual(shape("1 + (SELECT 1)"), "(+ 1 (SUBQUERY (SELECT 1)))")
        XCTAssertEqual(shape("((SELECT 1))"), "(SUBQUERY (SELECT 1))")
        XCTAssertEqual(shape("((SELECT 1) + 1)"), "(+ (SUBQUERY (SELECT 1)) 1)")
        XCTAssertEqual(shape("(((SELECT 1)) * 2)"), "(* (SUBQUERY (SELECT 1)) 2)")
        XCTAssertEqual(shape("((SELECT 1) UNION (SELECT 2))"), "(SUBQUERY ((SELECT 1) UNION (SELECT 2)))")
        XCTAssertEqual(shape("((SELECT 1) ORDER BY 1 LIMIT 1)"), "(SUBQUERY <(SELECT 1) ORDER BY 1 LIMIT 1>)")
        XCTAssertEqual(shape("(SELECT a FROM t ORDER BY a LIMIT 1)::text"),
                       "(CAST (SUBQUERY <(SELECT a FROM t) ORDER BY a LIMIT 1>) TEXT)")
        XCTAssertEqual(shape("(VALUES (1))"), "(SUBQUERY (VALUES (1)))")
        XCTAssertEqual(shape("(SELECT (SELECT 1))"), "(SUBQUERY (SELECT (SUBQUERY (SELECT 1))))")
        guard let s = select("SELECT a FROM t WHERE a > (SELECT avg(a) FROM t AS u WHERE u.k = t.k)") else { return }
        XCTAssertEqual(s.whereClause.map(render), "(> a (SUBQUERY (SELECT avg(a) FROM t AS u WHERE (= u.k t.k))))")
    }

    func testExists() {
        XCTAssertEqual(expr("EXISTS (SELECT 1)"), .exists(Query(body: .select(Select(
            items: [.expression(.literal(.integer(1), position: 23), alias: nil)], position: 16)), position: 16),
            position: 8))
        XCTAssertEqual(shape("NOT EXISTS (SELECT 1 FROM t WHERE t.a = x.a)"),
                       "(NOT (EXISTS (SELECT 1 FROM t WHERE (= t.a x.a))))")
        XCTAssertEqual(shape("exists(select 1) AND b"), "(AND (EXISTS (SELECT 1)) b)")
        XCTAssertEqual(shape("exists"), "exists")
        assertError("SELECT EXISTS (1)", "42601", "EXISTS needs a subquery", at: 8)
        assertSyntaxError("SELECT EXISTS (SELECT 1", near: nil, at: 24)
        assertSyntaxError("SELECT EXISTS SELECT 1", near: "SELECT", at: 15)
        assertSyntaxError("SELECT EXISTS ()", near: ")", at: 16)
    }

    func testInSubquery() {
        XCTAssertEqual(shape("a IN (SELECT b FROM t)"), "(IN a (SELECT b FROM t))")
        XCTAssertEqual(shape("a NOT IN (SELECT b FROM t) OR c"), "(OR (NOT IN a (SELECT b FROM t)) c)")
        XCTAssertEqual(shape("a IN ((SELECT 1), 2)"), "(IN a [(SUBQUERY (SELECT 1)) 2])")
        XCTAssertEqual(shape("a IN ((SELECT 1) UNION (SELECT 2))"), "(IN a ((SELECT 1) UNION (SELECT 2)))")
        XCTAssertEqual(shape("a IN ((SELECT 1))"), "(IN a (SELECT 1))")
        XCTAssertEqual(shape("(a, b) IN (SELECT x, y FROM t)"), "(IN ROW(a, b) (SELECT x, y FROM t))")
        XCTAssertEqual(shape("(a, b) IN ((1, 2), (3, 4))"), "(IN ROW(a, b) [ROW(1, 2) ROW(3, 4)])")
        guard case .inSubquery(_, let q, true, let position)? = expr("x NOT IN (SELECT 1)") else { return XCTFail() }
        XCTAssertEqual(position, 8)
        XCTAssertEqual(q.position, 18)
        assertSyntaxError("SELECT a IN (SELECT 1", near: nil, at: 22)
        assertSyntaxError("SELECT a IN (SELECT 1))", near: ")", at: 23)
        assertSyntaxError("SELECT a IN SELECT 1", near: "SELECT", at: 13)
        assertSyntaxError("SELECT a IN ((SELECT 1)", near: nil, at: 24)
        assertSyntaxError("SELECT a IN (SELECT 1 UNION)", near: ")", at: 28)
    }

    func testQuantified() {
        XCTAssertEqual(shape("a = ANY (SELECT b FROM t)"), "(= ANY a (SELECT b FROM t))")
        XCTAssertEqual(shape("a > ALL (SELECT b FROM t)"), "(> ALL a (SELECT b FROM t))")
        XCTAssertEqual(shape("a <> SOME (SELECT 1)"), "(<> ANY a (SELECT 1))")
        XCTAssertEqual(shape("a = ANY (ARRAY[1, 2, 3])"), "(= ANY a [1 2 3])")
        XCTAssertEqual(shape("a = ANY (1, 2)"), "(= ANY a [1 2])")
        XCTAssertEqual(shape("a <= ALL (ARRAY[$1, b + 1])"), "(<= ALL a [$1 (+ b 1)])")
        XCTAssertEqual(shape("a || 'x' = ANY (SELECT 1) AND c"), "(AND (= ANY (|| a 'x') (SELECT 1)) c)")
        XCTAssertEqual(shape("a ~ ANY (ARRAY['x', 'y'])"), "(~ ANY a ['x' 'y'])")
        XCTAssertEqual(expr("a = ANY (ARRAY[1])"), .quantified(
            .equal, .column(table: nil, name: "a", position: 8), .any, .list([.literal(.integer(1), position: 23)]),
            position: 8))
        assertError("SELECT a = ANY ($1)", "42601",
                    "ANY over an array value (write ANY (ARRAY[…]), a list or a subquery) is not supported", at: 16)
        assertSyntaxError("SELECT a = ANY", near: "ANY", at: 12)
        assertSyntaxError("SELECT a = ANY (SELECT 1", near: nil, at: 25)
        assertSyntaxError("SELECT a = ALL ()", near: ")", at: 17)
        assertSyntaxError("SELECT a = ANY (SELECT 1) = b", near: "=", at: 27)
        assertSyntaxError("SELECT a LIKE ANY (ARRAY['x'])", near: "ANY", at: 15)
        assertSyntaxError("SELECT ANY (SELECT 1)", near: "ANY", at: 8)
    }

    func testRowConstructors() {
        XCTAssertEqual(expr("(1, 'a')"), .row([.literal(.integer(1), position: 9), .literal(.text("a"), position: 12)],
                                               position: 8))
        XCTAssertEqual(expr("ROW(1, 2)"), .row([.literal(.integer(1), position: 12), .literal(.integer(2), position: 15)],
                                               position: 8))
        XCTAssertEqual(shape("ROW()"), "ROW()")
        XCTAssertEqual(shape("ROW(a)"), "ROW(a)")
        XCTAssertEqual(shape("(a)"), "a")
        XCTAssertEqual(shape("(a, b) = (1, 2)"), "(= ROW(a, b) ROW(1, 2))")
        XCTAssertEqual(shape("(a, (b, c))"), "ROW(a, ROW(b, c))")
        XCTAssertEqual(shape("((a, b))"), "ROW(a, b)")
        XCTAssertEqual(shape("row"), "row")
        XCTAssertEqual(shape("(a + 1, b) < (2, 3)"), "(< ROW((+ a 1), b) ROW(2, 3))")
        assertSyntaxError("SELECT (1, )", near: ")", at: 12)
        assertSyntaxError("SELECT ROW(1,", near: nil, at: 14)
        assertSyntaxError("SELECT (1, 2", near: nil, at: 13)
    }

    func testArrays() {
        XCTAssertEqual(expr("ARRAY[1, 2]"), .array([.literal(.integer(1), position: 14),
                                                    .literal(.integer(2), position: 17)], position: 8))
        XCTAssertEqual(shape("ARRAY[]"), "ARRAY[]")
        XCTAssertEqual(shape("ARRAY[[1, 2], [3, 4]]"), "ARRAY[ARRAY[1, 2], ARRAY[3, 4]]")
        XCTAssertEqual(shape("ARRAY[a + 1] || ARRAY[b]"), "(|| ARRAY[(+ a 1)] ARRAY[b])")
        guard case .array(let outer, _)? = expr("ARRAY[[1]]"), case .array(_, let innerPosition)? = outer.first else {
            return XCTFail()
        }
        XCTAssertEqual(innerPosition, 14)
        assertSyntaxError("SELECT ARRAY[1", near: nil, at: 15)
        assertSyntaxError("SELECT ARRAY[1,]", near: "]", at: 16)
        assertSyntaxError("SELECT ARRAY 1", near: "1", at: 14)
        assertSyntaxError("SELECT [1, 2]", near: "[", at: 8)
        assertSyntaxError("SELECT a[1]", near: "[", at: 9)
        assertError("SELECT ARRAY(SELECT 1)", "42601", "ARRAY(subquery) is not supported", at: 13)
    }

    func testSubqueryMalformed() {
        assertSyntaxError("SELECT (SELECT 1", near: nil, at: 17)
        assertSyntaxError("SELECT (SELECT 1))", near: ")", at: 18)
        assertSyntaxError("SELECT ((SELECT 1)", near: nil, at: 19)
        assertSyntaxError("SELECT (SELECT)", near: ")", at: 15)
        assertSyntaxError("SELECT (SELECT 1 FROM)", near: ")", at: 22)
        assertSyntaxError("SELECT ((SELECT 1) UNION)", near: ")", at: 25)
        assertSyntaxError("SELECT ((SELECT 1) + )", near: ")", at: 22)
        assertSyntaxError("SELECT ((SELECT 1) 2)", near: "2", at: 20)
        assertSyntaxError("SELECT (SELECT 1) (SELECT 2)", near: "(", at: 19)
        assertSyntaxError("SELECT a FROM t WHERE a = (SELECT 1 ORDER BY)", near: ")", at: 45)
    }
}
