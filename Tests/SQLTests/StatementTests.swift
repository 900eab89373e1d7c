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

}
