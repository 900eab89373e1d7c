import Core
import SQL
import XCTest

final class ExpressionTests: ParserTestCase {
    func testPrecedence() {
        let cases: [(String, String)] = [
            ("1 + 2 * 3", "(+ 1 (* 2 3))"),
            ("1 * 2 + 3", "(+ (* 1 2) 3)"),
            ("1 - 2 - 3", "(- (- 1 2) 3)"),
            ("8 / 4 / 2 % 3", "(% (/ (/ 8 4) 2) 3)"),
            ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
            ("a OR b AND c", "(OR a (AND b c))"),
            ("a AND b OR c", "(OR (AND a b) c)"),
            ("a OR b OR c", "(OR (OR a b) c)"),
            ("NOT a = b", "(NOT (= a b))"),
            ("NOT a AND b", "(AND (NOT a) b)"),
            ("NOT NOT a", "(NOT (NOT a))"),
            ("a = NOT b", "(= a (NOT b))"),
            ("NOT a IS NULL", "(NOT (IS NULL a))"),
            ("a = b IS NULL", "(IS NULL (= a b))"),
            ("a IS NULL = b", "(= (IS NULL a) b)"),
            ("a IS NOT NULL IS NULL", "(IS NULL (IS NOT NULL a))"),
            ("a < b AND c >= d", "(AND (< a b) (>= c d))"),
            ("a || b = c || d", "(= (|| a b) (|| c d))"),
            ("a || b + c", "(|| a (+ b c))"),
            ("a + b || c", "(|| (+ a b) c)"),
            ("a || b || c", "(|| (|| a b) c)"),
            ("-a * b", "(* (- a) b)"),
            ("- a + b", "(+ (- a) b)"),
            ("+a", "(+ a)"),
            ("-a::int", "(- (CAST a INTEGER))"),
            ("a::int + 1", "(+ (CAST a INTEGER) 1)"),
            ("a::text::int", "(CAST (CAST a TEXT) INTEGER)"),
            ("a BETWEEN 1 AND 2 AND b", "(AND (BETWEEN a 1 2) b)"),
            ("a BETWEEN 1 + 1 AND 2 * 3", "(BETWEEN a (+ 1 1) (* 2 3))"),
            ("a NOT BETWEEN b AND c OR d", "(OR (NOT BETWEEN a b c) d)"),
            ("a = 1 BETWEEN 0 AND 2", "(= a (BETWEEN 1 0 2))"),
            ("a IN (1, 2) = b", "(= (IN a [1 2]) b)"),
            ("a + 1 IN (1, 2 + 3)", "(IN (+ a 1) [1 (+ 2 3)])"),
            ("a NOT IN (1) AND b", "(AND (NOT IN a [1]) b)"),
            ("a IN (1) IN (true)", "(IN (IN a [1]) [TRUE])"),
            ("a LIKE 'x%' OR b NOT LIKE 'y'", "(OR (LIKE a 'x%') (NOT LIKE b 'y'))"),
            ("a ILIKE b || '%'", "(ILIKE a (|| b '%'))"),
            ("a NOT ILIKE 'x' = true", "(= (NOT ILIKE a 'x') TRUE)"),
            ("NOT a LIKE b", "(NOT (LIKE a b))"),
            ("a ISNULL", "(IS NULL a)"),
            ("a NOTNULL OR b", "(OR (IS NOT NULL a) b)"),
            ("a != b", "(<> a b)"),
            ("a <> b", "(<> a b)"),
            ("1 = 1 AND NOT false OR a IS NOT NULL", "(OR (AND (= 1 1) (NOT FALSE)) (IS NOT NULL a))"),
            ("((((a))))", "a"),
            ("-(-1)", "1"),
            ("- -1", "1"),
            ("2 - -1", "(- 2 -1)"),
            ("2--1", "2"),
            ("a*-1", "(* a -1)"),
        ]
        for (sql, expected) in cases {
            XCTAssertEqual(shape(sql), expected, sql)
        }
    }

    func testNonAssociativeOperators() {
        assertSyntaxError("SELECT a = b = c", near: "=", at: 14)
        assertSyntaxError("SELECT a < b < c", near: "<", at: 14)
        assertSyntaxError("SELECT a = b <> c", near: "<>", at: 14)
        assertSyntaxError("SELECT a LIKE b LIKE c", near: "LIKE", at: 17)
        assertSyntaxError("SELECT a BETWEEN 1 AND 2 BETWEEN 3 AND 4", near: "BETWEEN", at: 26)
        XCTAssertEqual(shape("(a = b) = c"), "(= (= a b) c)")
    }

    func testLiterals() {
        XCTAssertEqual(expr("42"), .literal(.integer(42), position: 8))
        XCTAssertEqual(expr("-42"), .literal(.integer(-42), position: 8))
        XCTAssertEqual(expr("- 42"), .literal(.integer(-42), position: 8))
        XCTAssertEqual(expr("9223372036854775807"), .literal(.integer(.max), position: 8))
        XCTAssertEqual(expr("-9223372036854775808"), .literal(.integer(.min), position: 8))
        XCTAssertEqual(expr("9223372036854775808"), .literal(.double(9223372036854775808), position: 8))
        XCTAssertEqual(expr("-9223372036854775809"), .literal(.double(-9223372036854775808.0), position: 8))
        XCTAssertEqual(expr("123456789012345678901234567890"), .literal(.double(1.2345678901234568e29), position: 8))
        XCTAssertEqual(expr("1.5"), .literal(.double(1.5), position: 8))
        XCTAssertEqual(expr("-.5"), .literal(.double(-0.5), position: 8))
        XCTAssertEqual(expr("1e3"), .literal(.double(1000), position: 8))
        XCTAssertEqual(expr("'it''s'"), .literal(.text("it's"), position: 8))
        XCTAssertEqual(expr("E'a\\tb'"), .literal(.text("a\tb"), position: 8))
        XCTAssertEqual(expr("TRUE"), .literal(.boolean(true), position: 8))
        XCTAssertEqual(expr("false"), .literal(.boolean(false), position: 8))
        XCTAssertEqual(expr("NULL"), .literal(.null, position: 8))
        // Not folded: a cast binds tighter than unary minus, and NULL/strings stay operands.
        XCTAssertEqual(shape("-9223372036854775808::bigint"), "(- (CAST 9.223372036854776e+18d BIGINT))")
        XCTAssertEqual(shape("-'1'"), "(- '1')")
        XCTAssertEqual(shape("-NULL"), "(- NULL)")
        XCTAssertEqual(shape("- -9223372036854775808"), "(- -9223372036854775808)")
        XCTAssertEqual(shape("-$1"), "(- $1)")
    }

    func testParameters() {
        XCTAssertEqual(expr("$1"), .parameter(1, position: 8))
        XCTAssertEqual(shape("$12 + $3"), "(+ $12 $3)")
        assertError("SELECT $0", "42P02", "there is no parameter $0", at: 8)
        assertError("SELECT a FROM t WHERE a = $0", "42P02", "there is no parameter $0", at: 27)
    }

    func testExpressionPositions() {
        // Operator nodes take the position of their left operand (ignoring parentheses).
        XCTAssertEqual(expr("a + b"), .binary(.add, .column(table: nil, name: "a", position: 8),
                                              .column(table: nil, name: "b", position: 12), position: 8))
        XCTAssertEqual(expr("(1 + 2) * 3")?.position, 9)
        XCTAssertEqual(expr("x IS NULL")?.position, 8)
        XCTAssertEqual(expr("  x  BETWEEN 1 AND 2")?.position, 10)
        XCTAssertEqual(expr("t.x::text"), .cast(.column(table: "t", name: "x", position: 8), .text, position: 8))
        XCTAssertEqual(expr("NOT x"), .unary(.not, .column(table: nil, name: "x", position: 12), position: 8))
        XCTAssertEqual(expr("- x"), .unary(.minus, .column(table: nil, name: "x", position: 10), position: 8))
        XCTAssertEqual(expr("x NOT IN (1)"), .inList(.column(table: nil, name: "x", position: 8),
                                                     [.literal(.integer(1), position: 18)], negated: true, position: 8))
        XCTAssertEqual(expr("x NOT LIKE 'a'"), .like(.column(table: nil, name: "x", position: 8),
                                                     pattern: .literal(.text("a"), position: 19), negated: true,
                                                     caseInsensitive: false, position: 8))
        XCTAssertEqual(expr("x NOT BETWEEN 1 AND 2"), .between(.column(table: nil, name: "x", position: 8),
                                                               low: .literal(.integer(1), position: 22),
                                                               high: .literal(.integer(2), position: 28),
                                                               negated: true, position: 8))
        XCTAssertEqual(expr("x IS NOT NULL"), .isNull(.column(table: nil, name: "x", position: 8), negated: true,
                                                      position: 8))
        XCTAssertEqual(select("SELECT 'é', b")?.items.last,
                       .expression(.column(table: nil, name: "b", position: 13), alias: nil))
    }

    func testFunctionCalls() {
        XCTAssertEqual(expr("COUNT(*)"), .function(name: "count", arguments: [], distinct: false, star: true, position: 8))
        XCTAssertEqual(expr("count(DISTINCT a)"), .function(name: "count",
                                                            arguments: [.column(table: nil, name: "a", position: 23)],
                                                            distinct: true, star: false, position: 8))
        XCTAssertEqual(expr("now()"), .function(name: "now", arguments: [], distinct: false, star: false, position: 8))
        XCTAssertEqual(shape("Lower(name) || UPPER('x')"), "(|| lower(name) upper('x'))")
        XCTAssertEqual(shape("coalesce(a, b, 1 + 2)"), "coalesce(a, b, (+ 1 2))")
        XCTAssertEqual(shape("sum(ALL x)"), "sum(x)")
        XCTAssertEqual(shape("left(s, 2) || right(s, 1)"), "(|| left(s, 2) right(s, 1))")
        XCTAssertEqual(shape(#""MyFunc"(1)"#), "MyFunc(1)")
        XCTAssertEqual(shape("f(g(h(1)))"), "f(g(h(1)))")
        XCTAssertEqual(shape("abs(-1) * 2"), "(* abs(-1) 2)")
        assertSyntaxError("SELECT count(DISTINCT *)", near: "*", at: 23)
        assertSyntaxError("SELECT count(DISTINCT)", near: ")", at: 22)
        assertSyntaxError("SELECT count(*, a)", near: ",", at: 15)
        assertSyntaxError("SELECT f(1,)", near: ")", at: 12)
        assertSyntaxError("SELECT f(1", near: nil, at: 11)
        assertSyntaxError("SELECT left FROM t", near: "left", at: 8)
        assertSyntaxError("SELECT from(1)", near: "from", at: 8)
    }

    func testCasts() {
        XCTAssertEqual(expr("CAST(a AS BIGINT)"), .cast(.column(table: nil, name: "a", position: 13), .bigint, position: 8))
        XCTAssertEqual(shape("cast('1.5' as double precision)"), "(CAST '1.5' DOUBLE PRECISION)")
        XCTAssertEqual(shape("'x'::varchar(3)"), "(CAST 'x' TEXT)")
        XCTAssertEqual(shape("x::character varying::bool"), "(CAST (CAST x TEXT) BOOLEAN)")
        XCTAssertEqual(shape("1::int2 + 2::int8"), "(+ (CAST 1 SMALLINT) (CAST 2 BIGINT))")
        assertError("SELECT CAST(1 AS blob)", "42704", "type \"blob\" does not exist", at: 18)
        assertError("SELECT 1::Nope", "42704", "type \"nope\" does not exist", at: 11)
        assertSyntaxError("SELECT CAST(1 AS)", near: ")", at: 17)
        assertSyntaxError("SELECT CAST(1, int)", near: ",", at: 14)
        assertSyntaxError("SELECT CAST 1", near: "1", at: 13)
        assertSyntaxError("SELECT 1::", near: nil, at: 11)
        assertSyntaxError("SELECT 1::select", near: "select", at: 11)
    }

    func testCase() {
        XCTAssertEqual(shape("CASE WHEN a > 1 THEN 'big' WHEN a IS NULL THEN 'none' ELSE 'small' END"),
                       "(CASE (WHEN (> a 1) 'big') (WHEN (IS NULL a) 'none') (ELSE 'small'))")
        XCTAssertEqual(shape("case x when 1 then 'one' end"), "(CASE x (WHEN 1 'one'))")
        XCTAssertEqual(shape("CASE WHEN a THEN CASE WHEN b THEN 1 END END + 1"),
                       "(+ (CASE (WHEN a (CASE (WHEN b 1)))) 1)")
        XCTAssertEqual(expr("CASE WHEN true THEN 1 END"), .caseWhen(
            operand: nil, branches: [WhenClause(condition: .literal(.boolean(true), position: 18),
                                                result: .literal(.integer(1), position: 28))],
            elseResult: nil, position: 8))
        assertSyntaxError("SELECT CASE END", near: "END", at: 13)
        assertSyntaxError("SELECT CASE x END", near: "END", at: 15)
        assertSyntaxError("SELECT CASE WHEN a THEN 1", near: nil, at: 26)
        assertSyntaxError("SELECT CASE WHEN a 1 END", near: "1", at: 20)
        assertSyntaxError("SELECT CASE WHEN a THEN 1 ELSE END", near: "END", at: 32)
    }

    func testPredicateErrors() {
        assertSyntaxError("SELECT a IS", near: nil, at: 12)
        assertSyntaxError("SELECT a IS 1", near: "1", at: 13)
        assertSyntaxError("SELECT a IS NOT 1", near: "1", at: 17)
        assertSyntaxError("SELECT a IN ()", near: ")", at: 14)
        assertSyntaxError("SELECT a IN 1", near: "1", at: 13)
        assertSyntaxError("SELECT a IN (1", near: nil, at: 15)
        assertSyntaxError("SELECT a BETWEEN 1", near: nil, at: 19)
        assertSyntaxError("SELECT a BETWEEN 1 OR 2", near: "OR", at: 20)
        assertSyntaxError("SELECT a NOT 1", near: "NOT", at: 10)
        assertSyntaxError("SELECT a LIKE", near: nil, at: 14)
        assertSyntaxError("SELECT NOT", near: nil, at: 11)
        assertSyntaxError("SELECT 1 +", near: nil, at: 11)
        assertSyntaxError("SELECT (1", near: nil, at: 10)
        assertSyntaxError("SELECT 1)", near: ")", at: 9)
        assertSyntaxError("SELECT ()", near: ")", at: 9)
        assertSyntaxError("SELECT (1, 2", near: nil, at: 13)
        assertSyntaxError("SELECT t.", near: nil, at: 10)
        assertSyntaxError("SELECT t.1", near: ".1", at: 9)
        assertSyntaxError("SELECT a.b.c.d FROM t", near: ".", at: 13)
        assertSyntaxError("SELECT a.* + 1", near: "+", at: 12)
        assertSyntaxError("SELECT count(t.*)", near: "*", at: 16)
    }

}
