import Core
import SQL
import XCTest

/// VECTOR(n) as a column and cast type, and the precedence of the vector
/// operators (PostgreSQL's "any other operator" level).
final class VectorSyntaxTests: ParserTestCase {
    func testVectorColumnTypes() {
        let types: [(String, DataType)] = [
            ("VECTOR(3)", .vector(dimensions: 3)), ("vector(1)", .vector(dimensions: 1)),
            ("Vector ( 16000 )", .vector(dimensions: 16000)), ("VECTOR", .vector(dimensions: 0)),
            ("\"vector\"(2)", .vector(dimensions: 2)),
        ]
        for (name, type) in types {
            guard case .createTable(let c)? = one("CREATE TABLE t (id INT, e \(name) NOT NULL)") else { XCTFail(name); continue }
            XCTAssertEqual(c.columns[1].type, type, name)
            XCTAssertEqual(c.columns[1].notNull, true, name)
        }
        XCTAssertEqual(DataType.vector(dimensions: 3).description, "VECTOR(3)")
        XCTAssertEqual(DataType.vector(dimensions: 0).description, "VECTOR")
    }

    func testVectorDimensionsOutOfRange() {
        assertError("CREATE TABLE t (e VECTOR(0))", "22023", "dimensions for type vector must be at least 1", at: 26)
        assertError("CREATE TABLE t (e VECTOR(16001))", "22023", "dimensions for type vector cannot exceed 16000", at: 26)
        assertError("SELECT x::vector(18446744073709551615)", "22023", "dimensions for type vector cannot exceed 16000", at: 18)
        // As pgvector: a negative dimension and a second modifier are 22023, not syntax errors.
        assertError("CREATE TABLE t (e VECTOR(-1))", "22023", "dimensions for type vector must be at least 1", at: 27)
        assertSyntaxError("CREATE TABLE t (e VECTOR(a))", near: "a", at: 26)
        assertError("CREATE TABLE t (e VECTOR(3, 2))", "22023", "invalid type modifier", at: 27)
        assertSyntaxError("CREATE TABLE t (e VECTOR(3)", near: nil, at: 28)
        assertSyntaxError("CREATE TABLE t (e VECTOR())", near: ")", at: 26)
        assertSyntaxError("SELECT x::vector(1.5)", near: "1.5", at: 18)
    }

    func testVectorOperatorPrecedence() {
        let cases: [(String, String)] = [
            ("a <-> b < 0.5", "(< (<-> a b) 0.5d)"),
            ("a <-> b * 2", "(<-> a (* b 2))"),
            ("a + b <=> c - d", "(<=> (+ a b) (- c d))"),
            ("a <#> b BETWEEN 0 AND 1", "(BETWEEN (<#> a b) 0 1)"),
            ("a <-> b IN (1, 2)", "(IN (<-> a b) [1 2])"),
            ("a <-> b IS NULL", "(IS NULL (<-> a b))"),
            ("a <-> b <=> c", "(<=> (<-> a b) c)"),
            ("a <-> b || c", "(|| (<-> a b) c)"),
            ("a <-> '[1,2]'::vector(2) >= 1 AND x", "(AND (>= (<-> a (CAST '[1,2]' VECTOR(2))) 1) x)"),
            ("-a <#> b", "(<#> (- a) b)"),
            ("a<->b", "(<-> a b)"),
        ]
        for (sql, expected) in cases { XCTAssertEqual(shape(sql), expected, sql) }
    }

    func testVectorOperatorsInOrderBy() {
        guard let q = query("SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10") else { return XCTFail() }
        XCTAssertEqual(q.orderBy.map { render($0.expression) }, ["(<-> embedding $1)"])
    }
}
