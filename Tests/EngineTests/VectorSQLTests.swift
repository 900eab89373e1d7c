import Core
import Engine
import Foundation
import Vector
import XCTest

/// VECTOR(n) end to end through `Database.execute`: literals and casts,
/// the write checks, the distance operators and functions with values
/// computed by hand, NULLs, ORDER BY distance LIMIT, branches and AS OF.
final class VectorSQLTests: XCTestCase {
    var db: Database!

    override func setUp() {
        db = Database()
    }

    @discardableResult
    func run(_ sql: String, _ params: [Value] = [], branch: String = "main") throws -> [Row] {
        try db.execute(SQLRequest(sql: sql, parameters: params, branch: branch)).last!.rows
    }

    func value(_ sql: String, _ params: [Value] = []) throws -> Value {
        try run(sql, params).first?.first ?? .null
    }

    func fails(_ sql: String, _ params: [Value] = [], _ state: String, _ message: String? = nil,
               file: StaticString = #filePath, line: UInt = #line) {
        assertEngineError(state, message, sql, file: file, line: line) { try run(sql, params) }
    }

    func seed() throws {
        try run("""
            CREATE TABLE items (id INT PRIMARY KEY, e VECTOR(3), note TEXT);
            INSERT INTO items VALUES (1, '[1,2,3]', 'a'), (2, '[4,5,6]', 'b'), (3, NULL, 'c')
            """)
    }

    // Hand-computed: [1,2,3] and [4,5,6] have a·b = 32, |a|² = 14, |b|² = 77, |a − b|² = 27.
    let l2 = 27.0.squareRoot()
    let cosine = 1 - 32 / (14.0 * 77).squareRoot()

    // MARK: Literals and casts

    func testLiteralsCastsAndTextForm() throws {
        XCTAssertEqual(try value("SELECT '[1,2,3]'::vector"), .vector([1, 2, 3]))
        XCTAssertEqual(try value("SELECT CAST(' [ 1 , 2.5 ,3 ] ' AS VECTOR(3))"), .vector([1, 2.5, 3]))
        XCTAssertEqual(try value("SELECT '[1, 2.5, 3]'::vector(3)::text"), .text("[1,2.5,3]"))
        XCTAssertEqual(try value("SELECT '[0.1,1e-5,-0,1e20,-3.25,123456789,100000,1000000,0.0001]'::vector::text"),
                       .text("[0.1,1e-05,-0,1e+20,-3.25,1.2345679e+08,100000,1e+06,0.0001]"))
        XCTAssertEqual(try value("SELECT vector '[7]'"), .vector([7]))
        XCTAssertEqual(Value.vector([1, 2.5, 3]).description, "[1,2.5,3]")
        XCTAssertEqual(Value.vector([1, 2]).dataType, .vector(dimensions: 2))
        fails("SELECT '[1,2]'::vector(3)", [], "22000", "Vector dimension mismatch: expected 3 dimensions, got 2")
        fails("SELECT '[1,2]'::vector::vector(1)", [], "22000", "Vector dimension mismatch: expected 1 dimensions, got 2")
        fails("SELECT 5::vector", [], "42846")
        let result = try db.execute(SQLRequest(sql: "SELECT '[1,2]'::vector(2) AS v, '[1]'::vector AS w")).last!
        XCTAssertEqual(result.columnTypes.map(\.description), ["VECTOR(2)", "VECTOR"])
        XCTAssertEqual(try db.execute(SQLRequest(sql: "SELECT '[1]'::vector")).last!.columns, ["vector"])
    }

    func testMalformedLiterals() {
        for text in ["[]", " [ ] "] { fails("SELECT '\(text)'::vector", [], "22000", "vector must have at least 1 dimension") }
        for text in ["[1,,2]", "1,2", "[a]", "[]x", "[1,2", "[1 2]", "[1,2]x", "", "[", "[,]", "[1,]", "{1,2}",
                     "[1;2]", "[0x]", "[1,2]]", "[--1]"] {
            fails("SELECT '\(text)'::vector", [], "22P02", "invalid input syntax for type vector: \"\(text)\"")
            fails("SELECT l2_distance('\(text)', '[1]')", [], "22P02", "\"\(text)\"")
        }
        fails("SELECT '[NaN,1]'::vector", [], "22000", "NaN not allowed in vector")
        fails("SELECT '[1,inf]'::vector", [], "22000", "infinite value not allowed in vector")
        fails("SELECT '[-Infinity]'::vector", [], "22000", "infinite value not allowed in vector")
        fails("SELECT '[1e39]'::vector", [], "22003", "\"1e39\" is out of range for type vector")
        let long = "[" + Array(repeating: "1", count: 16001).joined(separator: ",") + "]"
        fails("SELECT '\(long)'::vector", [], "54000", "vector cannot have more than 16000 dimensions")
        fails("SELECT vector_dims($1)", [.text("[1,,2]")], "22P02", "invalid input syntax for type vector: \"[1,,2]\"")
        fails("SELECT $1::vector", [.text("[1,2")], "22P02", "\"[1,2\"")
    }

    /// Random text from the characters the grammar uses: every input is
    /// read or refused with one of the documented errors, never a trap.
    func testRandomTextNeverTraps() throws {
        var generator = SeededGenerator(seed: 42)
        let alphabet = Array("[]],,0123456789.-+eE naif\t\n\u{0}x")
        var accepted = 0
        for _ in 0..<1500 {
            let length = Int(generator.next() % 12)
            let text = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            let candidates = [text, "[" + text, "[" + text + "]", "[1," + text + "]"]
            for candidate in candidates {
                do {
                    _ = try run("SELECT $1::vector", [.text(candidate)])
                    accepted += 1
                } catch let error as EngineError {
                    XCTAssertTrue(["22P02", "22000", "22003"].contains(error.sqlState), "\(candidate.debugDescription): \(error)")
                }
            }
        }
        XCTAssertGreaterThan(accepted, 0)
    }

    // MARK: Writes

    func testInsertUpdateAndDimensionChecks() throws {
        try seed()
        XCTAssertEqual(try run("SELECT id, e FROM items ORDER BY id"),
                       [[.integer(1), .vector([1, 2, 3])], [.integer(2), .vector([4, 5, 6])], [.integer(3), .null]])
        fails("INSERT INTO items VALUES (9, '[1,2]', 'x')", [], "22000", "Vector dimension mismatch: expected 3 dimensions, got 2")
        fails("INSERT INTO items VALUES (9, '[1,2,3]', 'x'), (10, '[1,2,3,4]', 'y')", [], "22000", "expected 3 dimensions, got 4")
        fails("UPDATE items SET e = '[1,2,3,4]' WHERE id = 1", [], "22000", "Vector dimension mismatch")
        fails("UPDATE items SET e = '[9,9,9]' WHERE id = 2; UPDATE items SET e = '[1]' WHERE id = 1", [], "22000")
        fails("INSERT INTO items VALUES (9, '[1,NaN,3]', 'x')", [], "22000", "NaN not allowed in vector")
        fails("INSERT INTO items VALUES (9, '[1,2,-inf]', 'x')", [], "22000", "infinite value not allowed in vector")
        fails("INSERT INTO items VALUES (9, '[1,,3]', 'x')", [], "22P02", "\"[1,,3]\"")
        fails("INSERT INTO items VALUES (9, 42, 'x')", [], "42804", "column \"e\" is of type vector(3) but expression is of type bigint")
        // Nothing of the failed statements was written.
        XCTAssertEqual(try run("SELECT count(*) FROM items"), [[.integer(3)]])
        XCTAssertEqual(try run("SELECT e FROM items WHERE id <= 2 ORDER BY id"), [[.vector([1, 2, 3])], [.vector([4, 5, 6])]])

        try run("UPDATE items SET e = ' [7, 8, 9] ' WHERE id = 3")
        XCTAssertEqual(try value("SELECT e FROM items WHERE id = 3"), .vector([7, 8, 9]))
        try run("INSERT INTO items VALUES (1, '[0,0,1]', 'a') ON CONFLICT (id) DO UPDATE SET e = EXCLUDED.e")
        XCTAssertEqual(try value("SELECT e FROM items WHERE id = 1"), .vector([0, 0, 1]))
        fails("INSERT INTO items VALUES (1, '[0,0,1]', 'a') ON CONFLICT (id) DO UPDATE SET e = '[1,2]'", [], "22000",
              "Vector dimension mismatch")
        XCTAssertEqual(try run("INSERT INTO items (id) VALUES (4) RETURNING e"), [[.null]])
        XCTAssertEqual(try run("SELECT e::text FROM items WHERE id = 1"), [[.text("[0,0,1]")]])
    }

    func testParametersAndDefaults() throws {
        try run("CREATE TABLE p (id INT PRIMARY KEY, e VECTOR(2) NOT NULL DEFAULT '[0, 0]', any_e VECTOR)")
        // A JSON array parameter arrives as its JSON text; a typed one as a vector.
        try run("INSERT INTO p VALUES ($1, $2, $3)", [.integer(1), .text("[0.5,-1]"), .text("[1,2,3,4]")])
        try run("INSERT INTO p VALUES ($1, $2, $2)", [.integer(2), .vector([3, 4])])
        try run("INSERT INTO p (id) VALUES (3)")
        try run("INSERT INTO p VALUES (4, DEFAULT, '[1]')")
        XCTAssertEqual(try run("SELECT id, e, any_e FROM p ORDER BY id"), [
            [.integer(1), .vector([0.5, -1]), .vector([1, 2, 3, 4])],
            [.integer(2), .vector([3, 4]), .vector([3, 4])],
            [.integer(3), .vector([0, 0]), .null],
            [.integer(4), .vector([0, 0]), .vector([1])],
        ])
        fails("INSERT INTO p (id, e) VALUES ($1, $2)", [.integer(5), .text("[1,2,3]")], "22000", "Vector dimension mismatch: expected 2 dimensions, got 3")
        fails("INSERT INTO p (id, e) VALUES ($1, $2)", [.integer(5), .vector([1])], "22000", "Vector dimension mismatch: expected 2 dimensions, got 1")
        fails("INSERT INTO p (id, e) VALUES ($1, $2)", [.integer(5), .vector([.nan, 1])], "22000", "NaN not allowed in vector")
        fails("INSERT INTO p (id, e) VALUES ($1, $2)", [.integer(5), .vector([.infinity, 1])], "22000", "infinite value not allowed in vector")
        fails("INSERT INTO p (id, e) VALUES ($1, $2)", [.integer(5), .text("[1,NaN]")], "22000", "NaN not allowed in vector")
        fails("UPDATE p SET e = $1", [.text("[1]")], "22000", "Vector dimension mismatch")
        fails("INSERT INTO p VALUES (5, '[1,2]', $1)", [.vector([])], "22000", "vector must have at least 1 dimension")
        XCTAssertEqual(try run("SELECT count(*) FROM p"), [[.integer(4)]])
        fails("CREATE TABLE bad (e VECTOR(2) DEFAULT '[1,2,3]')", [], "22000", "Vector dimension mismatch")
        try run("UPDATE p SET e = $1 WHERE id = $2", [.text("[9, 8]"), .integer(3)])
        XCTAssertEqual(try value("SELECT e FROM p WHERE id = 3"), .vector([9, 8]))
    }

    // MARK: Operators and functions

    func testOperatorsWithHandComputedValues() throws {
        XCTAssertEqual(try run("SELECT '[1,2,3]'::vector <-> '[4,5,6]', '[1,2,3]'::vector <=> '[4,5,6]', '[1,2,3]'::vector <#> '[4,5,6]'"),
                       [[.double(l2), .double(cosine), .double(-32)]])
        try seed()
        XCTAssertEqual(try run("SELECT e <-> '[4,5,6]', e <=> '[4,5,6]', e <#> '[4,5,6]' FROM items WHERE id = 1"),
                       [[.double(l2), .double(cosine), .double(-32)]])
        // Reversed operands, a JSON-array parameter, a typed vector parameter.
        XCTAssertEqual(try run("SELECT '[4,5,6]' <-> e, $1 <=> e, e <#> $2 FROM items WHERE id = 1",
                               [.text("[4, 5, 6]"), .vector([4, 5, 6])]),
                       [[.double(l2), .double(cosine), .double(-32)]])
        // Column against column.
        XCTAssertEqual(try run("SELECT a.e <-> b.e FROM items a, items b WHERE a.id = 1 AND b.id = 2"), [[.double(l2)]])
        // Precedence: `a <-> b < 6` is `(a <-> b) < 6`.
        XCTAssertEqual(try run("SELECT e <-> '[4,5,6]' < 6, e <-> '[4,5,6]' < 5 FROM items WHERE id = 1"),
                       [[.boolean(true), .boolean(false)]])
        XCTAssertEqual(try run("SELECT id FROM items WHERE e <-> $1 BETWEEN 0 AND 1 ORDER BY id", [.text("[1,2,3.5]")]),
                       [[.integer(1)]])
        XCTAssertEqual(try run("SELECT (e <-> '[1,2,3]') + 1 FROM items WHERE id = 2"), [[.double(l2 + 1)]])
        // `+` binds tighter: this is e <-> ('[1,2,3]' + 1), and the text is no integer.
        fails("SELECT e <-> '[1,2,3]' + 1 FROM items WHERE id = 2", [], "22P02", "type integer")
    }

    func testOperatorErrorsAndNulls() throws {
        try seed()
        fails("SELECT e <-> '[1,2]' FROM items WHERE id = 1", [], "22000", "different vector dimensions 3 and 2")
        fails("SELECT '[1,2]' <=> e FROM items WHERE id = 1", [], "22000", "different vector dimensions 2 and 3")
        fails("SELECT e <#> $1 FROM items WHERE id = 2", [.text("[1]")], "22000", "different vector dimensions 3 and 1")
        fails("SELECT '[1,2]'::vector <-> '[1,2,3]'::vector", [], "22000", "different vector dimensions 2 and 3")
        fails("SELECT 1 <-> '[1]'::vector", [], "42883", "operator does not exist: integer <-> vector")
        fails("SELECT note <=> e FROM items", [], "42883", "operator does not exist: text <=> vector")
        fails("SELECT e <-> '[1,a]' FROM items", [], "22P02", "\"[1,a]\"")
        // NULL operands give NULL; a NULL vector in the table too.
        XCTAssertEqual(try run("SELECT e <-> NULL, NULL <=> e, e <#> $1 FROM items WHERE id = 1", [.null]), [[.null, .null, .null]])
        XCTAssertEqual(try run("SELECT e <-> '[1,2,3]', l2_distance(e, '[1,2,3]'), vector_dims(e) FROM items WHERE id = 3"),
                       [[.null, .null, .null]])
        XCTAssertEqual(try value("SELECT NULL::vector <-> '[1]'"), .null)
        // A zero vector has no direction: cosine distance is NaN, as in pgvector.
        guard case .double(let d) = try value("SELECT '[0,0]'::vector <=> '[1,1]'") else { return XCTFail() }
        XCTAssertTrue(d.isNaN)
        // Cosine is clamped to [0, 2].
        XCTAssertEqual(try value("SELECT '[1,1,1]'::vector <=> '[2,2,2]'"), .double(0))
        XCTAssertEqual(try value("SELECT '[1,1,1]'::vector <=> '[-3,-3,-3]'"), .double(2))
    }

    func testVectorFunctions() throws {
        XCTAssertEqual(try run("""
            SELECT l2_distance('[1,2,3]', '[4,5,6]'), cosine_distance('[1,2,3]'::vector, '[4,5,6]'),
                   cosine_similarity('[1,2,3]', '[4,5,6]'), inner_product('[1,2,3]', '[4,5,6]'),
                   vector_negative_inner_product('[1,2,3]', '[4,5,6]'),
                   vector_dims('[1,2,3]'), vector_norm('[3,4]'), l2_norm('[3,4]'::vector(2))
            """),
            [[.double(l2), .double(cosine), .double(32 / (14.0 * 77).squareRoot()), .double(32), .double(-32),
              .integer(3), .double(5), .double(5)]])
        try seed()
        XCTAssertEqual(try run("SELECT vector_dims(e), vector_norm(e), inner_product(e, $1) FROM items WHERE id = 2",
                               [.text("[1,0,1]")]),
                       [[.integer(3), .double(77.0.squareRoot()), .double(10)]])
        XCTAssertEqual(try run("SELECT l2_distance(NULL, e), vector_norm(NULL), cosine_similarity(e, $1) FROM items WHERE id = 1",
                               [.null]), [[.null, .null, .null]])
        fails("SELECT l2_distance('[1]')", [], "42883", "function l2_distance with 1 argument(s) does not exist")
        fails("SELECT vector_dims('[1]', '[2]')", [], "42883")
        fails("SELECT vector_norm(3)", [], "42883", "function vector_norm(integer) does not exist")
        fails("SELECT inner_product(note, e) FROM items", [], "42883", "function inner_product(text, vector) does not exist")
        fails("SELECT cosine_distance('[1,2]', '[1]')", [], "22000", "different vector dimensions 2 and 1")
        fails("SELECT vector_norm('[NaN]')", [], "22000", "NaN not allowed in vector")
    }

    /// pgvector's L1 (taxicab) distance: `<+>` and l1_distance.
    func testL1Distance() throws {
        XCTAssertEqual(try run("SELECT '[1,2,3]'::vector <+> '[4,0,6]', l1_distance('[1,2,3]', '[4,0,6]'), '[1]' <+> '[-1.5]'::vector"),
                       [[.double(8), .double(8), .double(2.5)]])
        try seed()
        XCTAssertEqual(try run("SELECT id FROM items WHERE e IS NOT NULL ORDER BY e <+> $1, id LIMIT 1", [.text("[4,5,7]")]),
                       [[.integer(2)]])
        XCTAssertEqual(try run("SELECT e <+> NULL, l1_distance(e, $1) FROM items WHERE id = 3", [.text("[1,2,3]")]), [[.null, .null]])
        fails("SELECT '[1,2]'::vector <+> '[1]'::vector", [], "22000", "different vector dimensions 2 and 1")
        fails("SELECT 1 <+> '[1]'::vector", [], "42883", "operator does not exist: integer <+> vector")
        fails("SELECT l1_distance('[1]')", [], "42883", "function l1_distance with 1 argument(s) does not exist")
    }

    /// pgvector's vector arithmetic: `+ - *` element-wise in float4, `||`
    /// concatenation, their function forms, l2_normalize and subvector.
    func testVectorArithmetic() throws {
        XCTAssertEqual(try run("SELECT '[1,2,3]'::vector + '[4,5,6]', '[1,2,3]'::vector - '[4,5,6]', '[1,2,3]'::vector * '[4,5,6]', '[1,2]'::vector || '[3]'"),
                       [[.vector([5, 7, 9]), .vector([-3, -3, -3]), .vector([4, 10, 18]), .vector([1, 2, 3])]])
        // Float4 arithmetic: 0.1 + 0.2 rounds as float4 does, not as double.
        XCTAssertEqual(try value("SELECT '[0.1]'::vector + '[0.2]'"), .vector([Float(0.1) + Float(0.2)]))
        XCTAssertEqual(try run("SELECT vector_add('[1]', '[2]'::vector), vector_sub('[1]'::vector, '[2]'), vector_mul('[3]'::vector, '[2]'), vector_concat('[1]'::vector, '[2,3]')"),
                       [[.vector([3]), .vector([-1]), .vector([6]), .vector([1, 2, 3])]])
        XCTAssertEqual(try run("SELECT l2_normalize('[3,4]'), l2_normalize('[0,0]'::vector), l2_normalize('[-2]')"),
                       [[.vector([0.6, 0.8]), .vector([0, 0]), .vector([-1])]])
        XCTAssertEqual(try run("SELECT subvector('[1,2,3,4,5]', 2, 3), subvector('[1,2,3]'::vector, 0, 2), subvector('[1,2,3]', 2, 10), subvector('[1,2,3]', -5, 7)"),
                       [[.vector([2, 3, 4]), .vector([1]), .vector([2, 3]), .vector([1])]])
        try seed()
        // Over columns (typed results: VECTOR(3) + VECTOR(3) is VECTOR(3)), NULL in, NULL out.
        XCTAssertEqual(try run("SELECT e + e, e || e, e - $1, subvector(e, 2, 1) FROM items ORDER BY id", [.text("[1,1,1]")]),
                       [[.vector([2, 4, 6]), .vector([1, 2, 3, 1, 2, 3]), .vector([0, 1, 2]), .vector([2])],
                        [.vector([8, 10, 12]), .vector([4, 5, 6, 4, 5, 6]), .vector([3, 4, 5]), .vector([5])],
                        [.null, .null, .null, .null]])
        XCTAssertEqual(try run("SELECT id FROM items WHERE e IS NOT NULL ORDER BY (e * '[1,0,0]') <-> '[4,0,0]' LIMIT 1"), [[.integer(2)]])
        try run("CREATE TABLE sums AS SELECT e + e AS s FROM items WHERE e IS NOT NULL")
        fails("INSERT INTO sums VALUES ('[1,2]')", [], "22000", "Vector dimension mismatch")
        fails("SELECT '[1,2]'::vector + '[1,2,3]'", [], "22000", "different vector dimensions 2 and 3")
        fails("SELECT '[3e38]'::vector + '[3e38]'", [], "22003", "value out of range: overflow")
        fails("SELECT '[1e-30]'::vector * '[1e-30]'", [], "22003", "value out of range: underflow")
        XCTAssertEqual(try value("SELECT '[0]'::vector * '[1e-30]'"), .vector([0]))
        fails("SELECT '[1,2]'::vector * 2", [], "42883", "operator does not exist: vector * integer")
        fails("SELECT subvector('[1,2,3]', 4, 1)", [], "22000", "vector must have at least 1 dimension")
        fails("SELECT subvector('[1,2,3]', 1, 0)", [], "22000", "vector must have at least 1 dimension")
        fails("SELECT subvector('[1,2,3]', 'x', 1)", [], "22P02")
        fails("SELECT subvector('[1,2,3]'::vector, 1.5, 1)", [], "42883", "function subvector(vector, double precision, integer) does not exist")
        fails("SELECT l2_normalize('[1]', '[2]')", [], "42883")
        let half = "[" + Array(repeating: "1", count: 8001).joined(separator: ",") + "]"
        fails("SELECT $1::vector || $1::vector", [.text(half)], "54000", "vector cannot have more than 16000 dimensions")
    }

    /// VALUES rows and set operations resolve untyped literals to the
    /// other rows' type (vectors, numbers, dates), as PostgreSQL does.
    func testValuesAndSetOperationsResolveUntypedLiterals() throws {
        XCTAssertEqual(try run("SELECT v <-> '[0,0]' FROM (VALUES ('[3,4]'), ('[6,8]'::vector)) x(v)"), [[.double(5)], [.double(10)]])
        XCTAssertEqual(try run("SELECT v FROM (VALUES ('[1,2]'::vector), ('[3,4]'), (NULL)) x(v)"), [[.vector([1, 2])], [.vector([3, 4])], [.null]])
        XCTAssertEqual(try run("SELECT '[1,2]'::vector UNION ALL SELECT '[3,4]'"), [[.vector([1, 2])], [.vector([3, 4])]])
        XCTAssertEqual(try run("SELECT '[1,2]' UNION ALL SELECT '[3]' UNION ALL SELECT '[5,6]'::vector"),
                       [[.vector([1, 2])], [.vector([3])], [.vector([5, 6])]])
        XCTAssertEqual(try run("SELECT '[1,2]'::vector(2) UNION ALL SELECT '[1,2,3]'::vector(3)"), [[.vector([1, 2])], [.vector([1, 2, 3])]])
        XCTAssertEqual(try run("SELECT 1 UNION SELECT '2' ORDER BY 1"), [[.integer(1)], [.integer(2)]])
        XCTAssertEqual(try run("SELECT x + 1 FROM (VALUES ('41'), (1)) t(x) ORDER BY 1"), [[.integer(2)], [.integer(42)]])
        XCTAssertEqual(try run("SELECT 'a' UNION SELECT 'b' ORDER BY 1"), [[.text("a")], [.text("b")]])
        fails("SELECT 1 UNION SELECT 'a'", [], "22P02")
        fails("SELECT * FROM (VALUES ('[1,x]'), ('[1,2]'::vector)) t(v)", [], "22P02")
        fails("SELECT 1 UNION SELECT true", [], "42804", "UNION types integer and boolean cannot be matched")
    }

    /// pgvector's sum and avg over vectors: element-wise, NULLs skipped, per group.
    func testSumAndAverageOfVectors() throws {
        try seed()
        XCTAssertEqual(try run("SELECT sum(e), avg(e), count(e) FROM items"), [[.vector([5, 7, 9]), .vector([2.5, 3.5, 4.5]), .integer(2)]])
        XCTAssertEqual(try run("SELECT id % 2, avg(e), sum(e) FROM items GROUP BY 1 ORDER BY 1"),
                       [[.integer(0), .vector([4, 5, 6]), .vector([4, 5, 6])], [.integer(1), .vector([1, 2, 3]), .vector([1, 2, 3])]])
        XCTAssertEqual(try run("SELECT avg(e) FROM items WHERE id > 100"), [[.null]])
        // sum adds in float4 as pgvector's vector_add does (in double, 0.1 + 0.3 + 0.5 narrows to 0.90000004).
        XCTAssertEqual(try value("SELECT sum(v) FROM (VALUES ('[0.1,0.2]'::vector), ('[0.3,0.7]'), ('[0.5,0.1]')) x(v)"),
                       .vector([Float(0.1) + Float(0.3) + Float(0.5), Float(0.2) + Float(0.7) + Float(0.1)]))
        XCTAssertEqual(try value("SELECT array_agg(e)::text FROM items WHERE id < 3"), .text("{\"[1,2,3]\",\"[4,5,6]\"}"))
        XCTAssertEqual(try run("SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[2,4]'::vector), (NULL::vector)) x(v)"), [[.vector([1.5, 3])]])
        fails("SELECT sum(v) FROM (VALUES ('[1,2]'::vector), ('[1]'::vector)) x(v)", [], "22000", "different vector dimensions 2 and 1")
        fails("SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]'::vector)) x(v)", [], "22003", "overflow")
        XCTAssertEqual(try run("SELECT avg(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]'::vector)) x(v)"), [[.vector([3e38])]])
        // pgvector defines no min or max over vectors (they order only for ORDER BY and btree).
        fails("SELECT min(e) FROM items", [], "42883", "function min(vector) does not exist")
        fails("SELECT max(e) OVER () FROM items", [], "42883", "function max(vector) does not exist")
    }

    /// Beside a vector, untyped literals in COALESCE, GREATEST/LEAST, NULLIF
    /// and CASE are vectors (of any dimension, as pgvector's unknown-typed
    /// input is), as PostgreSQL resolves them; typed branches of other
    /// types do not match (42804).
    func testUnknownLiteralsBesideAVectorAreVectors() throws {
        try seed()
        XCTAssertEqual(try run("SELECT coalesce(e, '[9,9,9]') FROM items ORDER BY id"),
                       [[.vector([1, 2, 3])], [.vector([4, 5, 6])], [.vector([9, 9, 9])]])
        XCTAssertEqual(try value("SELECT coalesce(NULL::vector, '[3,4]') <-> '[0,0]'"), .double(5))
        XCTAssertEqual(try run("SELECT CASE WHEN id = 1 THEN e ELSE '[1,1,1]' END FROM items ORDER BY id"),
                       [[.vector([1, 2, 3])], [.vector([1, 1, 1])], [.vector([1, 1, 1])]])
        XCTAssertEqual(try value("SELECT nullif(e, '[1,2,3]') FROM items WHERE id = 1"), .null)
        XCTAssertEqual(try run("SELECT coalesce(e, '[1,2]') FROM items ORDER BY id"),
                       [[.vector([1, 2, 3])], [.vector([4, 5, 6])], [.vector([1, 2])]])
        fails("SELECT coalesce(e, 'abc') FROM items", [], "22P02", "vector")
        fails("SELECT CASE WHEN id = 1 THEN e ELSE 1 END FROM items", [], "42804", "CASE types vector and integer cannot be matched")
        fails("SELECT coalesce(e, true) FROM items", [], "42804", "COALESCE types vector and boolean cannot be matched")
        fails("SELECT greatest(e, 'x'::text) FROM items", [], "42804", "GREATEST types vector and text cannot be matched")
        fails("SELECT * FROM (VALUES ('[1,2]'::vector), (1)) t(v)", [], "42804", "VALUES types vector and integer cannot be matched")
        fails("SELECT * FROM (VALUES (1), ('x'::text)) t(v)", [], "42804", "VALUES types integer and text cannot be matched")
        // Numbers widen, dates and timestamps too, literals take the type.
        XCTAssertEqual(try value("SELECT coalesce(NULL, 1, 2.5)"), .integer(1))
        XCTAssertEqual(try value("SELECT CASE WHEN false THEN 1 ELSE '7' END + 1"), .integer(8))
        XCTAssertEqual(try run("SELECT v FROM (VALUES (DATE '2024-01-02'), ('2024-01-03')) t(v) ORDER BY v").count, 2)
    }

    func testComparisonGroupingAndOrder() throws {
        try seed()
        try run("INSERT INTO items VALUES (4, '[1,2,3]', 'd'), (5, '[1,2,2.5]', 'e'), (6, '[-0,2,3]', 'f')")
        XCTAssertEqual(try run("SELECT id FROM items WHERE e = '[1,2,3]' ORDER BY id"), [[.integer(1)], [.integer(4)]])
        XCTAssertEqual(try run("SELECT id FROM items WHERE e = '[0,2,3]'"), [[.integer(6)]], "-0 equals 0")
        XCTAssertEqual(try run("SELECT count(*) FROM items WHERE e = '[1,2]'"), [[.integer(0)]],
                       "another dimension compares unequal, not as an error")
        XCTAssertEqual(try run("SELECT id FROM items WHERE e IS NOT NULL ORDER BY e, id"),
                       [[.integer(6)], [.integer(5)], [.integer(1)], [.integer(4)], [.integer(2)]])
        XCTAssertEqual(try run("SELECT e, count(*) FROM items WHERE e IS NOT NULL GROUP BY e ORDER BY e DESC"), [
            [.vector([4, 5, 6]), .integer(1)], [.vector([1, 2, 3]), .integer(2)],
            [.vector([1, 2, 2.5]), .integer(1)], [.vector([0, 2, 3]), .integer(1)],
        ])
        XCTAssertEqual(try run("SELECT count(DISTINCT e) FROM items"), [[.integer(4)]])
        XCTAssertEqual(try value("SELECT '[1,2]'::vector < '[1,2,0]'"), .boolean(true), "a prefix sorts first")
        XCTAssertEqual(try value("SELECT '[1,3]'::vector > '[1,2,9]'"), .boolean(true), "elements before length")
        XCTAssertEqual(Value.order(.vector([1, 2]), .vector([1, 2, 0])), -1)
        XCTAssertEqual(Value.vector([0, 1]), Value.vector([-0.0, 1]))
        XCTAssertEqual(Value.vector([0, 1]).hashValue, Value.vector([-0.0, 1]).hashValue)
    }

    // MARK: ORDER BY distance

    func testOrderByDistanceLimitMatchesBruteForce() throws {
        try run("CREATE TABLE docs (id INT PRIMARY KEY, embedding VECTOR(8))")
        var generator = SeededGenerator(seed: 7)
        var vectors: [[Float]] = []
        for _ in 0..<300 { vectors.append((0..<8).map { _ in Float(generator.next() % 2001) / 1000 - 1 }) }
        for chunk in stride(from: 0, to: vectors.count, by: 100) {
            let tuples = (chunk..<chunk + 100).map { "(\($0), '\(Value.formatVector(vectors[$0]))')" }
            try run("INSERT INTO docs VALUES " + tuples.joined(separator: ", "))
        }
        let query: [Float] = [0.5, -0.25, 0, 1, 0.125, -1, 0.75, 0.3]
        let queryText = Value.formatVector(query)
        for (op, function) in [("<->", "l2_distance"), ("<=>", "cosine_distance"), ("<#>", "vector_negative_inner_product")] {
            let distances = vectors.enumerated().map { (i, v) in (i, distance(op, v, query)) }
            let expected = distances.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(10).map { [Value.integer(Int64($0.0))] }
            XCTAssertEqual(try run("SELECT id FROM docs ORDER BY embedding \(op) $1, id LIMIT 10", [.text(queryText)]), Array(expected), op)
            XCTAssertEqual(try run("SELECT id FROM docs ORDER BY \(function)(embedding, $1), id LIMIT 10", [.vector(query)]),
                           Array(expected), function)
            let nearest = distances.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }!
            XCTAssertEqual(try run("SELECT id, embedding \(op) $1 AS d FROM docs ORDER BY d LIMIT 1", [.text(queryText)]),
                           [[.integer(Int64(nearest.0)), .double(nearest.1)]], op)
        }
        // Farthest first, with a filter, and through OFFSET.
        let l2 = vectors.enumerated().map { (i, v) in (i, distance("<->", v, query)) }
        let farthest = l2.sorted { $0.1 > $1.1 }.prefix(3).map { [Value.integer(Int64($0.0))] }
        XCTAssertEqual(try run("SELECT id FROM docs ORDER BY embedding <-> $1 DESC LIMIT 3", [.text(queryText)]), Array(farthest))
        let even = l2.filter { $0.0 % 2 == 0 }.sorted { $0.1 < $1.1 }.dropFirst(2).prefix(4).map { [Value.integer(Int64($0.0))] }
        XCTAssertEqual(try run("SELECT id FROM docs WHERE id % 2 = 0 ORDER BY embedding <-> $1 LIMIT 4 OFFSET 2",
                               [.text(queryText)]), Array(even))
        let plan = try run("EXPLAIN SELECT id FROM docs ORDER BY embedding <-> $1 LIMIT 5", [.text(queryText)])
        XCTAssertTrue(plan.contains { $0.first?.description.contains("Top-N") == true }, "\(plan)")
    }

    /// Top-N ranks the scan's rows by the distance directly; every row still
    /// evaluates every computed column, so errors are those of a full sort.
    func testTopNOverComputedColumns() throws {
        try seed()
        XCTAssertEqual(try run("SELECT e <-> '[1,2,4]' AS d, id, note FROM items ORDER BY d DESC NULLS LAST, id LIMIT 2"),
                       [[.double(22.0.squareRoot()), .integer(2), .text("b")], [.double(1), .integer(1), .text("a")]])
        XCTAssertEqual(try run("SELECT id, e <#> '[1,1,1]' FROM items ORDER BY 2 NULLS FIRST LIMIT 1 OFFSET 1"),
                       [[.integer(2), .double(-15)]])
        fails("SELECT id, e <-> '[1,2]' FROM items ORDER BY id LIMIT 1", [], "22000", "different vector dimensions 3 and 2")
        fails("SELECT id FROM items ORDER BY id, e <-> '[1,2]' LIMIT 1", [], "22000", "different vector dimensions 3 and 2")
        fails("SELECT id, 1 / (id - 2) FROM items ORDER BY e <-> '[1,2,3]' LIMIT 1", [], "22012")
    }

    private func distance(_ op: String, _ a: [Float], _ b: [Float]) -> Double {
        let dot = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        switch op {
        case "<->": return Double(zip(a, b).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }).squareRoot()
        case "<#>": return -Double(dot)
        default:
            let na = a.reduce(Float(0)) { $0 + $1 * $1 }, nb = b.reduce(Float(0)) { $0 + $1 * $1 }
            return 1 - Double(dot) / (Double(na) * Double(nb)).squareRoot()
        }
    }

    // MARK: Catalog, branches, time travel

    func testInformationSchemaShowsTheType() throws {
        try seed()
        XCTAssertEqual(try run("""
            SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position
            """), [[.text("id"), .text("integer")], [.text("e"), .text("vector(3)")], [.text("note"), .text("text")]])
    }

    func testVectorsOnABranchAndAsOf() throws {
        try seed()
        guard case .integer(let before) = try value("SELECT current_scn()") else { return XCTFail() }
        try run("UPDATE items SET e = '[0,0,0]' WHERE id = 1")
        XCTAssertEqual(try value("SELECT e FROM items WHERE id = 1"), .vector([0, 0, 0]))
        XCTAssertEqual(try run("SELECT e, e <-> '[4,5,6]' FROM items AS OF SCN \(before) h WHERE h.id = 1"),
                       [[.vector([1, 2, 3]), .double(l2)]])
        try run("CREATE BRANCH dev")
        try run("UPDATE items SET e = '[4,5,7]' WHERE id = 2", branch: "dev")
        fails("INSERT INTO items VALUES (7, '[1]', 'g')", [], "22000", "Vector dimension mismatch")
        XCTAssertEqual(try run("SELECT id FROM items ORDER BY e <-> '[4,5,7]' LIMIT 1", branch: "dev"), [[.integer(2)]])
        XCTAssertEqual(try run("SELECT e FROM items WHERE id = 2", branch: "dev"), [[.vector([4, 5, 7])]])
        XCTAssertEqual(try run("SELECT e FROM items WHERE id = 2"), [[.vector([4, 5, 6])]])
        try run("MERGE BRANCH dev INTO main")
        XCTAssertEqual(try run("SELECT e FROM items WHERE id = 2"), [[.vector([4, 5, 7])]])
    }
}
