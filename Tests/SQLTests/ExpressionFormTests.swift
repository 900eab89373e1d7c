import Core
import SQL
import XCTest

/// IS forms, LIKE ESCAPE, the other operators, window calls, standard call
/// syntaxes, niladic functions and typed literals.
final class ExpressionFormTests: ParserTestCase {
    func testIsForms() {
        XCTAssertEqual(expr("a IS TRUE"), .isTruth(.column(table: nil, name: "a", position: 8), value: true, negated: false,
                                                   position: 8))
        XCTAssertEqual(shape("a IS NOT FALSE"), "(IS NOT FALSE a)")
        XCTAssertEqual(shape("a IS UNKNOWN"), "(IS UNKNOWN a)")
        XCTAssertEqual(shape("a = b IS NOT UNKNOWN"), "(IS NOT UNKNOWN (= a b))")
        XCTAssertEqual(shape("a IS DISTINCT FROM b + 1"), "(IS DISTINCT FROM a (+ b 1))")
        XCTAssertEqual(shape("a IS NOT DISTINCT FROM NULL AND c"), "(AND (IS NOT DISTINCT FROM a NULL) c)")
        XCTAssertEqual(expr("a IS DISTINCT FROM b"), .isDistinctFrom(.column(table: nil, name: "a", position: 8),
                                                                     .column(table: nil, name: "b", position: 27),
                                                                     negated: false, position: 8))
        XCTAssertEqual(shape("NOT a IS TRUE"), "(NOT (IS TRUE a))")
        XCTAssertEqual(shape("unknown"), "unknown")
        assertSyntaxError("SELECT a IS DISTINCT b", near: "b", at: 22)
        assertSyntaxError("SELECT a IS DISTINCT FROM", near: nil, at: 26)
        assertSyntaxError("SELECT a IS NOT", near: nil, at: 16)
        assertSyntaxError("SELECT a IS NOT NOT NULL", near: "NOT", at: 17)
        XCTAssertEqual(shape("a IS DISTINCT FROM b = c"), "(IS DISTINCT FROM a (= b c))")
    }

    func testLikeEscape() {
        XCTAssertEqual(shape(#"a LIKE 'x\%' ESCAPE '\'"#), #"(LIKE a 'x\%')"#)
        assertError("SELECT a LIKE 'x!%' ESCAPE '!'", "42601", "ESCAPE other than the default '\\' is not supported",
                    at: 21)
        assertError("SELECT a NOT ILIKE 'x' ESCAPE ''", "42601", "ESCAPE other than the default '\\' is not supported",
                    at: 24)
        assertSyntaxError("SELECT a LIKE 'x' ESCAPE", near: nil, at: 25)
        assertSyntaxError("SELECT a SIMILAR TO 'x'", near: "SIMILAR", at: 10)
    }

    func testOtherOperators() {
        let cases: [(String, String)] = [
            ("doc -> 'a' ->> 'b'", "(->> (-> doc 'a') 'b')"),
            ("doc #> '{a,b}' = x", "(= (#> doc '{a,b}') x)"),
            ("doc #>> '{a}' || 'x'", "(|| (#>> doc '{a}') 'x')"),
            ("doc @> '{}' AND doc <@ '{}'", "(AND (@> doc '{}') (<@ doc '{}'))"),
            ("doc ? 'k' OR doc ?| ARRAY['a'] OR doc ?& ARRAY['b']",
             "(OR (OR (? doc 'k') (?| doc ARRAY['a'])) (?& doc ARRAY['b']))"),
            ("v <-> '[1,2]' < 5", "(< (<-> v '[1,2]') 5)"),
            ("v <=> $1", "(<=> v $1)"),
            ("v <#> $1 + 1", "(<#> v (+ $1 1))"),
            ("a ~ 'x' AND b ~* 'y' AND c !~ 'z' AND d !~* 'w'",
             "(AND (AND (AND (~ a 'x') (~* b 'y')) (!~ c 'z')) (!~* d 'w'))"),
            ("a & b | c # d", "(# (| (& a b) c) d)"),
            ("1 << 2 + 3", "(<< 1 (+ 2 3))"),
            ("a >> 1 = 0", "(= (>> a 1) 0)"),
            ("2 ^ 3 ^ 2", "(^ (^ 2 3) 2)"),
            ("2 * 3 ^ 2", "(* 2 (^ 3 2))"),
            ("-2 ^ 2", "(^ -2 2)"),
            ("- a ^ 2", "(^ (- a) 2)"),
            ("a ^ 2::int", "(^ a (CAST 2 INTEGER))"),
            ("a -> 'k' IS NULL", "(IS NULL (-> a 'k'))"),
            ("a ->> 'k' LIKE 'x%'", "(LIKE (->> a 'k') 'x%')"),
            ("a || b -> 'k'", "(-> (|| a b) 'k')"),
            ("a<->b", "(<-> a b)"),
            ("a<-1", "(< a -1)"),
            ("a->>'k'", "(->> a 'k')"),
            ("a*-1", "(* a -1)"),
        ]
        for (sql, expected) in cases {
            XCTAssertEqual(shape(sql), expected, sql)
        }
        XCTAssertEqual(expr("a ? 'k'"), .binary(.hasKey, .column(table: nil, name: "a", position: 8),
                                                .literal(.text("k"), position: 12), position: 8))
        assertSyntaxError("SELECT a ->", near: nil, at: 12)
        assertSyntaxError("SELECT ? 1", near: "?", at: 8)
        assertSyntaxError("SELECT a @> @> b", near: "@>", at: 13)
        assertError("SELECT a @@ b", "42883", "operator does not exist: @@", at: 10)
    }

    func testWindowCalls() {
        guard case .window(let name, let args, let star, let over, let position)? =
                expr("sum(x) OVER (PARTITION BY a, b ORDER BY c DESC ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)")
        else { return XCTFail() }
        XCTAssertEqual(name, "sum")
        XCTAssertEqual(args, [.column(table: nil, name: "x", position: 12)])
        XCTAssertFalse(star)
        XCTAssertEqual(position, 8)
        XCTAssertEqual(over.partitionBy.map(render), ["a", "b"])
        XCTAssertEqual(over.orderBy.map(render), ["c DESC"])
        XCTAssertEqual(over.frame, WindowFrame(units: .rows, start: .preceding(.literal(.integer(1), position: 68)),
                                               end: .currentRow))
        let cases: [(String, String)] = [
            ("count(*) OVER ()", "count(*) OVER ()"),
            ("row_number() OVER w", "row_number() OVER (w)"),
            ("rank() OVER (ORDER BY a)", "rank() OVER (ORDER BY a)"),
            ("sum(a) OVER (w PARTITION BY b)", "sum(a) OVER (w PARTITION BY b)"),
            ("sum(a) OVER (RANGE UNBOUNDED PRECEDING)", "sum(a) OVER (RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"),
            ("sum(a) OVER (ROWS CURRENT ROW)", "sum(a) OVER (ROWS BETWEEN CURRENT ROW AND CURRENT ROW)"),
            ("sum(a) OVER (ROWS 2 PRECEDING)", "sum(a) OVER (ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"),
            ("sum(a) OVER (GROUPS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)",
             "sum(a) OVER (GROUPS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)"),
            ("sum(a) OVER (ORDER BY b RANGE BETWEEN 1 + 1 FOLLOWING AND 3 FOLLOWING)",
             "sum(a) OVER (ORDER BY b RANGE BETWEEN (+ 1 1) FOLLOWING AND 3 FOLLOWING)"),
            ("sum(a) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)",
             "sum(a) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"),
            ("lag(a, 1) OVER (ORDER BY b) + 1", "(+ lag(a, 1) OVER (ORDER BY b) 1)"),
            ("sum(sum(a)) OVER ()", "sum(sum(a)) OVER ()"),
            ("over", "over"),
        ]
        for (sql, expected) in cases {
            XCTAssertEqual(shape(sql), expected, sql)
        }
        XCTAssertEqual(select("SELECT sum(a) OVER () AS total FROM t")?.items.map(render), ["sum(a) OVER () AS total"])
    }

    func testWindowErrors() {
        assertError("SELECT sum(a) OVER (ROWS UNBOUNDED FOLLOWING)", "42P20", "frame start cannot be UNBOUNDED FOLLOWING",
                    at: 26)
        assertError("SELECT sum(a) OVER (ROWS 1 FOLLOWING)", "42P20",
                    "frame starting from following row cannot end with current row", at: 26)
        assertError("SELECT sum(a) OVER (ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW)", "42P20",
                    "frame start cannot be UNBOUNDED FOLLOWING", at: 34)
        assertError("SELECT sum(a) OVER (ROWS BETWEEN CURRENT ROW AND UNBOUNDED PRECEDING)", "42P20",
                    "frame end cannot be UNBOUNDED PRECEDING", at: 50)
        assertError("SELECT sum(a) OVER (ROWS BETWEEN CURRENT ROW AND 1 PRECEDING)", "42P20",
                    "frame starting from current row cannot have preceding rows", at: 50)
        assertError("SELECT sum(a) OVER (ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW)", "42P20",
                    "frame starting from following row cannot have preceding rows", at: 50)
        assertError("SELECT sum(a) OVER (ROWS BETWEEN 2 FOLLOWING AND 1 PRECEDING)", "42P20",
                    "frame starting from following row cannot have preceding rows", at: 50)
        assertSyntaxError("SELECT sum(a) OVER (ROWS BETWEEN 1 PRECEDING)", near: ")", at: 45)
        assertSyntaxError("SELECT sum(a) OVER (ROWS BETWEEN 1 AND 2)", near: ")", at: 41)
        assertSyntaxError("SELECT sum(a) OVER (ROWS)", near: ")", at: 25)
        assertSyntaxError("SELECT sum(a) OVER (ROWS UNBOUNDED)", near: ")", at: 35)
        assertSyntaxError("SELECT sum(a) OVER (ROWS CURRENT)", near: ")", at: 33)
        assertSyntaxError("SELECT sum(a) OVER (ROWS 1)", near: ")", at: 27)
        assertSyntaxError("SELECT sum(a) OVER (ORDER BY a", near: nil, at: 31)
        assertSyntaxError("SELECT sum(a) OVER", near: nil, at: 19)
        assertSyntaxError("SELECT sum(a) OVER (PARTITION a)", near: "a", at: 31)
        assertSyntaxError("SELECT sum(a) OVER (ORDER BY a PARTITION BY b)", near: "PARTITION", at: 32)
        assertSyntaxError("SELECT sum(a) OVER (x y)", near: "y", at: 23)
        assertError("SELECT sum(a) OVER (ROWS BETWEEN CURRENT ROW AND CURRENT ROW EXCLUDE TIES)", "42601",
                    "EXCLUDE is not supported", at: 62)
        assertError("SELECT count(DISTINCT a) OVER ()", "0A000", "DISTINCT is not implemented for window functions", at: 8)
        XCTAssertEqual(expr("count(*) FILTER (WHERE a > 1)").map(render), "count(*) FILTER (WHERE (> a 1))")
        XCTAssertEqual(expr("string_agg(a, ',' ORDER BY a DESC, b) FILTER (WHERE b)").map(render),
                       "string_agg(a, ',' ORDER BY a DESC, b) FILTER (WHERE b)")
        XCTAssertEqual(expr("count(x)"), expr("count(x)"))
        guard case .function(_, _, _, _, nil, _)? = expr("count(x)") else { return XCTFail("a plain call has no clauses") }
        assertError("SELECT count(*) FILTER (WHERE a > 1) OVER () FROM t", "42601", "FILTER on a window function is not supported", at: 8)
        assertError("SELECT string_agg(a, ',' ORDER BY a) OVER () FROM t", "42601", "ORDER BY on a window function is not supported", at: 8)
        assertSyntaxError("SELECT count(*) FILTER (a > 1) FROM t", near: "a", at: 25)
        assertSyntaxError("SELECT string_agg(a, ',' ORDER a) FROM t", near: "a", at: 32)
        assertError("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a) FROM t", "42601",
                    "WITHIN GROUP is not supported", at: 29)
    }

    func testNiladicFunctions() {
        XCTAssertEqual(expr("CURRENT_DATE"), .special("current_date", position: 8))
        for name in ["current_timestamp", "current_time", "localtimestamp", "localtime", "current_user", "session_user",
                     "current_schema"] {
            XCTAssertEqual(expr(name.uppercased()), .special(name, position: 8), name)
        }
        XCTAssertEqual(shape("now() - CURRENT_TIMESTAMP"), "(- now() CURRENT_TIMESTAMP)")
        XCTAssertEqual(shape("current_schema()"), "current_schema()")
        assertError("SELECT CURRENT_TIMESTAMP(3)", "42601", "a precision for CURRENT_TIMESTAMP is not supported", at: 25)
        assertError("SELECT CURRENT_DATE()", "42601", "a precision for CURRENT_DATE is not supported", at: 20)
    }

    func testStandardCallSyntaxes() {
        XCTAssertEqual(expr("EXTRACT(YEAR FROM d)"), .function(
            name: "extract", arguments: [.literal(.text("year"), position: 16), .column(table: nil, name: "d", position: 26)],
            distinct: false, star: false, position: 8))
        let cases: [(String, String)] = [
            ("extract(epoch from now() - t)", "extract('epoch', (- now() t))"),
            ("EXTRACT('Month' FROM d)", "extract('month', d)"),
            ("SUBSTRING(s FROM 2 FOR 3)", "substring(s, 2, 3)"),
            ("substring(s from 2)", "substring(s, 2)"),
            ("substring(s FOR 3)", "substring(s, 1, 3)"),
            ("substring(s FOR 3 FROM 2)", "substring(s, 2, 3)"),
            ("substring(s, 1, 2)", "substring(s, 1, 2)"),
            ("POSITION('b' IN s)", "position('b', s)"),
            ("position(a || b IN c || d)", "position((|| a b), (|| c d))"),
            ("TRIM(s)", "btrim(s)"),
            ("trim(BOTH FROM s)", "btrim(s)"),
            ("trim(' x' FROM s)", "btrim(s, ' x')"),
            ("trim(LEADING 'x' FROM s)", "ltrim(s, 'x')"),
            ("trim(TRAILING FROM s)", "rtrim(s)"),
            ("trim(s, 'x')", "btrim(s, 'x')"),
            ("coalesce(a, b)", "coalesce(a, b)"),
            ("nullif(a, 0)", "nullif(a, 0)"),
            ("greatest(a, b, c) + least(a, b)", "(+ greatest(a, b, c) least(a, b))"),
            ("position", "position"),
        ]
        for (sql, expected) in cases {
            XCTAssertEqual(shape(sql), expected, sql)
        }
        guard case .function(_, let args, _, _, _, _)? = expr("substring(s FOR 3)") else { return XCTFail() }
        XCTAssertEqual(args[1], .literal(.integer(1), position: 20))
        assertSyntaxError("SELECT EXTRACT(YEAR d)", near: "d", at: 21)
        assertSyntaxError("SELECT EXTRACT(FROM d)", near: "d", at: 21)
        assertSyntaxError("SELECT EXTRACT(YEAR FROM)", near: ")", at: 25)
        assertSyntaxError("SELECT substring(s FROM 1 FROM 2)", near: "FROM", at: 27)
        assertSyntaxError("SELECT substring(s FROM)", near: ")", at: 24)
        assertSyntaxError("SELECT position(a, b)", near: ",", at: 18)
        assertSyntaxError("SELECT position(a IN)", near: ")", at: 21)
        assertSyntaxError("SELECT trim(LEADING)", near: ")", at: 20)
        assertSyntaxError("SELECT trim(x FROM a, b)", near: "b", at: 23)
    }

    func testTypedLiterals() {
        XCTAssertEqual(expr("'abc'::text"), .cast(.literal(.text("abc"), position: 8), .text, position: 8))
        XCTAssertEqual(expr("BOOLEAN 'true'"), .cast(.literal(.text("true"), position: 16), .boolean, position: 8))
        XCTAssertEqual(shape("int8 '5' + 1"), "(+ (CAST '5' BIGINT) 1)")
        XCTAssertEqual(shape("double precision '1.5'"), "(CAST '1.5' DOUBLE PRECISION)")
        XCTAssertEqual(shape("varchar 'x'"), "(CAST 'x' TEXT)")
        XCTAssertEqual(shape("DATE '2024-01-01'"), "(CAST '2024-01-01' DATE)")
        XCTAssertEqual(shape("TIMESTAMP '2024-01-01 10:00'"), "(CAST '2024-01-01 10:00' TIMESTAMP)")
        XCTAssertEqual(shape("timestamp with time zone '2024-01-01'"), "(CAST '2024-01-01' TIMESTAMPTZ)")
        XCTAssertEqual(shape("INTERVAL '1 day'"), "(CAST '1 day' INTERVAL)")
        // Types Core does not know yet fail with 42704 at the type name, after normalization.
        assertError("SELECT TIME WITHOUT TIME ZONE '10:00'", "42704", "type \"time\" does not exist", at: 8)
        assertError("SELECT a 'x'", "42704", "type \"a\" does not exist", at: 8)
        assertSyntaxError("SELECT timestamp with 'x'", near: "with", at: 18)
        XCTAssertEqual(shape("date"), "date")
        XCTAssertEqual(shape("timestamp + interval"), "(+ timestamp interval)")
    }

    func testCastTypeNames() {
        let known: [(String, String)] = [
            ("x::numeric", "DOUBLE PRECISION"), ("x::NUMERIC(10, 2)", "DOUBLE PRECISION"), ("x::decimal(5)", "DOUBLE PRECISION"),
            ("x::dec", "DOUBLE PRECISION"), ("x::timestamp(3)", "TIMESTAMP"), ("x::timestamp(3) with time zone", "TIMESTAMPTZ"),
            ("x::timestamptz", "TIMESTAMPTZ"), ("x::uuid", "UUID"), ("x::json", "JSON"), ("x::jsonb", "JSONB"),
            ("x::bytea", "BYTEA"), ("x::date", "DATE"), ("CAST(x AS interval)", "INTERVAL"),
            ("x::vector(3)", "VECTOR(3)"), ("x::VECTOR", "VECTOR"), ("CAST(x AS vector(16000))", "VECTOR(16000)"),
            ("x::\"vector\"(2)", "VECTOR(2)"),
        ]
        for (sql, type) in known { XCTAssertEqual(shape(sql), "(CAST x \(type))", sql) }
        for (sql, name) in [("x::time with time zone", "timetz"), ("x::\"VECTOR\"(3)", "VECTOR")] {
            assertError("SELECT \(sql)", "42704", "type \"\(name)\" does not exist", at: position(sql))
        }
        XCTAssertEqual(shape("x::varchar(10)"), "(CAST x TEXT)")
        XCTAssertEqual(shape("x::char varying"), "(CAST x TEXT)")
        assertSyntaxError("SELECT x::numeric(1, 2, 3)", near: ",", at: 23)
        assertSyntaxError("SELECT x::numeric(a)", near: "a", at: 19)
        assertSyntaxError("SELECT x::int[]", near: "[", at: 14)
        assertSyntaxError("SELECT x::timestamp without zone", near: "zone", at: 29)
    }

    /// Where the type name starts in `SELECT <sql>`.
    private func position(_ sql: String) -> Int {
        if sql.hasPrefix("CAST") { return 18 }
        return 11
    }

    func testDefaultOutsideValuesAndSet() {
        assertSyntaxError("SELECT DEFAULT", near: "DEFAULT", at: 8)
        assertSyntaxError("SELECT a FROM t WHERE a = DEFAULT", near: "DEFAULT", at: 27)
    }
}
