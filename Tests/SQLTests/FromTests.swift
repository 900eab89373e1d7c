import Core
import SQL
import XCTest

/// The FROM clause: joins, derived tables, functions, qualified names.
final class FromTests: ParserTestCase {
    func testCommaList() {
        XCTAssertEqual(select("SELECT * FROM t, u AS x, v y")?.from, [
            .table(TableReference(name: "t", alias: nil, position: 15)),
            .table(TableReference(name: "u", alias: "x", position: 18)),
            .table(TableReference(name: "v", alias: "y", position: 26)),
        ])
        XCTAssertEqual(fromShape("a JOIN b ON x, c CROSS JOIN d"), "{a INNER b ON x}, {c CROSS d}")
    }

    func testJoinKinds() {
        XCTAssertEqual(fromShape("a JOIN b ON a.id = b.id"), "{a INNER b ON (= a.id b.id)}")
        XCTAssertEqual(fromShape("a INNER JOIN b ON true"), "{a INNER b ON TRUE}")
        XCTAssertEqual(fromShape("a LEFT JOIN b ON x"), "{a LEFT b ON x}")
        XCTAssertEqual(fromShape("a LEFT OUTER JOIN b ON x"), "{a LEFT b ON x}")
        XCTAssertEqual(fromShape("a RIGHT OUTER JOIN b ON x"), "{a RIGHT b ON x}")
        XCTAssertEqual(fromShape("a full join b on x"), "{a FULL b ON x}")
        XCTAssertEqual(fromShape("a CROSS JOIN b"), "{a CROSS b}")
        XCTAssertEqual(fromShape("a JOIN b USING (id, k)"), "{a INNER b USING (id, k)}")
        XCTAssertEqual(fromShape("a NATURAL JOIN b"), "{a INNER b NATURAL}")
        XCTAssertEqual(fromShape("a NATURAL LEFT JOIN b"), "{a LEFT b NATURAL}")
        XCTAssertEqual(fromShape("a NATURAL FULL OUTER JOIN b"), "{a FULL b NATURAL}")
        XCTAssertEqual(fromShape("a AS x JOIN b y ON x.k = y.k"), "{a AS x INNER b AS y ON (= x.k y.k)}")
    }

    func testLateral() {
        XCTAssertEqual(fromShape("a, LATERAL (SELECT 1) s"), "a, LATERAL (SELECT 1) AS s")
        XCTAssertEqual(fromShape("a CROSS JOIN LATERAL f(a.x) g"), "{a CROSS LATERAL f(a.x) AS g}")
        XCTAssertEqual(fromShape("a LEFT JOIN LATERAL (SELECT 1) s ON true"), "{a LEFT LATERAL (SELECT 1) AS s ON TRUE}")
        guard case .lateral(_, let position)? = select("SELECT * FROM a, LATERAL (SELECT 1) s")?.from.last else {
            return XCTFail("no lateral item")
        }
        XCTAssertEqual(position, 18)
        assertSyntaxError("SELECT * FROM LATERAL t", near: "t", at: 23)
        assertSyntaxError("SELECT * FROM a, LATERAL (b JOIN c ON true)", near: "(", at: 26)
        assertSyntaxError("SELECT * FROM a, LATERAL", near: nil, at: 25)
    }

    func testJoinPositionsAndShape() {
        let expected = FromItem.join(
            .table(TableReference(name: "a", alias: nil, position: 15)),
            .table(TableReference(name: "b", alias: nil, position: 27)),
            kind: .left,
            condition: .on(.binary(.equal, .column(table: nil, name: "x", position: 32),
                                   .column(table: nil, name: "y", position: 36), position: 32)),
            position: 15)
        XCTAssertEqual(select("SELECT * FROM a LEFT JOIN b ON x = y")?.from, [expected])
    }

    func testJoinChainsAreLeftAssociative() {
        XCTAssertEqual(fromShape("a JOIN b ON x JOIN c ON y"), "{{a INNER b ON x} INNER c ON y}")
        XCTAssertEqual(fromShape("a CROSS JOIN b JOIN c ON y LEFT JOIN d USING (k)"),
                       "{{{a CROSS b} INNER c ON y} LEFT d USING (k)}")
        XCTAssertEqual(fromShape("a NATURAL JOIN b JOIN c ON y"), "{{a INNER b NATURAL} INNER c ON y}")
        // As in PostgreSQL, a join missing its ON takes the following join as its right side.
        XCTAssertEqual(fromShape("a JOIN b JOIN c ON x ON y"), "{a INNER {b INNER c ON x} ON y}")
        XCTAssertEqual(fromShape("a LEFT JOIN b CROSS JOIN c ON y"), "{a LEFT {b CROSS c} ON y}")
    }

    func testParenthesizedJoins() {
        XCTAssertEqual(fromShape("(a JOIN b ON x) JOIN c ON y"), "{{a INNER b ON x} INNER c ON y}")
        XCTAssertEqual(fromShape("a JOIN (b JOIN c ON x) ON y"), "{a INNER {b INNER c ON x} ON y}")
        XCTAssertEqual(fromShape("((a JOIN b ON x))"), "{a INNER b ON x}")
        XCTAssertEqual(fromShape("((a JOIN b ON x) LEFT JOIN c ON y)"), "{{a INNER b ON x} LEFT c ON y}")
        XCTAssertEqual(fromShape("((SELECT 1) s JOIN b ON x)"), "{(SELECT 1) AS s INNER b ON x}")
        XCTAssertEqual(fromShape("(a CROSS JOIN b), c"), "{a CROSS b}, c")
        guard case .join(_, _, _, _, let position)? = select("SELECT * FROM ((a JOIN b ON x))")?.from.first else {
            return XCTFail()
        }
        XCTAssertEqual(position, 17)
    }

    func testDerivedTables() {
        guard let s = select("SELECT * FROM (SELECT a FROM t) AS s (x)") else { return }
        guard case .subquery(let q, let alias, let columns, let position) = s.from[0] else { return XCTFail() }
        XCTAssertEqual(render(q), "(SELECT a FROM t)")
        XCTAssertEqual(q.position, 16)
        XCTAssertEqual(alias, "s")
        XCTAssertEqual(columns, ["x"])
        XCTAssertEqual(position, 15)
        XCTAssertEqual(fromShape("(SELECT 1) s"), "(SELECT 1) AS s")
        XCTAssertEqual(fromShape("(SELECT 1)"), "(SELECT 1)")
        XCTAssertEqual(fromShape("(SELECT 1 UNION SELECT 2 ORDER BY 1) u"), "<((SELECT 1) UNION (SELECT 2)) ORDER BY 1> AS u")
        XCTAssertEqual(fromShape("((SELECT 1) UNION (SELECT 2)) u"), "((SELECT 1) UNION (SELECT 2)) AS u")
        XCTAssertEqual(fromShape("((SELECT 1)) u"), "(SELECT 1) AS u")
        XCTAssertEqual(fromShape("(SELECT * FROM (SELECT 1) a) b"), "(SELECT * FROM (SELECT 1) AS a) AS b")
        XCTAssertEqual(fromShape("t JOIN (SELECT k FROM u) AS s ON t.k = s.k"),
                       "{t INNER (SELECT k FROM u) AS s ON (= t.k s.k)}")
    }

    func testTableAliasesWithColumns() {
        XCTAssertEqual(select("SELECT * FROM t AS x (a, b)")?.from, [
            .table(TableReference(name: "t", alias: "x", columnAliases: ["a", "b"], position: 15)),
        ])
        XCTAssertEqual(fromShape("t x(a)"), "t AS x(a)")
        assertSyntaxError("SELECT * FROM t AS x ()", near: ")", at: 23)
        XCTAssertEqual(fromShape("t (a)"), "t(a)")
        assertSyntaxError("SELECT * FROM t AS x (a", near: nil, at: 24)
    }

    func testFunctionsInFrom() {
        XCTAssertEqual(select("SELECT * FROM generate_series(1, 10) AS g")?.from, [
            .function(name: "generate_series", arguments: [.literal(.integer(1), position: 31),
                                                            .literal(.integer(10), position: 34)],
                      alias: "g", position: 15),
        ])
        XCTAssertEqual(fromShape("pg_snapshots()"), "pg_snapshots()")
        XCTAssertEqual(fromShape("Generate_Series($1, $2) g JOIN t ON g = t.a"),
                       "{generate_series($1, $2) AS g INNER t ON (= g t.a)}")
        XCTAssertEqual(fromShape("pg_catalog.generate_series(1, 2)"), "pg_catalog.generate_series(1, 2)")
        assertError("SELECT * FROM generate_series(1, 2) AS g (x)", "42601",
                    "a column alias list on a function in FROM is not supported", at: 42)
        assertSyntaxError("SELECT * FROM f(", near: nil, at: 17)
        assertSyntaxError("SELECT * FROM f(1,)", near: ")", at: 19)
    }

    func testQualifiedNames() {
        XCTAssertEqual(fromShape("information_schema.tables"), "information_schema.tables")
        XCTAssertEqual(fromShape("pg_catalog.pg_tables t"), "pg_catalog.pg_tables AS t")
        XCTAssertEqual(fromShape("public.t"), "t")
        XCTAssertEqual(fromShape("\"public\".\"T\""), "T")
        XCTAssertEqual(fromShape("Public.T AS x"), "t AS x")
        XCTAssertEqual(fromShape("db.public.t"), "db.public.t")
        XCTAssertEqual(select("SELECT * FROM public.t")?.from, [.table(TableReference(name: "t", alias: nil, position: 15))])
        XCTAssertEqual(shape("information_schema.tables.table_name"), "information_schema.tables.table_name")
        XCTAssertEqual(shape("public.t.a"), "t.a")
        XCTAssertEqual(select("SELECT s.t.* FROM s.t")?.items, [.wildcard(table: "s.t", position: 8)])
        assertSyntaxError("SELECT * FROM a.b.c.d", near: ".", at: 20)
        assertSyntaxError("SELECT * FROM a.", near: nil, at: 17)
        assertSyntaxError("SELECT * FROM .a", near: ".", at: 15)
    }

    func testJoinErrors() {
        // PostgreSQL requires ON or USING for INNER, LEFT, RIGHT and FULL joins.
        assertSyntaxError("SELECT * FROM a JOIN b", near: nil, at: 23)
        assertSyntaxError("SELECT * FROM a JOIN b WHERE x", near: "WHERE", at: 24)
        assertSyntaxError("SELECT * FROM a LEFT JOIN b", near: nil, at: 28)
        assertSyntaxError("SELECT * FROM a INNER JOIN b, c", near: ",", at: 29)
        assertSyntaxError("SELECT * FROM a FULL OUTER JOIN b ORDER BY 1", near: "ORDER", at: 35)
        assertSyntaxError("SELECT * FROM a CROSS JOIN b ON x", near: "ON", at: 30)
        assertSyntaxError("SELECT * FROM a NATURAL JOIN b ON x", near: "ON", at: 32)
        assertSyntaxError("SELECT * FROM a NATURAL JOIN b USING (x)", near: "USING", at: 32)
        assertSyntaxError("SELECT * FROM a CROSS b", near: "b", at: 23)
        assertSyntaxError("SELECT * FROM a LEFT b ON x", near: "b", at: 22)
        assertSyntaxError("SELECT * FROM a OUTER JOIN b ON x", near: "OUTER", at: 17)
        assertSyntaxError("SELECT * FROM a INNER OUTER JOIN b ON x", near: "OUTER", at: 23)
        assertSyntaxError("SELECT * FROM a JOIN ON x", near: "ON", at: 22)
        assertSyntaxError("SELECT * FROM a JOIN b ON", near: nil, at: 26)
        assertSyntaxError("SELECT * FROM a JOIN b USING x", near: "x", at: 30)
        assertSyntaxError("SELECT * FROM a JOIN b USING ()", near: ")", at: 31)
        assertSyntaxError("SELECT * FROM a JOIN b USING (x", near: nil, at: 32)
        assertSyntaxError("SELECT * FROM JOIN b ON x", near: "JOIN", at: 15)
        assertSyntaxError("SELECT * FROM a, JOIN b ON x", near: "JOIN", at: 18)
    }

    func testParenthesizedFromErrors() {
        assertSyntaxError("SELECT * FROM (t)", near: ")", at: 17)
        assertSyntaxError("SELECT * FROM (t x)", near: ")", at: 19)
        assertSyntaxError("SELECT * FROM ((SELECT 1) x)", near: ")", at: 28)
        assertSyntaxError("SELECT * FROM ()", near: ")", at: 16)
        assertSyntaxError("SELECT * FROM (a JOIN b ON x", near: nil, at: 29)
        assertSyntaxError("SELECT * FROM (SELECT 1", near: nil, at: 24)
        assertSyntaxError("SELECT * FROM (SELECT 1))", near: ")", at: 25)
        assertSyntaxError("SELECT * FROM ((SELECT 1) UNION SELECT 2", near: nil, at: 41)
        assertSyntaxError("SELECT * FROM (SELECT 1) AS", near: nil, at: 28)
        assertSyntaxError("SELECT * FROM (SELECT 1) s (", near: nil, at: 29)
        assertSyntaxError("SELECT * FROM (SELECT FROM t) s", near: "FROM", at: 23)
        assertError("SELECT * FROM (a JOIN b ON x) AS j", "42601", "an alias on a parenthesized join is not supported",
                    at: 31)
        assertError("SELECT * FROM ((a JOIN b ON x) j JOIN c ON y)", "42601",
                    "an alias on a parenthesized join is not supported", at: 32)
        assertSyntaxError("SELECT * FROM (SELECT 1) LATERAL", near: "LATERAL", at: 26)
    }

    func testUpdateAndDeleteTargets() {
        guard case .update(let u)? = one("UPDATE public.t AS x SET a = y.b FROM u y, v WHERE x.k = y.k") else {
            return XCTFail()
        }
        XCTAssertEqual(u.table, "t")
        XCTAssertEqual(u.alias, "x")
        XCTAssertEqual(u.from.map(render), ["u AS y", "v"])
        XCTAssertEqual(u.whereClause.map(render), "(= x.k y.k)")
        guard case .update(let bare)? = one("UPDATE t x SET a = 1") else { return XCTFail() }
        XCTAssertEqual(bare.alias, "x")
        guard case .update(let plain)? = one("UPDATE t SET a = 1 FROM u JOIN v ON u.k = v.k") else { return XCTFail() }
        XCTAssertNil(plain.alias)
        XCTAssertEqual(plain.from.map(render), ["{u INNER v ON (= u.k v.k)}"])
        guard case .delete(let d)? = one("DELETE FROM s.t AS x WHERE x.a = 1 RETURNING x.a") else { return XCTFail() }
        XCTAssertEqual(d.table, "s.t")
        XCTAssertEqual(d.alias, "x")
        guard case .delete(let bareDelete)? = one("DELETE FROM t x") else { return XCTFail() }
        XCTAssertEqual(bareDelete.alias, "x")
        assertSyntaxError("UPDATE t SET a = 1 FROM", near: nil, at: 24)
        assertSyntaxError("UPDATE t AS SET a = 1", near: "a", at: 17)
        assertError("DELETE FROM t USING u WHERE t.a = u.a", "42601", "DELETE … USING is not supported", at: 15)
        assertSyntaxError("DELETE FROM t AS", near: nil, at: 17)
    }
}
