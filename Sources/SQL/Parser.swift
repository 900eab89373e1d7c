import Core

// The parser: a hand-written recursive-descent parser over the lexer's token
// array, producing the AST of AST.swift.
//
// Layout: this file holds the entry point, token helpers and the DML
// statements (SELECT, INSERT, UPDATE, DELETE, transaction control);
// Parser+DDL.swift holds CREATE/DROP TABLE and type names;
// Parser+Expressions.swift holds expressions, parsed by precedence climbing
// with PostgreSQL's operator precedence.
//
// Positions: every node carries the 1-based character position of its first
// token. Statements take the position of their first keyword. An expression
// built from a left operand and an operator (binary operators, IS NULL,
// LIKE, IN, BETWEEN, `::`) takes the position of its left operand
// (`left.position`, so parentheses around the left operand do not count);
// prefix operators, function calls, CAST and CASE take the position of their
// own first token; a negative numeric literal folded from `-` takes the
// position of the `-`.
//
// Errors are SQLErrors with PostgreSQL's SQLSTATEs and messages:
// `syntax error at or near "x"` / `syntax error at end of input` (42601).
// Expressions nested deeper than `maxDepth` (parenthesis nesting or the
// depth of the resulting tree) fail with 54001 ("stack depth limit
// exceeded"), as does nesting that would nearly exhaust the current thread's
// stack (see `StackGuard`), so no input can overflow the stack. Trees handed
// on are at most `maxDepth` deep. New recursive constructs (subqueries, CTEs)
// must recurse through `parseExpression` or call `enterNesting()` themselves.

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
    /// Deepest expression nesting accepted, both in parser recursion and in
    /// the depth of the produced tree (which later stages walk recursively).
    package static let maxDepth = 1000

    let sql: String
    let tokens: [Token]
    var index = 0
    /// Current nesting of `parseExpression` calls.
    var recursionDepth = 0
    /// Depth of the tree the last expression-parsing function returned.
    var expressionDepth = 0
    /// Set up once nesting gets deep; see `enterNesting`.
    var stackGuard: StackGuard?

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

    func check(_ keyword: Keyword) -> Bool {
        tokens[index].kind == .word && tokens[index].keyword == keyword
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

    /// A name after `AS` in a select list or after a dot: any word, even reserved.
    mutating func parseLabel() throws(SQLError) -> String {
        guard check(.word) || check(.quotedIdentifier) else { throw unexpected() }
        return takeText()
    }

    /// The current token's text, moving past it.
    mutating func takeText() -> String {
        let text = tokens[index].text
        advance()
        return text
    }

    /// Whether `token` can be a column alias without `AS`.
    func isBareColumnAlias(_ token: Token) -> Bool { isIdentifier(token) }

    /// Whether `token` can be a table alias without `AS`. Constructs that may
    /// follow a table reference and start with a non-reserved word must be
    /// excluded here as they are added.
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
        guard check(.word), let keyword = tokens[index].keyword else { throw unexpected() }
        switch keyword {
        case .select: return .select(try parseSelect())
        case .insert: return .insert(try parseInsert())
        case .update: return .update(try parseUpdate())
        case .delete: return .delete(try parseDelete())
        case .create: return try parseCreate()
        case .drop: return try parseDrop()
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
        case .rollback, .abort:
            advance()
            if !accept(.transaction) { _ = accept(.work) }
            return .rollback
        default:
            throw unexpected()
        }
    }

    // MARK: - SELECT

    mutating func parseSelect() throws(SQLError) -> Query {
        let selectToken = try expect(.select)
        var select = Select(items: [], position: selectToken.position)
        var query = Query(body: .select(select), position: selectToken.position)
        if accept(.distinct) { select.distinct = true } else { _ = accept(.all) }
        select.items = try parseSelectItems()
        if accept(.from) {
            repeat { select.from.append(.table(try parseTableReference())) } while accept(.comma)
        }
        select.whereClause = try parseWhere()
        if accept(.group) {
            try expect(.by)
            select.groupBy = try parseExpressionList()
        }
        if accept(.having) { select.having = try parseExpression() }
        query.body = .select(select)
        if accept(.order) {
            try expect(.by)
            query.orderBy = try parseOrderBy()
        }
        try parseLimitOffset(into: &query)
        return query
    }

    /// A select list or RETURNING list: `*`, `t.*`, `expr [[AS] alias]`, …
    mutating func parseSelectItems() throws(SQLError) -> [SelectItem] {
        var items: [SelectItem] = []
        items.reserveCapacity(4)
        repeat {
            items.append(try parseSelectItem())
        } while accept(.comma)
        return items
    }

    mutating func parseSelectItem() throws(SQLError) -> SelectItem {
        let position = tokens[index].position
        if check(.star) {
            advance()
            return .wildcard(table: nil, position: position)
        }
        if peek(1).kind == .dot, peek(2).kind == .star, isIdentifier(tokens[index]) {
            let table = takeText()
            advance(); advance()
            return .wildcard(table: table, position: position)
        }
        let expression = try parseExpression()
        if accept(.as) { return .expression(expression, alias: try parseLabel()) }
        if isBareColumnAlias(tokens[index]) { return .expression(expression, alias: takeText()) }
        return .expression(expression, alias: nil)
    }

    /// `name [[AS] alias]`; joins, subqueries and AS OF will extend this.
    mutating func parseTableReference() throws(SQLError) -> TableReference {
        let position = tokens[index].position
        let name = try parseIdentifier()
        var alias: String?
        if accept(.as) {
            alias = try parseIdentifier()
        } else if isBareTableAlias(tokens[index]) {
            alias = takeText()
        }
        return TableReference(name: name, alias: alias, position: position)
    }

    mutating func parseOrderBy() throws(SQLError) -> [OrderItem] {
        var items: [OrderItem] = []
        repeat {
            let expression = try parseExpression()
            var descending = false
            if accept(.desc) { descending = true } else { _ = accept(.asc) }
            var nullsFirst: Bool?
            if accept(.nulls) {
                if accept(.first) {
                    nullsFirst = true
                } else {
                    try expect(.last)
                    nullsFirst = false
                }
            }
            items.append(OrderItem(expression: expression, descending: descending, nullsFirst: nullsFirst))
        } while accept(.comma)
        return items
    }

    /// `LIMIT e|ALL` and `OFFSET e [ROW|ROWS]`, in either order, each at most once.
    mutating func parseLimitOffset(into select: inout Query) throws(SQLError) {
        var sawLimit = false, sawOffset = false
        while true {
            let token = tokens[index]
            if check(.limit) {
                advance()
                if sawLimit {
                    throw SQLError(SQLState.syntaxError, "multiple LIMIT clauses not allowed", position: token.position)
                }
                sawLimit = true
                if accept(.all) { select.limit = nil; continue }
                select.limit = try parseExpression()
                if check(.comma) {
                    throw SQLError(SQLState.syntaxError, "LIMIT #,# syntax is not supported", position: token.position)
                }
            } else if check(.offset) {
                advance()
                if sawOffset {
                    throw SQLError(SQLState.syntaxError, "multiple OFFSET clauses not allowed", position: token.position)
                }
                sawOffset = true
                select.offset = try parseExpression()
                if !accept(.rows) { _ = accept(.row) }
            } else {
                return
            }
        }
    }

    // MARK: - INSERT, UPDATE, DELETE

    mutating func parseInsert() throws(SQLError) -> Insert {
        let insertToken = try expect(.insert)
        try expect(.into)
        let table = try parseIdentifier()
        var columns: [String]?
        var columnPositions: [Int] = []
        if accept(.leftParen) {
            var names: [String] = []
            repeat {
                let token = tokens[index]
                let name = try parseIdentifier()
                if names.contains(name) {
                    throw SQLError(SQLState.duplicateColumn, "column \"\(name)\" specified more than once",
                                   position: token.position)
                }
                names.append(name); columnPositions.append(token.position)
            } while accept(.comma)
            try expect(.rightParen)
            columns = names
        }
        try expect(.values)
        var rows: [[Expression]] = []
        repeat {
            let open = try expect(.leftParen)
            let row = try parseExpressionList()
            try expect(.rightParen)
            if let first = rows.first, first.count != row.count {
                throw SQLError(SQLState.syntaxError, "VALUES lists must all be the same length", position: open.position)
            }
            rows.append(row)
        } while accept(.comma)
        if let columns, let width = rows.first?.count {
            if width > columns.count {
                throw SQLError(SQLState.syntaxError, "INSERT has more expressions than target columns",
                               position: rows[0][columns.count].position)
            }
            if width < columns.count {
                throw SQLError(SQLState.syntaxError, "INSERT has more target columns than expressions",
                               position: columnPositions[width])
            }
        }
        let returning = try parseReturning()
        return Insert(table: table, columns: columns, source: .values(rows), returning: returning, position: insertToken.position)
    }

    mutating func parseUpdate() throws(SQLError) -> Update {
        let updateToken = try expect(.update)
        let table = try parseIdentifier()
        try expect(.set)
        var assignments: [Assignment] = []
        repeat {
            let token = tokens[index]
            let column = try parseIdentifier()
            if assignments.contains(where: { $0.column == column }) {
                throw SQLError(SQLState.syntaxError, "multiple assignments to same column \"\(column)\"",
                               position: token.position)
            }
            try expect(.equal)
            let value = try parseExpression()
            assignments.append(Assignment(column: column, value: value, position: token.position))
        } while accept(.comma)
        let whereClause = try parseWhere()
        let returning = try parseReturning()
        return Update(table: table, assignments: assignments, whereClause: whereClause,
                      returning: returning, position: updateToken.position)
    }

    mutating func parseDelete() throws(SQLError) -> Delete {
        let deleteToken = try expect(.delete)
        try expect(.from)
        let table = try parseIdentifier()
        let whereClause = try parseWhere()
        let returning = try parseReturning()
        return Delete(table: table, whereClause: whereClause, returning: returning, position: deleteToken.position)
    }

    mutating func parseWhere() throws(SQLError) -> Expression? {
        guard accept(.where) else { return nil }
        return try parseExpression()
    }

    mutating func parseReturning() throws(SQLError) -> [SelectItem]? {
        guard accept(.returning) else { return nil }
        return try parseSelectItems()
    }
}
