import Core
import SQL
import XCTest

final class LexerTests: XCTestCase {
    private func kinds(_ sql: String) throws -> [TokenKind] {
        try Lexer.tokenize(sql).map(\.kind)
    }

    private func lexError(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> SQLError? {
        do throws(SQLError) {
            _ = try Lexer.tokenize(sql)
            XCTFail("expected an error for \(sql)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testEmptyInputIsJustEnd() throws {
        let tokens = try Lexer.tokenize("")
        XCTAssertEqual(tokens.count, 1)
        XCTAssertEqual(tokens[0].kind, .endOfInput)
        XCTAssertEqual(tokens[0].position, 1)
        XCTAssertEqual(try Lexer.tokenize("  \n\t ").last?.position, 6)
    }

    func testWordsAreLowercasedAndKeywordsRecognised() throws {
        let tokens = try Lexer.tokenize("SELECT MyCol FrOm users_2 x$y")
        XCTAssertEqual(tokens.map(\.kind), [.word, .word, .word, .word, .word, .endOfInput])
        XCTAssertEqual(tokens.map(\.text), ["select", "mycol", "from", "users_2", "x$y", ""])
        XCTAssertEqual(tokens.map(\.keyword), [.select, nil, .from, nil, nil, nil])
        XCTAssertEqual(tokens.map(\.position), [1, 8, 14, 19, 27, 30])
    }

    func testKeywordReservation() {
        XCTAssertEqual(Keyword.select.reservation, .reserved)
        XCTAssertEqual(Keyword.left.reservation, .typeOrFunction)
        XCTAssertEqual(Keyword.key.reservation, .unreserved)
    }

    func testNonASCIIWordsAndCharacterPositions() throws {
        let tokens = try Lexer.tokenize("SELECT 'héllo', Ünïcode, é")
        XCTAssertEqual(tokens[1].text, "héllo")
        XCTAssertEqual(tokens[1].position, 8)
        XCTAssertEqual(tokens[2].kind, .comma)
        XCTAssertEqual(tokens[2].position, 15)
        // Only ASCII letters are folded.
        XCTAssertEqual(tokens[3].text, "Ünïcode")
        XCTAssertEqual(tokens[3].position, 17)
        XCTAssertEqual(tokens[5].text, "é")
        XCTAssertEqual(tokens[5].position, 26)
        XCTAssertEqual(tokens[6].position, 27)
        let emoji = try Lexer.tokenize("'😀😀' x")
        XCTAssertEqual(emoji[1].position, 6)
    }

    func testQuotedIdentifiers() throws {
        let tokens = try Lexer.tokenize(#""MyTable" "a""b" "select""#)
        XCTAssertEqual(tokens.map(\.kind), [.quotedIdentifier, .quotedIdentifier, .quotedIdentifier, .endOfInput])
        XCTAssertEqual(tokens.map(\.text), ["MyTable", "a\"b", "select", ""])
        XCTAssertEqual(tokens[2].keyword, nil)
        XCTAssertEqual(tokens.map(\.position), [1, 11, 18, 26])
    }

    func testStringLiterals() throws {
        let tokens = try Lexer.tokenize("'it''s' '' 'a\\nb' ''''")
        XCTAssertEqual(tokens.map(\.text), ["it's", "", "a\\nb", "'", ""])
        XCTAssertTrue(tokens.dropLast().allSatisfy { $0.kind == .string })
        XCTAssertEqual(try Lexer.tokenize("'multi\nline'")[0].text, "multi\nline")
    }

    func testDollarQuotedStrings() throws {
        let tokens = try Lexer.tokenize("$$it's \\n$$ $q$a $$ b$q$ $$$$ $_x1$[1,2]$_x1$ $1")
        XCTAssertEqual(tokens.map(\.kind), [.string, .string, .string, .string, .parameter, .endOfInput])
        XCTAssertEqual(tokens.prefix(4).map(\.text), ["it's \\n", "a $$ b", "", "[1,2]"])
        XCTAssertEqual(tokens[0].position, 1)
        let unterminated = lexError("SELECT $$abc")
        XCTAssertEqual(unterminated?.message, #"unterminated dollar-quoted string at or near "$$abc""#)
        XCTAssertEqual(unterminated?.position, 8)
        XCTAssertEqual(lexError("SELECT $q$abc$Q$")?.sqlState, "42601", "tags are case-sensitive")
        XCTAssertEqual(lexError("SELECT $x")?.message, #"syntax error at or near "$""#, "a tag needs its closing $")
    }

    func testEscapeStrings() throws {
        let tokens = try Lexer.tokenize(#"E'a\nb\t\\c\'d''e' e'\x41\101\u00e9\U0001F600\q'"#)
        XCTAssertEqual(tokens[0].kind, .string)
        XCTAssertEqual(tokens[0].text, "a\nb\t\\c'd'e")
        XCTAssertEqual(tokens[1].text, "AAé😀q")
        XCTAssertEqual(tokens[1].position, 20)
        // A word ending in e followed by a string is not an escape string.
        XCTAssertEqual(try kinds("type'x'"), [.word, .string, .endOfInput])
        XCTAssertEqual(lexError(#"E'\xff'"#)?.sqlState, "22021")
        XCTAssertEqual(lexError(#"E'\u12'"#)?.sqlState, "22025")
        XCTAssertEqual(lexError(#"E'\0'"#)?.sqlState, "22021")
        XCTAssertEqual(lexError(#"E'abc\'"#)?.message, #"unterminated quoted string at or near "E'abc\'""#)
    }

    func testNumbers() throws {
        let tokens = try Lexer.tokenize("0 42 9223372036854775807 9223372036854775808 99999999999999999999 1.5 .5 3. 1e10 2.5E-3 1e+2")
        XCTAssertEqual(tokens.map(\.kind), [.integer, .integer, .integer, .integer, .numeric, .numeric, .numeric,
                                            .numeric, .numeric, .numeric, .numeric, .endOfInput])
        XCTAssertEqual(tokens[1].integer, 42)
        XCTAssertEqual(tokens[2].integer, UInt64(Int64.max))
        XCTAssertEqual(tokens[3].integer, UInt64(Int64.max) + 1)
        XCTAssertEqual(tokens[4].double, 1e20)
        XCTAssertEqual(tokens[5].double, 1.5)
        XCTAssertEqual(tokens[6].double, 0.5)
        XCTAssertEqual(tokens[7].double, 3)
        XCTAssertEqual(tokens[8].double, 1e10)
        XCTAssertEqual(tokens[9].double, 0.0025)
        XCTAssertEqual(tokens[10].double, 100)
        XCTAssertEqual(try kinds("t.a"), [.word, .dot, .word, .endOfInput])
        XCTAssertEqual(try kinds("1.5.5"), [.numeric, .numeric, .endOfInput])
    }

    func testTrailingJunkAfterNumber() {
        let error = lexError("SELECT 123abc")
        XCTAssertEqual(error?.sqlState, "42601")
        XCTAssertEqual(error?.message, #"trailing junk after numeric literal at or near "123abc""#)
        XCTAssertEqual(error?.position, 8)
        XCTAssertEqual(lexError("1e")?.message, #"trailing junk after numeric literal at or near "1e""#)
        XCTAssertEqual(lexError("0x1F")?.position, 1)
    }

    func testParameters() throws {
        let tokens = try Lexer.tokenize("$1 $23 $0")
        XCTAssertEqual(tokens.map(\.kind), [.parameter, .parameter, .parameter, .endOfInput])
        XCTAssertEqual(tokens.map(\.integer), [1, 23, 0, 0])
        XCTAssertEqual(lexError("SELECT $")?.message, #"syntax error at or near "$""#)
        XCTAssertEqual(lexError("SELECT $x")?.position, 8)
        XCTAssertEqual(lexError("$1x")?.message, #"trailing junk after parameter at or near "$1x""#)
        XCTAssertEqual(lexError("$99999999999999999999999")?.sqlState, "22003")
    }

    func testOperators() throws {
        XCTAssertEqual(try kinds("+ - * / % || = <> != < <= > >= ( ) , . ; ::"),
                       [.plus, .minus, .star, .slash, .percent, .concat, .equal, .notEqual, .notEqual, .less,
                        .lessEqual, .greater, .greaterEqual, .leftParen, .rightParen, .comma, .dot, .semicolon,
                        .doubleColon, .endOfInput])
        XCTAssertEqual(try kinds("a<>-1"), [.word, .notEqual, .minus, .integer, .endOfInput])
        XCTAssertEqual(try kinds("a*-1"), [.word, .star, .minus, .integer, .endOfInput])
        XCTAssertEqual(try kinds("'a'::text"), [.string, .doubleColon, .word, .endOfInput])
        let tokens = try Lexer.tokenize("a>=b")
        XCTAssertEqual(tokens.map(\.position), [1, 2, 4, 5])
        XCTAssertEqual(tokens.map(\.start), [0, 1, 3, 4])
        XCTAssertEqual(tokens.map(\.end), [1, 3, 4, 4])
    }

    func testComments() throws {
        let sql = "SELECT -- a comment\n 1 /* block /* nested */ still */ + /**/ 2 -- trailing"
        let tokens = try Lexer.tokenize(sql)
        XCTAssertEqual(tokens.map(\.kind), [.word, .integer, .plus, .integer, .endOfInput])
        XCTAssertEqual(tokens[1].position, 22)
        XCTAssertEqual(try kinds("1--2"), [.integer, .endOfInput])
        XCTAssertEqual(try kinds("1-/**/-2"), [.integer, .minus, .minus, .integer, .endOfInput])
    }

    func testUnterminatedLiterals() {
        let string = lexError("SELECT 'abc")
        XCTAssertEqual(string?.sqlState, "42601")
        XCTAssertEqual(string?.message, #"unterminated quoted string at or near "'abc""#)
        XCTAssertEqual(string?.position, 8)
        let quoted = lexError("SELECT é, \"abc")
        XCTAssertEqual(quoted?.message, #"unterminated quoted identifier at or near ""abc""#)
        XCTAssertEqual(quoted?.position, 11)
        let comment = lexError("SELECT 1 /* a /* b */")
        XCTAssertEqual(comment?.message, #"unterminated /* comment at or near "/* a /* b */""#)
        XCTAssertEqual(comment?.position, 10)
        XCTAssertEqual(lexError("'it''s")?.position, 1)
        XCTAssertEqual(lexError(#"SELECT """#)?.message, #"zero-length delimited identifier at or near """""#)
    }

    func testUnknownCharacters() {
        for (sql, near, position) in [("x : y", ":", 3), ("SELECT \u{1}", "\u{1}", 8), ("a \\ b", "\\", 3),
                                      ("é { 1", "{", 3), ("SELECT 1 }", "}", 10)] {
            let error = lexError(sql)
            XCTAssertEqual(error?.sqlState, "42601", sql)
            XCTAssertEqual(error?.message, "syntax error at or near \"\(near)\"", sql)
            XCTAssertEqual(error?.position, position, sql)
        }
    }

    func testUnknownOperators() {
        for (sql, op, position) in [("a ! b", "!", 3), ("é @ 1", "@", 3), ("a !! b", "!!", 3), ("a @>- 1", "@>-", 3),
                                    ("a |-1", "|-", 3), ("SELECT ` 1", "`", 8), ("a =>> b", "=>>", 3)] {
            let error = lexError(sql)
            XCTAssertEqual(error?.sqlState, "42883", sql)
            XCTAssertEqual(error?.message, "operator does not exist: \(op)", sql)
            XCTAssertEqual(error?.position, position, sql)
        }
    }

    func testOperatorRuns() throws {
        let tokens = try Lexer.tokenize("-> ->> #> #>> @> <@ ? ?| ?& <-> <=> <#> ~ ~* !~ !~* & | # << >> ^ [ ]")
        XCTAssertEqual(tokens.dropLast().map(\.text), ["->", "->>", "#>", "#>>", "@>", "<@", "?", "?|", "?&", "<->",
                                                       "<=>", "<#>", "~", "~*", "!~", "!~*", "&", "|", "#", "<<",
                                                       ">>", "^", "", ""])
        XCTAssertEqual(tokens.suffix(3).map(\.kind), [.leftBracket, .rightBracket, .endOfInput])
        // A trailing + or - is split off a run of plain operator characters only.
        XCTAssertEqual(try kinds("a<-1"), [.word, .less, .minus, .integer, .endOfInput])
        XCTAssertEqual(try kinds("a<=-1"), [.word, .lessEqual, .minus, .integer, .endOfInput])
        XCTAssertEqual(try kinds("a=-+1"), [.word, .equal, .minus, .plus, .integer, .endOfInput])
        XCTAssertEqual(lexError("a?-1")?.message, "operator does not exist: ?-")
    }

    func testAllByteValuesNeverCrash() {
        for byte in 0..<128 {
            let sql = "SELECT \(Character(Unicode.Scalar(UInt8(byte)))) FROM t"
            do throws(SQLError) { _ = try Lexer.tokenize(sql) } catch {
                XCTAssertTrue(["42601", "42883"].contains(error.sqlState), sql)
            }
        }
    }
}
