import Core

// Operands with a grammar of their own: parentheses (expression, row
// constructor or subquery), EXISTS, ROW(…), ARRAY[…], `op ANY|ALL (…)`,
// function calls with OVER, CAST, CASE, typed literals, the niladic
// CURRENT_DATE family, and the SQL-standard call syntaxes EXTRACT,
// SUBSTRING, POSITION and TRIM.
//
// A `(` may open an expression `(a + b)`, a row `(a, b)`, or a query
// `(SELECT …)`, and a query may itself start with parentheses:
// `((SELECT 1) UNION (SELECT 2))`. `parseParenthesized` decides: a query
// keyword right after the `(` means a query; a run of `(` ending in a query
// keyword means the innermost one is a query, and what follows its `)`
// tells whether the enclosing parentheses continue that query (UNION,
// ORDER BY, …) or an expression.

extension SQLParser {
    /// What a parenthesized construct turned out to be.
    enum Parenthesized {
        case query(Query, depth: Int)
        /// The items between the parentheses; `expressionDepth` is the deepest's.
        case expressions([Expression])
    }

    /// `(query)` or `(e, …)`, from the `(` through the `)`.
    @inline(never)
    mutating func parseParenthesized() throws(SQLError) -> Parenthesized {
        let open = next()
        if isQueryStart(tokens[index]) {
            let query = try parseQuery()
            try expect(.rightParen)
            return .query(query, depth: queryDepth)
        }
        guard check(.leftParen), parenthesesLeadToQuery() else {
            let list = try parseExpressionList()
            try expect(.rightParen)
            return .expressions(list)
        }
        try enterNesting()
        defer { recursionDepth -= 1 }
        let innerPosition = tokens[index].position
        let first: Expression
        switch try parseParenthesized() {
        case .query(let query, let depth):
            if isQueryContinuation() {
                let whole = try parseQuery(first: Self.operand(query), firstDepth: depth + 1)
                try expect(.rightParen)
                return .query(whole, depth: queryDepth)
            }
            if accept(.rightParen) { return .query(query, depth: depth) }
            first = try node(.subquery(query, position: innerPosition), childDepth: depth)
        case .expressions(let items):
            first = items.count == 1 ? items[0] : try node(.row(items, position: innerPosition), childDepth: expressionDepth)
        }
        var list = [try parseOperators(after: first, 0)]
        var depth = expressionDepth
        while accept(.comma) {
            list.append(try parseExpression())
            depth = max(depth, expressionDepth)
        }
        guard accept(.rightParen) else { throw unexpected() }
        expressionDepth = depth
        _ = open
        return .expressions(list)
    }

    /// A parenthesized operand: `(e)` is `e`, `(a, b)` a row, `(SELECT …)` a scalar subquery.
    @inline(never)
    mutating func parseParenthesizedOperand() throws(SQLError) -> Expression {
        let position = tokens[index].position
        switch try parseParenthesized() {
        case .query(let query, let depth):
            return try node(.subquery(query, position: position), childDepth: depth)
        case .expressions(let items):
            if items.count == 1 { return items[0] }
            return try node(.row(items, position: position), childDepth: expressionDepth)
        }
    }

    /// The operands that start with a keyword; nil when `keyword` starts none here.
    @inline(never)
    mutating func parseKeywordOperand(_ keyword: Keyword) throws(SQLError) -> Expression? {
        let position = tokens[index].position
        let call = peek(1).kind == .leftParen
        switch keyword {
        case .not: return try parseUnary()
        case .case: return try parseCase()
        case .cast: return try parseCast()
        case .exists where call:
            advance()
            guard case .query(let query, let depth) = try parseParenthesized() else {
                throw SQLError(SQLState.syntaxError, "EXISTS needs a subquery", position: position)
            }
            return try node(.exists(query, position: position), childDepth: depth)
        case .row where call:
            advance(); advance()
            if accept(.rightParen) { return try node(.row([], position: position), childDepth: 0) }
            let items = try parseExpressionList()
            try expect(.rightParen)
            return try node(.row(items, position: position), childDepth: expressionDepth)
        case .array:
            advance()
            guard check(.leftBracket) else {
                if check(.leftParen) { throw unsupported("ARRAY(subquery)", at: tokens[index].position) }
                throw unexpected()
            }
            return try parseArrayElements(at: position)
        case .current_date, .current_time, .current_timestamp, .localtime, .localtimestamp,
             .current_user, .session_user, .current_role, .current_catalog, .user:
            advance()
            if check(.leftParen) { throw unsupported("a precision for \(keyword.rawValue.uppercased())", at: tokens[index].position) }
            return try node(.special(keyword.rawValue, position: position), childDepth: 0)
        case .current_schema where !call:
            advance()
            return try node(.special(keyword.rawValue, position: position), childDepth: 0)
        case .extract where call: return try parseExtract()
        case .substring where call: return try parseSubstring()
        case .position where call: return try parsePosition()
        case .trim where call: return try parseTrim()
        default: return nil
        }
    }

    /// `[e, …]` after ARRAY (inner brackets may omit ARRAY: `ARRAY[[1, 2], [3, 4]]`).
    private mutating func parseArrayElements(at position: Int) throws(SQLError) -> Expression {
        try enterNesting()
        defer { recursionDepth -= 1 }
        try expect(.leftBracket)
        var items: [Expression] = []
        var depth = 0
        if !check(.rightBracket) {
            repeat {
                if check(.leftBracket) {
                    items.append(try parseArrayElements(at: tokens[index].position))
                } else {
                    items.append(try parseExpression())
                }
                depth = max(depth, expressionDepth)
            } while accept(.comma)
        }
        try expect(.rightBracket)
        return try node(.array(items, position: position), childDepth: depth)
    }

    /// `ANY|SOME|ALL (query)`, `(ARRAY[…])` or `(a, b, …)` after `left op`.
    @inline(never)
    mutating func parseQuantified(_ op: BinaryOperator, _ left: Expression) throws(SQLError) -> Expression {
        let quantifier: Quantifier = check(.all) ? .all : .any
        advance()
        let open = tokens[index]
        switch try parseParenthesized() {
        case .query(let query, let depth):
            expressionDepth = depth
            return .quantified(op, left, quantifier, .subquery(query), position: left.position)
        case .expressions(let items):
            if items.count > 1 { return .quantified(op, left, quantifier, .list(items), position: left.position) }
            if case .array(let elements, _) = items[0] {
                return .quantified(op, left, quantifier, .list(elements), position: left.position)
            }
            throw unsupported("\(quantifier.rawValue) over an array value (write \(quantifier.rawValue) (ARRAY[…]), "
                                + "a list or a subquery)", at: open.position)
        }
    }

    /// `name(*)`, `name()`, `name([DISTINCT|ALL] a, …)`, each optionally
    /// followed by `OVER w` or `OVER (…)`.
    @inline(never)
    mutating func parseFunctionCall() throws(SQLError) -> Expression {
        let name = tokens[index].text
        let position = tokens[index].position
        advance()
        advance()
        var star = false, distinct = false
        var arguments: [Expression] = []
        var clauses = AggregateClauses()
        if accept(.star) {
            star = true
            expressionDepth = 0
        } else {
            distinct = accept(.distinct)
            let qualified = distinct || accept(.all)
            if qualified || !check(.rightParen) {
                arguments = try parseExpressionList()
            } else {
                expressionDepth = 0
            }
            if accept(.order) {
                try expect(.by)
                clauses.orderBy = try parseOrderBy()
            }
        }
        guard accept(.rightParen) else { throw unexpected() }
        var depth = expressionDepth
        if check(.filter), peek(1).kind == .leftParen {
            advance(); advance()
            try expect(.where)
            clauses.filter = try parseExpression()
            try expect(.rightParen)
            depth = max(depth, expressionDepth)
        }
        if check(.word), tokens[index].text == "within", check(.group, at: 1) {
            throw unsupported("WITHIN GROUP", at: tokens[index].position)
        }
        guard accept(.over) else {
            return try node(.function(name: name, arguments: arguments, distinct: distinct, star: star,
                                      clauses: clauses == AggregateClauses() ? nil : clauses, position: position), childDepth: depth)
        }
        if clauses.filter != nil || !clauses.orderBy.isEmpty {
            throw unsupported("\(clauses.filter != nil ? "FILTER" : "ORDER BY") on a window function", at: position)
        }
        if distinct {
            throw SQLError(SQLState.featureNotSupported, "DISTINCT is not implemented for window functions",
                           position: position)
        }
        let over: WindowSpecification
        if check(.leftParen) {
            over = try parseWindowSpecification()
            depth = max(depth, expressionDepth)
        } else {
            over = WindowSpecification(baseName: try parseIdentifier())
        }
        return try node(.window(name: name, arguments: arguments, star: star, over: over, position: position),
                        childDepth: depth)
    }

    /// `([base] [PARTITION BY …] [ORDER BY …] [{ROWS|RANGE|GROUPS} frame])`;
    /// `expressionDepth` becomes the deepest expression's.
    mutating func parseWindowSpecification() throws(SQLError) -> WindowSpecification {
        try expect(.leftParen)
        var spec = WindowSpecification()
        var depth = 0
        if isIdentifier(tokens[index]), !check(.partition), !check(.rows), !check(.range), !check(.groups) {
            spec.baseName = takeText()
        }
        if accept(.partition) {
            try expect(.by)
            spec.partitionBy = try parseExpressionList()
            depth = expressionDepth
        }
        if accept(.order) {
            try expect(.by)
            spec.orderBy = try parseOrderBy()
            // The order items' depths are not kept; the query's deepest bounds them.
            depth = max(depth, deepest)
        }
        if check(.rows) || check(.range) || check(.groups) {
            spec.frame = try parseWindowFrame(&depth)
        }
        try expect(.rightParen)
        expressionDepth = depth
        return spec
    }

    /// `{ROWS|RANGE|GROUPS} {bound | BETWEEN bound AND bound}` with PostgreSQL's checks (42P20).
    private mutating func parseWindowFrame(_ depth: inout Int) throws(SQLError) -> WindowFrame {
        let units: WindowFrame.Units = check(.rows) ? .rows : check(.range) ? .range : .groups
        advance()
        let windowingError = "42P20"
        if accept(.between) {
            let startPosition = tokens[index].position
            let start = try parseFrameBound(&depth)
            try expect(.and)
            let endPosition = tokens[index].position
            let end = try parseFrameBound(&depth)
            switch (start, end) {
            case (.unboundedFollowing, _):
                throw SQLError(windowingError, "frame start cannot be UNBOUNDED FOLLOWING", position: startPosition)
            case (_, .unboundedPreceding):
                throw SQLError(windowingError, "frame end cannot be UNBOUNDED PRECEDING", position: endPosition)
            case (.currentRow, .preceding):
                throw SQLError(windowingError, "frame starting from current row cannot have preceding rows",
                               position: endPosition)
            case (.following, .preceding), (.following, .currentRow):
                throw SQLError(windowingError, "frame starting from following row cannot have preceding rows",
                               position: endPosition)
            default:
                break
            }
            if check(.word), tokens[index].text == "exclude" { throw unsupported("EXCLUDE", at: tokens[index].position) }
            return WindowFrame(units: units, start: start, end: end)
        }
        let startPosition = tokens[index].position
        let start = try parseFrameBound(&depth)
        switch start {
        case .unboundedFollowing:
            throw SQLError(windowingError, "frame start cannot be UNBOUNDED FOLLOWING", position: startPosition)
        case .following:
            throw SQLError(windowingError, "frame starting from following row cannot end with current row",
                           position: startPosition)
        default:
            break
        }
        if check(.word), tokens[index].text == "exclude" { throw unsupported("EXCLUDE", at: tokens[index].position) }
        return WindowFrame(units: units, start: start, end: .currentRow)
    }

    /// `UNBOUNDED PRECEDING|FOLLOWING`, `CURRENT ROW` or `e PRECEDING|FOLLOWING`.
    private mutating func parseFrameBound(_ depth: inout Int) throws(SQLError) -> WindowFrame.Bound {
        if accept(.unbounded) {
            if accept(.preceding) { return .unboundedPreceding }
            try expect(.following)
            return .unboundedFollowing
        }
        if check(.current), check(.row, at: 1) {
            advance(); advance()
            return .currentRow
        }
        let offset = try parseExpression()
        depth = max(depth, expressionDepth)
        if accept(.preceding) { return .preceding(offset) }
        try expect(.following)
        return .following(offset)
    }

    /// `CAST(e AS type)`.
    @inline(never)
    mutating func parseCast() throws(SQLError) -> Expression {
        let position = tokens[index].position
        advance()
        guard accept(.leftParen) else { throw unexpected() }
        let operand = try parseExpression()
        let depth = expressionDepth
        guard accept(.as) else { throw unexpected() }
        let type = try parseType()
        guard accept(.rightParen) else { throw unexpected() }
        return try node(.cast(operand, type, position: position), childDepth: depth)
    }

    /// `type 'string'`: a cast of the string (`DATE '2024-01-01'`, `INTERVAL '1 day'`).
    @inline(never)
    mutating func parseTypedLiteral() throws(SQLError) -> Expression {
        let position = tokens[index].position
        let type = try parseType()
        let string = try expect(.string)
        return try node(.cast(.literal(.text(string.text), position: string.position), type, position: position),
                        childDepth: 1)
    }

    /// `CASE [operand] WHEN c THEN r … [ELSE e] END`.
    @inline(never)
    mutating func parseCase() throws(SQLError) -> Expression {
        let position = tokens[index].position
        advance()
        var depth = 0
        var operand: Expression?
        if !check(.when) {
            operand = try parseExpression()
            depth = expressionDepth
        }
        guard check(.when) else { throw unexpected() }
        var branches: [WhenClause] = []
        while accept(.when) {
            let condition = try parseExpression()
            depth = max(depth, expressionDepth)
            guard accept(.then) else { throw unexpected() }
            let result = try parseExpression()
            depth = max(depth, expressionDepth)
            branches.append(WhenClause(condition: condition, result: result))
        }
        var elseResult: Expression?
        if accept(.else) {
            elseResult = try parseExpression()
            depth = max(depth, expressionDepth)
        }
        guard accept(.end) else { throw unexpected() }
        return try node(.caseWhen(operand: operand, branches: branches, elseResult: elseResult, position: position),
                        childDepth: depth)
    }
}
