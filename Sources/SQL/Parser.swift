import Core

// The parser: a hand-written recursive-descent parser over the lexer's token
// array, producing the AST of AST.swift (PostgreSQL's grammar, the parts of
// it the AST can express).
//
// Layout: this file holds the entry point, token and name helpers and the
// small statements (transactions, savepoints, SET, EXPLAIN);
// Parser+Query.swift holds queries (WITH, set operations, SELECT, VALUES,
// ORDER BY / LIMIT); Parser+From.swift the FROM clause (joins, derived
// tables); Parser+DML.swift INSERT, UPDATE, DELETE; Parser+DDL.swift and
// Parser+Schema.swift the CREATE / DROP / ALTER / TRUNCATE statements;
// Parser+Branches.swift branch statements, VACUUM and time travel on tables;
// Parser+Types.swift type names; Parser+Expressions.swift expressions by
// precedence climbing; Parser+Operands.swift the operands with a grammar of
// their own (parentheses and subqueries, function calls and windows,
// CASE, CAST, EXTRACT, …); Parser+StackGuard.swift the stack check.
//
// Positions: every node carries the 1-based character position of its first
// token. Statements take the position of their first keyword. An expression
// built from a left operand and an operator (binary operators, IS NULL,
// LIKE, IN, BETWEEN, `::`, `op ANY (…)`) takes the position of its left
// operand (`left.position`, so parentheses around the left operand do not
// count); prefix operators, function calls, CAST and CASE take the position
// of their own first token; a negative numeric literal folded from `-` takes
// the position of the `-`; a subquery or row constructor in parentheses
// takes the position of its `(`. Joins take the position of their left
// operand, like binary operators.
//
// Errors are SQLErrors with PostgreSQL's SQLSTATEs and messages:
// `syntax error at or near "x"` / `syntax error at end of input` (42601).
// Constructs PostgreSQL has but the AST cannot express fail with a 42601
// naming the construct ("… is not supported").
//
// Depth: nesting deeper than `maxDepth` fails with 54001 ("stack depth limit
// exceeded"), as does nesting that would nearly exhaust the current thread's
// stack (see `StackGuard`), so no input can overflow the stack. Every
// recursive construct counts itself through `enterNesting()` (expressions,
// queries, parenthesized FROM items and query operands). Trees handed on are
// at most `maxDepth` deep, counting through subqueries: `expressionDepth`
// is the depth of the expression just parsed, `deepest` the deepest thing
// parsed so far in the current query, `queryDepth` the depth of the query
// just parsed (one more than everything in it, joins and set operations
// included).

public enum Parser {
    /// Parses one or more `;`-separated statements (empty statements between
    /// semicolons are skipped; a trailing `;` is allowed). Input with no
    /// statement at all is a syntax error.
    public static func parse(_ sql: String) throws(SQLError) -> [Statement] {
        var parser = try SQLParser(sql: sql)
        return try parser.parseStatements()
    }
}

package struct SQLParser {
    /// Deepest nesting accepted, both in parser recursion and in the depth of
    /// the produced tree (which later stages walk recursively).
    package static let maxDepth = 1000

    let sql: String
    let tokens: [Token]
    var index = 0
    /// Current nesting of recursive parsing functions (see `enterNesting`).
    var recursionDepth = 0
    /// Depth of the tree the last expression-parsing function returned.
    var expressionDepth = 0
    /// Depth of the deepest expression or structure parsed in the current query.
    var deepest = 0
    /// Depth of the query `parseQuery` last returned.
    var queryDepth = 0
    /// Set up once nesting gets deep; see `enterNesting`.
    var stackGuard: StackGuard?
    /// The last run of `(` scanned by `parenthesesLeadToQuery`: its first
    /// index, the index after it, and whether a query follows it.
    var parenthesisRun = (start: -1, end: -1, query: false)

    package init(sql: String) throws(SQLError) {
        self.sql = sql
        tokens = try Lexer.tokenize(sql)
    }

    // MARK: - Token helpers

    func peek(_ offset: Int) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    /// Moves past the current token (never past the end-of-input token).
    mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    /// Returns the current token and moves past it.
    mutating func next() -> Token {
        let token = tokens[index]
        advance()
        return token
    }

    func check(_ kind: TokenKind) -> Bool { tokens[index].kind == kind }

    /// Whether the token `offset` ahead is the non-keyword word `text` (lower case).
    func isWord(_ text: String, at offset: Int = 0) -> Bool {
        let token = peek(offset)
        return token.kind == .word && token.keyword == nil && token.text == text
    }

    func check(_ keyword: Keyword) -> Bool {
        tokens[index].kind == .word && tokens[index].keyword == keyword
    }

    /// Whether the token `offset` ahead is `keyword`.
    func check(_ keyword: Keyword, at offset: Int) -> Bool {
        let token = peek(offset)
        return token.kind == .word && token.keyword == keyword
    }

    mutating func accept(_ kind: TokenKind) -> Bool {
        if check(kind) { advance(); return true }
        return false
    }

    mutating func accept(_ keyword: Keyword) -> Bool {
        if check(keyword) { advance(); return true }
        return false
    }

    @discardableResult
    mutating func expect(_ kind: TokenKind) throws(SQLError) -> Token {
        guard check(kind) else { throw unexpected() }
        return next()
    }

    @discardableResult
    mutating func expect(_ keyword: Keyword) throws(SQLError) -> Token {
        guard check(keyword) else { throw unexpected() }
        return next()
    }

    /// The source text from the start of token `first` to the end of token `last`.
    func sourceText(from first: Int, through last: Int) -> String {
        let utf8 = sql.utf8
        let from = utf8.index(utf8.startIndex, offsetBy: tokens[first].start)
        let to = utf8.index(utf8.startIndex, offsetBy: tokens[last].end)
        return String(decoding: utf8[from..<to], as: UTF8.self)
    }

    /// The token's text as written.
    func sourceText(of token: Token) -> String {
        let utf8 = sql.utf8
        let from = utf8.index(utf8.startIndex, offsetBy: token.start)
        let to = utf8.index(utf8.startIndex, offsetBy: token.end)
        return String(decoding: utf8[from..<to], as: UTF8.self)
    }

    @inline(never)
    func syntaxError(at token: Token) -> SQLError {
        if token.kind == .endOfInput { return .syntax("syntax error at end of input", at: token.position) }
        return .syntax("syntax error at or near \"\(sourceText(of: token))\"", at: token.position)
    }

    /// A syntax error at the current token.
    @inline(never)
    func unexpected() -> SQLError { syntaxError(at: tokens[index]) }

    /// A 42601 for a construct the AST cannot express, at `position`.
    @inline(never)
    func unsupported(_ what: String, at position: Int) -> SQLError {
        SQLError(SQLState.syntaxError, "\(what) is not supported", position: position)
    }

    // MARK: - Names

    /// Whether `token` can be a column or table name (PostgreSQL's ColId): a
    /// quoted identifier, or a word that is not a reserved or type/function keyword.
    func isIdentifier(_ token: Token) -> Bool {
        switch token.kind {
        case .quotedIdentifier: true
        case .word: token.keyword.map { $0.reservation == .unreserved } ?? true
        default: false
        }
    }

    /// A column, table or alias name.
    mutating func parseIdentifier() throws(SQLError) -> String {
        guard isIdentifier(tokens[index]) else { throw unexpected() }
        return takeText()
    }

    /// `(a, b, …)`: a parenthesized list of identifiers (at least one).
    mutating func parseIdentifierList() throws(SQLError) -> [String] {
        try expect(.leftParen)
        var names: [String] = []
        repeat { names.append(try parseIdentifier()) } while accept(.comma)
        try expect(.rightParen)
        return names
    }

    /// A name after `AS` in a select list or after a dot: any word, even reserved.
    mutating func parseLabel() throws(SQLError) -> String {
        guard check(.word) || check(.quotedIdentifier) else { throw unexpected() }
        return takeText()
    }

    /// A possibly schema-qualified table name: `t`, `s.t`, `db.s.t`, kept
    /// dotted (`information_schema.tables`) except that a leading `public.`
    /// is dropped.
    mutating func parseQualifiedName() throws(SQLError) -> String {
        let first = try parseIdentifier()
        guard check(.dot) else { return first }
        var parts = [first]
        while parts.count < 3, accept(.dot) { parts.append(try parseLabel()) }
        if parts[0] == "public" { parts.removeFirst() }
        return parts.joined(separator: ".")
    }

    /// The current token's text, moving past it.
    mutating func takeText() -> String {
        let text = tokens[index].text
        advance()
        return text
    }

    /// Whether `token` can be a column alias without `AS`.
    func isBareColumnAlias(_ token: Token) -> Bool { isIdentifier(token) }

    /// Whether `token` can be a table alias without `AS`. Every word that may
    /// follow a table reference is reserved or a type/function keyword,
    /// except UPDATE's SET, which `parseUpdate` excludes itself.
    func isBareTableAlias(_ token: Token) -> Bool { isIdentifier(token) }

    // MARK: - Statements

    mutating func parseStatements() throws(SQLError) -> [Statement] {
        var statements: [Statement] = []
        while true {
            while accept(.semicolon) {}
            if check(.endOfInput) { break }
            statements.append(try parseStatement())
            guard check(.semicolon) || check(.endOfInput) else { throw unexpected() }
        }
        if statements.isEmpty { throw unexpected() }
        return statements
    }

    mutating func parseStatement() throws(SQLError) -> Statement {
        if check(.leftParen) { return .select(try parseQuery()) }
        if isWord("refresh") { return .refreshMaterializedView(try parseRefreshMaterializedView()) }
        if isWord("reset") { return try parseReset() }
        guard check(.word), let keyword = tokens[index].keyword else { throw unexpected() }
        switch keyword {
        case .select, .with, .values: return .select(try parseQuery())
        case .insert: return .insert(try parseInsert())
        case .update: return .update(try parseUpdate())
        case .delete: return .delete(try parseDelete())
        case .create: return try parseCreate()
        case .drop: return try parseDrop()
        case .alter:
            if isWord("materialized", at: 1) { return .alterMaterializedView(try parseAlterMaterializedView()) }
            return .alterTable(try parseAlterTable())
        case .truncate: return try parseTruncate()
        case .explain: return try parseExplain()
        case .set: return try parseSet()
        case .merge: return try parseMergeBranch()
        case .use: return try parseUseBranch()
        case .show: return try parseShow()
        case .vacuum: return try parseVacuum()
        case .begin:
            advance()
            if !accept(.transaction) { _ = accept(.work) }
            return .begin
        case .start:
            advance()
            try expect(.transaction)
            return .begin
        case .commit, .end:
            advance()
            if !accept(.transaction) { _ = accept(.work) }
            return .commit
        case .abort:
            advance()
            if !accept(.transaction) { _ = accept(.work) }
            return .rollback
        case .rollback:
            advance()
            if !accept(.transaction) { _ = accept(.work) }
            guard accept(.to) else { return .rollback }
            _ = accept(.savepoint)
            return .rollbackToSavepoint(try parseIdentifier())
        case .savepoint:
            advance()
            return .savepoint(try parseIdentifier())
        case .release:
            advance()
            _ = accept(.savepoint)
            return .releaseSavepoint(try parseIdentifier())
        default:
            throw unexpected()
        }
    }

    /// `EXPLAIN [ANALYZE] statement`, for the statements PostgreSQL can explain.
    mutating func parseExplain() throws(SQLError) -> Statement {
        advance()
        let analyze = accept(.analyze) || accept(.analyse)
        if check(.leftParen) {
            return .explain(.select(try parseQuery()), analyze: analyze)
        }
        switch tokens[index].keyword {
        case .select, .with, .values, .insert, .update, .delete:
            return .explain(try parseStatement(), analyze: analyze)
        case .create where check(.table, at: 1):
            let createToken = tokens[index]
            let statement = try parseStatement()
            guard case .createTable(let create) = statement, create.asQuery != nil else {
                throw SQLError(SQLState.syntaxError, "EXPLAIN CREATE TABLE needs AS and a query",
                               position: createToken.position)
            }
            return .explain(statement, analyze: analyze)
        default:
            throw unexpected()
        }
    }

    /// `SET [SESSION | LOCAL] name {= | TO} value [, value …]` and
    /// `SET [SESSION | LOCAL] TIME ZONE value`. The name may be dotted
    /// (`hnsw.ef_search`). A value is a literal (`'x'`, `10`, `-1.5`, `true`),
    /// a name (as text: `on`, `off`, `warning`) or DEFAULT; several values
    /// are joined into one text, comma-separated, as PostgreSQL does.
    mutating func parseSet() throws(SQLError) -> Statement {
        let setToken = next()
        let local = !accept(.session) && accept(.local)
        var name: String
        if check(.time) && check(.zone, at: 1) {
            advance(); advance()
            name = "timezone"
        } else {
            name = try parseIdentifier()
            while accept(.dot) { name += "." + (try parseLabel()) }
            guard accept(.equal) || accept(.to) else { throw unexpected() }
        }
        var values: [(Expression, String)] = []
        repeat {
            values.append(try parseSetValue())
        } while accept(.comma)
        if values.count == 1 { return .set(name: name, value: values[0].0, local: local, position: setToken.position) }
        if values.contains(where: { if case .defaultValue = $0.0 { true } else { false } }) {
            throw syntaxError(at: tokens[index - 1])
        }
        let text = values.map(\.1).joined(separator: ", ")
        return .set(name: name, value: .literal(.text(text), position: values[0].0.position),
                    local: local, position: setToken.position)
    }

    /// One SET value and its text for a list.
    mutating func parseSetValue() throws(SQLError) -> (Expression, String) {
        let token = tokens[index]
        let position = token.position
        switch token.kind {
        case .string:
            advance()
            return (.literal(.text(token.text), position: position), token.text)
        case .integer, .numeric, .minus, .plus:
            let negative = token.kind == .minus
            if token.kind == .minus || token.kind == .plus { advance() }
            let number = tokens[index]
            guard number.kind == .integer || number.kind == .numeric else { throw unexpected() }
            advance()
            let text = (negative ? "-" : "") + sourceText(of: number)
            if number.kind == .integer, number.integer <= UInt64(Int64.max) {
                let value = Int64(number.integer)
                return (.literal(.integer(negative ? -value : value), position: position), text)
            }
            let value = number.kind == .integer ? Double(number.integer) : number.double
            return (.literal(.double(negative ? -value : value), position: position), text)
        case .word where token.keyword == .true || token.keyword == .false:
            advance()
            return (.literal(.boolean(token.keyword == .true), position: position), token.text)
        case .word where token.keyword == .default:
            advance()
            return (.defaultValue(position: position), "default")
        case .word where token.keyword == .on || token.keyword == .local || isIdentifier(token):
            advance()
            return (.literal(.text(token.text), position: position), token.text)
        case .quotedIdentifier:
            advance()
            return (.literal(.text(token.text), position: position), token.text)
        default:
            throw unexpected()
        }
    }
}
