import Core
import SQL
import XCTest

final class StatementTests: ParserTestCase {
    func testTransactionStatements() {
        for sql in ["BEGIN", "begin transaction", "BEGIN WORK", "START TRANSACTION"] {
            XCTAssertEqual(one(sql), .begin, sql)
        }
        for sql in ["COMMIT", "COMMIT WORK", "commit transaction", "END", "END TRANSACTION"] {
            XCTAssertEqual(one(sql), .commit, sql)
        }
        for sql in ["ROLLBACK", "ROLLBACK WORK", "rollback transaction", "ABORT"] {
            XCTAssertEqual(one(sql), .rollback, sql)
        }
        XCTAssertEqual(Statement.begin.tag, "BEGIN")
        assertSyntaxError("START", near: nil, at: 6)
        assertSyntaxError("BEGIN TRANSACTION WORK", near: "WORK", at: 19)
        assertSyntaxError("COMMIT NOW", near: "NOW", at: 8)
    }

    func testMultipleStatements() {
        let statements = parse(";; BEGIN; INSERT INTO t VALUES (1);;\n SELECT * FROM t ; COMMIT;")
        XCTAssertEqual(statements.count, 4)
        XCTAssertEqual(statements.map(\.tag), ["BEGIN", "INSERT", "SELECT", "COMMIT"])
        guard case .select(let s) = statements[2] else { return XCTFail() }
        XCTAssertEqual(s.position, 39)
        XCTAssertEqual(parse("SELECT 1;").count, 1)
        assertSyntaxError("SELECT 1; SELECT", near: nil, at: 17)
        assertSyntaxError("SELECT 1 SELECT 2", near: "SELECT", at: 10)
        assertSyntaxError("SELECT 1; SELECT FROM t", near: "FROM", at: 18)
    }

    func testCommentsAndWhitespace() {
        let s = select("/* leading */ SELECT -- columns\n\ta /* nested /* comment */ */ FROM\r\n t -- end")
        XCTAssertEqual(s?.position, 15)
        XCTAssertEqual(s?.items, [.expression(.column(table: nil, name: "a", position: 34), alias: nil)])
        XCTAssertEqual(s?.from.map(render), ["t"])
    }

    func testQuotedIdentifiers() {
        let s = select(#"SELECT "Weird Name", "t"."Col", "select" FROM "My""Table""#)
        XCTAssertEqual(s?.items, [
            .expression(.column(table: nil, name: "Weird Name", position: 8), alias: nil),
            .expression(.column(table: "t", name: "Col", position: 22), alias: nil),
            .expression(.column(table: nil, name: "select", position: 33), alias: nil),
        ])
        XCTAssertEqual(s?.from.map(render), ["My\"Table"])
        XCTAssertEqual(select("SELECT Mixed.CASE_Col FROM Mixed")?.items,
                       [.expression(.column(table: "mixed", name: "case_col", position: 8), alias: nil)])
        // Keywords are fine after a dot.
        XCTAssertEqual(expr("t.from").map(render), "t.from")
    }


    func testExplain() {
        guard case .explain(let inner, let analyze)? = one("EXPLAIN SELECT 1") else { return XCTFail() }
        XCTAssertFalse(analyze)
        XCTAssertEqual(inner.tag, "SELECT")
        guard case .explain(let update, true)? = one("EXPLAIN ANALYZE UPDATE t SET a = 1") else { return XCTFail() }
        XCTAssertEqual(update.tag, "UPDATE")
        for sql in ["EXPLAIN ANALYSE DELETE FROM t", "EXPLAIN INSERT INTO t VALUES (1)", "EXPLAIN (SELECT 1) UNION SELECT 2",
                    "EXPLAIN VALUES (1)", "EXPLAIN WITH x AS (SELECT 1) SELECT * FROM x", "EXPLAIN CREATE TABLE t AS SELECT 1"] {
            guard case .explain? = one(sql) else { XCTFail(sql); continue }
        }
        XCTAssertEqual(one("EXPLAIN SELECT 1")?.tag, "EXPLAIN")
        assertSyntaxError("EXPLAIN", near: nil, at: 8)
        assertSyntaxError("EXPLAIN ANALYZE", near: nil, at: 16)
        assertSyntaxError("EXPLAIN EXPLAIN SELECT 1", near: "EXPLAIN", at: 9)
        assertSyntaxError("EXPLAIN BEGIN", near: "BEGIN", at: 9)
        assertSyntaxError("EXPLAIN DROP TABLE t", near: "DROP", at: 9)
        assertError("EXPLAIN CREATE TABLE t (a INT)", "42601", "EXPLAIN CREATE TABLE needs AS and a query", at: 9)
    }

    func testSavepoints() {
        XCTAssertEqual(one("SAVEPOINT s1"), .savepoint("s1"))
        XCTAssertEqual(one("RELEASE SAVEPOINT s1"), .releaseSavepoint("s1"))
        XCTAssertEqual(one("release \"S\""), .releaseSavepoint("S"))
        for sql in ["ROLLBACK TO s1", "ROLLBACK TO SAVEPOINT s1", "ROLLBACK WORK TO SAVEPOINT s1", "rollback transaction to s1"] {
            XCTAssertEqual(one(sql), .rollbackToSavepoint("s1"), sql)
        }
        XCTAssertEqual(Statement.savepoint("a").tag, "SAVEPOINT")
        XCTAssertEqual(Statement.releaseSavepoint("a").tag, "RELEASE")
        XCTAssertEqual(Statement.rollbackToSavepoint("a").tag, "ROLLBACK")
        assertSyntaxError("SAVEPOINT", near: nil, at: 10)
        assertSyntaxError("RELEASE", near: nil, at: 8)
        assertSyntaxError("RELEASE SAVEPOINT", near: nil, at: 18)
        assertSyntaxError("ROLLBACK TO", near: nil, at: 12)
        assertSyntaxError("ROLLBACK TO SAVEPOINT", near: nil, at: 22)
        assertSyntaxError("SAVEPOINT select", near: "select", at: 11)
        assertSyntaxError("ABORT TO s", near: "TO", at: 7)
        assertSyntaxError("SAVEPOINT a b", near: "b", at: 13)
    }

    func testSet() {
        let cases: [(String, String, Expression)] = [
            ("SET hnsw.ef_search = 100", "hnsw.ef_search", .literal(.integer(100), position: 22)),
            ("SET statement_timeout TO '5s'", "statement_timeout", .literal(.text("5s"), position: 26)),
            ("SET SESSION DateStyle TO ISO", "datestyle", .literal(.text("iso"), position: 26)),
            ("SET x = -1.5", "x", .literal(.double(-1.5), position: 9)),
            ("SET x = -3", "x", .literal(.integer(-3), position: 9)),
            ("SET x = true", "x", .literal(.boolean(true), position: 9)),
            ("SET x TO DEFAULT", "x", .defaultValue(position: 10)),
            ("SET x = \"Quoted\"", "x", .literal(.text("Quoted"), position: 9)),
            ("SET search_path TO public, pg_catalog", "search_path", .literal(.text("public, pg_catalog"), position: 20)),
            ("SET TIME ZONE 'UTC'", "timezone", .literal(.text("UTC"), position: 15)),
        ]
        for (sql, name, value) in cases {
            XCTAssertEqual(one(sql), .set(name: name, value: value, position: 1), sql)
        }
        XCTAssertEqual(one("SET LOCAL x = on"), .set(name: "x", value: .literal(.text("on"), position: 15), local: true, position: 1))
        XCTAssertEqual(one("SET LOCAL TIME ZONE LOCAL"),
                       .set(name: "timezone", value: .literal(.text("local"), position: 21), local: true, position: 1))
        XCTAssertEqual(one("SET SESSION x = 1"), .set(name: "x", value: .literal(.integer(1), position: 17), position: 1))
        XCTAssertEqual(Statement.set(name: "a", value: .defaultValue(position: 1), position: 1).tag, "SET")
        assertSyntaxError("SET", near: nil, at: 4)
        assertSyntaxError("SET x", near: nil, at: 6)
        assertSyntaxError("SET x =", near: nil, at: 8)
        assertSyntaxError("SET x = 1 2", near: "2", at: 11)
        assertSyntaxError("SET x = (1)", near: "(", at: 9)
        assertSyntaxError("SET x.", near: nil, at: 7)
        assertSyntaxError("SET x = -'a'", near: "'a'", at: 10)
        assertSyntaxError("SET x = a, DEFAULT", near: "DEFAULT", at: 12)
        assertSyntaxError("SET TIME x", near: "x", at: 10)
    }
}
