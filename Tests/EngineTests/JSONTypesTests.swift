import Core
import Engine
import XCTest

/// UUID, BYTEA, JSON and JSONB through `Database.execute`: storage, keys,
/// parameters, operators and errors (answers as PostgreSQL 15 gives them).
final class JSONTypesTests: XCTestCase {
    var db: Database!

    override func setUp() { db = Database() }

    @discardableResult
    func run(_ sql: String, _ params: [Value] = []) throws -> [Row] {
        try db.execute(SQLRequest(sql: sql, parameters: params)).last!.rows
    }

    func text(_ sql: String, _ params: [Value] = []) throws -> [[String]] {
        try run(sql, params).map { $0.map(\.description) }
    }

    func fails(_ sql: String, _ state: String, _ message: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try run(sql)
            XCTFail("expected \(state) from \(sql)", file: file, line: line)
        } catch let error as EngineError {
            XCTAssertEqual(error.sqlState, state, error.message, file: file, line: line)
            if let message { XCTAssertTrue(error.message.hasPrefix(message), error.message, file: file, line: line) }
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    func testColumnTypesAndValues() throws {
        let result = try db.execute(SQLRequest(sql: """
            SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '\\x01'::bytea, '{"a":1}'::json, '{"a":1}'::jsonb, gen_random_uuid()
            """)).last!
        XCTAssertEqual(result.columnTypes, [.uuid, .bytea, .json, .jsonb, .uuid])
        XCTAssertEqual(result.rows[0][0], .uuid(0xa0eebc99_9c0b_4ef8, 0xbb6d_6bb9bd380a11))
        XCTAssertEqual(result.rows[0][1], .bytes([1]))
        XCTAssertEqual(result.rows[0][2], .jsonText(#"{"a":1}"#))
        XCTAssertEqual(result.rows[0][3], .json(.object([.init("a", .number("1"))])))
        guard case .uuid(let high, let low) = result.rows[0][4] else { return XCTFail("gen_random_uuid is a uuid") }
        XCTAssertEqual(high >> 12 & 0xF, 4, "version 4")
        XCTAssertEqual(low >> 62, 2, "RFC 4122 variant")
    }

    func testStoredKeysUpdatesAndIndexes() throws {
        try run("CREATE TABLE t (id UUID PRIMARY KEY, blob BYTEA, doc JSONB, raw JSON)")
        try run("""
            INSERT INTO t VALUES ('00000000-0000-0000-0000-00000000000a', '\\xff', '{"k": [1, 2]}', '{"k":  1}'),
                                 (gen_random_uuid(), 'ab', '{"k": []}', '[]')
            """)
        fails("INSERT INTO t VALUES ('{0000000000000000000000000000000A}', NULL, NULL, NULL)", "23505")
        fails("INSERT INTO t VALUES ('nope', NULL, NULL, NULL)", "22P02", "invalid input syntax for type uuid")
        fails("INSERT INTO t (id, doc) VALUES (gen_random_uuid(), '{')", "22P02", "invalid input syntax for type json")
        fails("INSERT INTO t (id, blob) VALUES (gen_random_uuid(), '\\x1')", "22023")
        XCTAssertEqual(try text("SELECT blob, doc, raw FROM t WHERE id = '0000000000000000000000000000000a'"),
                       [["\\xff", #"{"k": [1, 2]}"#, #"{"k":  1}"#]])
        try run(#"UPDATE t SET doc = jsonb_build_object('k', doc -> 'k' -> 0, 'z', true) WHERE doc @> '{"k": [2]}'"#)
        XCTAssertEqual(try text("SELECT doc FROM t WHERE doc ? 'z'"), [[#"{"k": 1, "z": true}"#]])
        XCTAssertEqual(try text("SELECT count(*) FROM t WHERE blob = 'ab'::bytea"), [["1"]])
        try run("CREATE INDEX t_doc ON t (doc)")
        XCTAssertEqual(try text(#"SELECT count(*) FROM t WHERE doc = '{"z": true, "k": 1}'"#), [["1"]])
    }

    func testParametersOfEveryType() throws {
        let doc = try JSONDocument.parse(#"{"a": {"b": [10, 20]}}"#).normalized()
        XCTAssertEqual(try text("SELECT $1 #>> '{a,b,1}', $1 -> 'a' -> 'b' -> -1", [.json(doc)]), [["20", "20"]])
        XCTAssertEqual(try text("SELECT $1::jsonb ->> 'x'", [.text(#"{"x": "y"}"#)]), [["y"]])
        XCTAssertEqual(try text("SELECT $1 = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid", [.uuid(0xa0eebc999c0b4ef8, 0xbb6d6bb9bd380a11)]), [["true"]])
        XCTAssertEqual(try text("SELECT $1::bytea", [.text("\\x0a0b")]), [["\\x0a0b"]])
        XCTAssertEqual(try text("SELECT $1 ? 'a'", [.json(doc)]), [["true"]])
    }

    func testOperatorsAndFunctions() throws {
        XCTAssertEqual(try text(#"SELECT '[1, 2, 3]'::jsonb -> -1, '[1, 2, 3]'::jsonb -> 3, '{"a": "x"}'::jsonb ->> 'a'"#), [["3", "NULL", "x"]])
        XCTAssertEqual(try text(#"SELECT '{"a": 1, "b": 2}'::jsonb ?| ARRAY['x', 'b'], '{"a": 1}'::jsonb ?& '{a,b}'"#), [["true", "false"]])
        XCTAssertEqual(try text(#"SELECT '{"a": {"b": "c"}}'::jsonb #>> ARRAY['a', 'b']"#), [["c"]])
        XCTAssertEqual(try text(#"SELECT '{"a": 1}'::jsonb <@ '{"a": 1, "b": 2}', '{"a": 1}'::jsonb @> '{"a": 2}'"#), [["true", "false"]])
        XCTAssertEqual(try text("SELECT jsonb_build_object('a', 1, 'a', 2), jsonb_typeof(to_jsonb(1.5::float8))"), [[#"{"a": 2}"#, "number"]])
        XCTAssertEqual(try text(#"SELECT value FROM jsonb_array_elements_text('["x", "y"]') ORDER BY value DESC"#), [["y"], ["x"]])
        XCTAssertEqual(try text(#"SELECT jsonb_agg(x) FROM (VALUES (1), (NULL)) AS v(x)"#), [["[1, null]"]])
        XCTAssertEqual(try text(#"SELECT DISTINCT d FROM (VALUES ('{"a":1,"b":2}'::jsonb), ('{"b":2,"a":1}'::jsonb)) AS v(d)"#),
                       [[#"{"a": 1, "b": 2}"#]])
    }

    func testJSONKeepsItsTextInParts() throws {
        XCTAssertEqual(try text(#"SELECT '{"a": [1,  2] , "b":{ "c" : 3 }}'::json -> 'b', '{"a":1,"a":2}'::json -> 'a'"#),
                       [[#"{ "c" : 3 }"#, "2"]])
        XCTAssertEqual(try text(#"SELECT '{"a": {"b": [ 1 ,"x" ]}}'::json #> '{a,b}'"#), [[#"[ 1 ,"x" ]"#]])
        XCTAssertEqual(try text(#"SELECT key, value FROM json_each('{"b": 1, "a": [1,  2], "b": {"c" : 3}}')"#),
                       [["b", "1"], ["a", "[1,  2]"], ["b", #"{"c" : 3}"#]])
        XCTAssertEqual(try text(#"SELECT '{"b":1,  "a":2}'::json::jsonb::json"#), [[#"{"a": 2, "b": 1}"#]])
    }

    func testTextArrayLiteralsForPathsAndKeys() throws {
        let doc = #"'{"a b": {"c": 1}, "d,e": 2, "NULL": 3}'::jsonb"#
        XCTAssertEqual(try text(#"SELECT \#(doc) #>> '{"a b", c}', \#(doc) ?& '{"d,e", "NULL"}', \#(doc) ?| '{NULL}'"#),
                       [["1", "true", "false"]])
        XCTAssertEqual(try text(#"SELECT \#(doc) #> '{a b, NULL}', \#(doc) #> '{}'"#), [["NULL", #"{"a b": {"c": 1}, "d,e": 2, "NULL": 3}"#]])
        for bad in ["'{a'", "'a}'", "'{a,}'", "'{,a}'", "'{\"a}'", "'{a\"b}'", "''"] {
            fails("SELECT \(doc) ?| \(bad)", "22P02", "malformed array literal")
        }
    }

    func testTypeErrors() {
        fails("SELECT 'abc'::text -> 'a'", "42883", "operator does not exist: text -> ")
        fails(#"SELECT '{"a":1}'::jsonb -> true"#, "42883")
        fails(#"SELECT '{"a":1}'::json = '{"a":1}'::json"#, "42883")
        fails("SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid = 'x'::text", "42883")
        fails(#"SELECT '{"a": 1}'::jsonb ?| '{a'"#, "22P02", "malformed array literal")
        fails("SELECT jsonb_build_object(NULL, 1)", "22023")
        fails("SELECT jsonb_array_length('1')", "22023", "cannot get array length of a scalar")
        fails("SELECT ('[' || repeat('[', 2000) || ']')::jsonb", "22P02")
    }
}
