import Core

// Queries: `[WITH [RECURSIVE] …] body [ORDER BY …] [LIMIT …] [OFFSET …] [FETCH …]`,
// where the body is SELECT blocks, VALUES lists and parenthesized queries
// combined by UNION / EXCEPT and (binding tighter) INTERSECT, all
// left-associative. A parenthesized operand with its own WITH, ORDER BY,
// LIMIT or OFFSET becomes `.nested`; otherwise its body is used directly
// (the tree's shape keeps the grouping). ORDER BY / LIMIT / OFFSET after the
// last operand apply to the whole query, as in PostgreSQL.

extension SQLParser {
    /// Whether `token` starts a query (not counting a `(`).
    func isQueryStart(_ token: Token) -> Bool {
        guard token.kind == .word else { return false }
        switch token.keyword {
        case .select, .values, .with: return true
        default: return false
        }
    }

    /// Whether the current token continues a query after an operand.
    func isQueryContinuation() -> Bool {
        guard check(.word) else { return false }
        switch tokens[index].keyword {
        case .union, .intersect, .except, .order, .limit, .offset, .fetch: return true
        default: return false
        }
    }

    /// Whether the run of `(` starting at the current token ends in a query
    /// start, as in `((SELECT 1) UNION …)`. Remembers the run it scanned, so
    /// deep nesting is scanned once.
    mutating func parenthesesLeadToQuery() -> Bool {
        if index >= parenthesisRun.start && index < parenthesisRun.end { return parenthesisRun.query }
        var k = index
        while tokens[k].kind == .leftParen { k += 1 }
        parenthesisRun = (start: index, end: k, query: isQueryStart(tokens[k]))
        return parenthesisRun.query
    }

    /// Records that something `depth` deep was built in the current query.
    mutating func noteDepth(_ depth: Int) throws(SQLError) {
        if depth > Self.maxDepth { throw depthError() }
        if depth > deepest { deepest = depth }
    }

    /// A complete query. With `first`, the query's first operand has been
    /// parsed already (`firstDepth` deep) and the query continues after it.
    mutating func parseQuery(first: QueryBody? = nil, firstDepth: Int = 0) throws(SQLError) -> Query {
        // A statement's own query does not count as nesting; the constructs
        // that nest queries (parentheses, WITH) count themselves as well.
        let nested = recursionDepth > 0
        if nested { try enterNesting() }
        defer { if nested { recursionDepth -= 1 } }
        let saved = deepest
        deepest = firstDepth
        let position = tokens[index].position
        var with: [CommonTableExpression] = []
        var recursive = false
        if first == nil, accept(.with) {
            recursive = accept(.recursive)
            repeat { with.append(try parseCommonTableExpression()) } while accept(.comma)
        }
        let body = try parseQueryBody(first: first, firstDepth: firstDepth)
        var query = Query(with: with, recursive: recursive, body: body, position: first == nil ? position : 0)
        if first != nil { query.position = Self.position(of: body) }
        if accept(.order) {
            try expect(.by)
            query.orderBy = try parseOrderBy()
        }
        try parseLimitOffset(into: &query)
        let depth = deepest + 1
        if depth > Self.maxDepth { throw depthError() }
        deepest = max(saved, depth)
        queryDepth = depth
        // `(SELECT … LIMIT 1)` alone is that query.
        if case .nested(let inner) = query.body, query.with.isEmpty, query.orderBy.isEmpty, query.limit == nil,
           query.offset == nil {
            return inner
        }
        return query
    }

    /// The position of a query body's first token.
    static func position(of body: QueryBody) -> Int {
        switch body {
        case .select(let s): s.position
        case .values(_, let p): p
        case .setOperation(_, _, let left, _): position(of: left)
        case .nested(let q): q.position
        }
    }

    /// `name [(c1, …)] AS (query)`.
    private mutating func parseCommonTableExpression() throws(SQLError) -> CommonTableExpression {
        let position = tokens[index].position
        let name = try parseIdentifier()
        let columns = check(.leftParen) ? try parseIdentifierList() : nil
        try expect(.as)
        // `[NOT] MATERIALIZED`: a planning hint in PostgreSQL; the query's
        // answer is the same either way, so it is read and dropped.
        let hinted = accept(.not)
        if check(.word) && tokens[index].text == "materialized" {
            advance()
        } else if hinted {
            throw unexpected()
        }
        try expect(.leftParen)
        try enterNesting()
        defer { recursionDepth -= 1 }
        let query = try parseQuery()
        try expect(.rightParen)
        return CommonTableExpression(name: name, columns: columns, query: query, position: position)
    }

    /// Operands joined by UNION and EXCEPT.
    private mutating func parseQueryBody(first: QueryBody?, firstDepth: Int) throws(SQLError) -> QueryBody {
        var (left, depth) = try parseIntersection(first: first, firstDepth: firstDepth)
        while check(.union) || check(.except) {
            let op: SetOperator = check(.union) ? .union : .except
            advance()
            let all = accept(.all)
            if !all { _ = accept(.distinct) }
            let (right, rightDepth) = try parseIntersection(first: nil, firstDepth: 0)
            left = .setOperation(op, all: all, left, right)
            depth = max(depth, rightDepth) + 1
            try noteDepth(depth)
        }
        return left
    }

    /// Operands joined by INTERSECT, and the tree's depth.
    private mutating func parseIntersection(first: QueryBody?, firstDepth: Int) throws(SQLError) -> (QueryBody, Int) {
        var left: QueryBody
        var depth: Int
        if let first {
            left = first; depth = firstDepth
        } else {
            (left, depth) = try parseQueryOperand()
        }
        while accept(.intersect) {
            let all = accept(.all)
            if !all { _ = accept(.distinct) }
            let (right, rightDepth) = try parseQueryOperand()
            left = .setOperation(.intersect, all: all, left, right)
            depth = max(depth, rightDepth) + 1
            try noteDepth(depth)
        }
        return (left, depth)
    }

    /// A SELECT block, a VALUES list or a parenthesized query, and its depth
    /// (one more than the deepest thing in it).
    private mutating func parseQueryOperand() throws(SQLError) -> (QueryBody, Int) {
        if check(.select) || check(.values) {
            let saved = deepest
            deepest = 0
            let operand: QueryBody
            if check(.select) {
                operand = .select(try parseSelectBlock())
            } else {
                let token = next()
                operand = .values(try parseValuesRows(allowDefault: false).rows, position: token.position)
            }
            let depth = deepest + 1
            try noteDepth(depth)
            deepest = max(saved, depth)
            return (operand, depth)
        }
        guard accept(.leftParen) else { throw unexpected() }
        try enterNesting()
        defer { recursionDepth -= 1 }
        let query = try parseQuery()
        try expect(.rightParen)
        return (Self.operand(query), queryDepth + 1)
    }

    /// A parenthesized query as an operand of a set operation.
    static func operand(_ query: Query) -> QueryBody {
        if query.with.isEmpty && query.orderBy.isEmpty && query.limit == nil && query.offset == nil {
            return query.body
        }
        return .nested(query)
    }

    /// `(e, …), (e, …)` after VALUES; all rows must have the same length.
    /// With `allowDefault` an item may be DEFAULT (`firstDefault` is the
    /// position of the first); otherwise DEFAULT fails as in PostgreSQL.
    mutating func parseValuesRows(allowDefault: Bool) throws(SQLError) -> (rows: [[Expression]], firstDefault: Int?) {
        var rows: [[Expression]] = []
        var firstDefault: Int?
        repeat {
            let open = try expect(.leftParen)
            var row: [Expression] = []
            repeat {
                if check(.default), peek(1).kind == .comma || peek(1).kind == .rightParen {
                    let token = next()
                    if !allowDefault {
                        throw SQLError(SQLState.syntaxError, "DEFAULT is not allowed in this context",
                                       position: token.position)
                    }
                    if firstDefault == nil { firstDefault = token.position }
                    row.append(.defaultValue(position: token.position))
                } else {
                    row.append(try parseExpression())
                }
            } while accept(.comma)
            try expect(.rightParen)
            if let first = rows.first, first.count != row.count {
                throw SQLError(SQLState.syntaxError, "VALUES lists must all be the same length", position: open.position)
            }
            rows.append(row)
        } while accept(.comma)
        return (rows, firstDefault)
    }

    // MARK: - SELECT

    /// `SELECT [ALL | DISTINCT [ON (…)]] items [FROM …] [WHERE …] [GROUP BY …]
    /// [HAVING …] [WINDOW …]`.
    mutating func parseSelectBlock() throws(SQLError) -> Select {
        let selectToken = try expect(.select)
        var select = Select(items: [], position: selectToken.position)
        if accept(.distinct) {
            select.distinct = true
            if accept(.on) {
                try expect(.leftParen)
                select.distinctOn = try parseExpressionList()
                try expect(.rightParen)
            }
        } else {
            _ = accept(.all)
        }
        select.items = try parseSelectItems()
        if accept(.from) { select.from = try parseFromList() }
        select.whereClause = try parseWhere()
        if accept(.group) {
            try expect(.by)
            select.groupBy = try parseExpressionList()
        }
        if accept(.having) { select.having = try parseExpression() }
        if accept(.window) {
            repeat {
                let name = try parseIdentifier()
                try expect(.as)
                select.windows.append(NamedWindow(name: name, window: try parseWindowSpecification()))
            } while accept(.comma)
        }
        return select
    }

    /// A select list or RETURNING list: `*`, `t.*`, `s.t.*`, `expr [[AS] alias]`, …
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
        if peek(1).kind == .dot, isIdentifier(tokens[index]) {
            if peek(2).kind == .star {
                let table = takeText()
                advance(); advance()
                return .wildcard(table: table, position: position)
            }
            if peek(3).kind == .dot, peek(4).kind == .star, peek(2).kind == .word || peek(2).kind == .quotedIdentifier {
                let schema = takeText()
                advance()
                let table = takeText()
                advance(); advance()
                return .wildcard(table: schema == "public" ? table : schema + "." + table, position: position)
            }
        }
        let expression = try parseExpression()
        if accept(.as) { return .expression(expression, alias: try parseLabel()) }
        if isBareColumnAlias(tokens[index]) { return .expression(expression, alias: takeText()) }
        return .expression(expression, alias: nil)
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

    /// `LIMIT e|ALL`, `OFFSET e [ROW|ROWS]` and `FETCH {FIRST|NEXT} [e] {ROW|ROWS} ONLY`
    /// (a LIMIT), in any order, each at most once.
    mutating func parseLimitOffset(into query: inout Query) throws(SQLError) {
        var sawLimit = false, sawOffset = false
        while true {
            let token = tokens[index]
            if check(.limit) || check(.fetch) {
                advance()
                if sawLimit {
                    throw SQLError(SQLState.syntaxError, "multiple LIMIT clauses not allowed", position: token.position)
                }
                sawLimit = true
                if token.keyword == .fetch {
                    (query.limit, query.withTies) = try parseFetchCount()
                    continue
                }
                if accept(.all) { query.limit = nil; continue }
                query.limit = try parseExpression()
                if check(.comma) {
                    throw SQLError(SQLState.syntaxError, "LIMIT #,# syntax is not supported", position: token.position)
                }
            } else if check(.offset) {
                advance()
                if sawOffset {
                    throw SQLError(SQLState.syntaxError, "multiple OFFSET clauses not allowed", position: token.position)
                }
                sawOffset = true
                query.offset = try parseExpression()
                if !accept(.rows) { _ = accept(.row) }
            } else {
                return
            }
        }
    }

    /// The rest of `FETCH {FIRST|NEXT} [count] {ROW|ROWS} {ONLY|WITH TIES}`:
    /// the count (1 when omitted) and whether ties come along.
    private mutating func parseFetchCount() throws(SQLError) -> (Expression, Bool) {
        guard accept(.first) || accept(.next) else { throw unexpected() }
        var count: Expression = .literal(.integer(1), position: tokens[index].position)
        if !check(.row) && !check(.rows) { count = try parseExpression(Precedence.additive) }
        guard accept(.row) || accept(.rows) else { throw unexpected() }
        if accept(.with) {
            guard check(.word), tokens[index].text == "ties" else { throw unexpected() }
            advance()
            return (count, true)
        }
        try expect(.only)
        return (count, false)
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
