import Core

// The FROM clause: comma-separated items, each a table, a derived table
// `(query) [AS] alias [(c, …)]`, a function `name(args) [AS] alias`, or a
// join tree. Joins are left-associative (`a JOIN b ON x JOIN c ON y` is
// `(a ⋈ b) ⋈ c`); as in PostgreSQL, a qualified join whose right operand is
// followed by another join before its ON/USING takes that join as its right
// operand (`a JOIN b JOIN c ON x ON y` is `a ⋈ (b ⋈ c)`). INNER, LEFT, RIGHT
// and FULL joins need ON or USING; CROSS and NATURAL joins take neither. A
// parenthesized join tree `(a JOIN b ON …)` may stand wherever a table can,
// but PostgreSQL's alias on it is not supported (the AST has no place for
// it), nor is a parenthesized single table `(t)` (a syntax error there too).
// A table may carry `AS OF …` / `VERSIONS BETWEEN …` before its alias (see
// Parser+Branches.swift). `LATERAL` may precede a derived table or a
// function.

extension SQLParser {
    mutating func parseFromList() throws(SQLError) -> [FromItem] {
        var items: [FromItem] = []
        repeat { items.append(try parseFromItem()) } while accept(.comma)
        return items
    }

    /// One comma-separated FROM item: an operand and the joins after it.
    mutating func parseFromItem() throws(SQLError) -> FromItem {
        var (item, depth) = try parseFromOperand()
        while isJoinStart() { (item, depth) = try parseJoin(item, depth) }
        return item
    }

    /// Whether a join clause starts at the current token.
    func isJoinStart() -> Bool {
        guard check(.word) else { return false }
        switch tokens[index].keyword {
        case .join, .cross, .natural, .inner, .left, .right, .full: return true
        default: return false
        }
    }

    /// The position of a FROM item's first token (parentheses not counted).
    static func position(of item: FromItem) -> Int {
        switch item {
        case .table(let t): t.position
        case .subquery(_, _, _, let p), .function(_, _, _, let p): p
        case .join(let left, _, _, _, _): position(of: left)
        case .lateral(_, let p): p
        }
    }

    /// One join clause applied to `left` (`leftDepth` deep): the join and its depth.
    mutating func parseJoin(_ left: FromItem, _ leftDepth: Int) throws(SQLError) -> (FromItem, Int) {
        try enterNesting()
        defer { recursionDepth -= 1 }
        let position = Self.position(of: left)
        if accept(.cross) {
            try expect(.join)
            let (right, rightDepth) = try parseFromOperand()
            let depth = max(leftDepth, rightDepth) + 1
            try noteDepth(depth)
            return (.join(left, right, kind: .cross, condition: .none, position: position), depth)
        }
        let natural = accept(.natural)
        var kind = JoinKind.inner
        if accept(.left) {
            kind = .left
        } else if accept(.right) {
            kind = .right
        } else if accept(.full) {
            kind = .full
        } else {
            _ = accept(.inner)
        }
        if kind != .inner { _ = accept(.outer) }
        try expect(.join)
        var (right, rightDepth) = try parseFromOperand()
        var depth = max(leftDepth, rightDepth) + 1
        let condition: JoinCondition
        if natural {
            condition = .natural
        } else {
            while isJoinStart() {
                (right, rightDepth) = try parseJoin(right, rightDepth)
                depth = max(depth, rightDepth + 1)
            }
            if accept(.on) {
                let on = try parseExpression()
                depth = max(depth, expressionDepth + 1)
                condition = .on(on)
            } else if check(.using) {
                advance()
                condition = .using(try parseIdentifierList())
            } else {
                throw unexpected()
            }
        }
        try noteDepth(depth)
        return (.join(left, right, kind: kind, condition: condition, position: position), depth)
    }

    /// A table, function, derived table or parenthesized join, and its depth.
    mutating func parseFromOperand() throws(SQLError) -> (FromItem, Int) {
        let token = tokens[index]
        if accept(.lateral) {
            // LATERAL applies to a derived table or a function, not to a table or a join.
            let operand = tokens[index]
            let (item, depth) = try parseFromOperand()
            switch item {
            case .subquery, .function: return (.lateral(item, position: token.position), depth)
            default: throw syntaxError(at: operand)
            }
        }
        if token.kind == .leftParen { return try parseParenthesizedFromOperand() }
        if peek(1).kind == .leftParen,
           isIdentifier(token) || (token.kind == .word && token.keyword?.reservation == .typeOrFunction) {
            return try parseFromFunction(name: takeText(), position: token.position)
        }
        if peek(1).kind == .dot, peek(3).kind == .leftParen, isIdentifier(token) {
            let schema = takeText()
            advance()
            let name = try parseLabel()
            return try parseFromFunction(name: schema == "public" ? name : schema + "." + name, position: token.position)
        }
        let name = try parseQualifiedName()
        var reference = TableReference(name: name, alias: nil, position: token.position)
        var depth = 1
        if isTemporalClauseStart() {
            let (temporal, temporalDepth) = try parseTemporalClause()
            reference.temporal = temporal
            depth = temporalDepth + 1
            try noteDepth(depth)
        }
        if let alias = try parseAlias() {
            reference.alias = alias
            if check(.leftParen) { reference.columnAliases = try parseIdentifierList() }
        }
        return (.table(reference), depth)
    }

    /// `[AS] alias` after a FROM operand, if present.
    mutating func parseAlias() throws(SQLError) -> String? {
        if accept(.as) { return try parseIdentifier() }
        if isBareTableAlias(tokens[index]) { return takeText() }
        return nil
    }

    /// `name(args) [[AS] alias]`, with the current token at `(`.
    private mutating func parseFromFunction(name: String, position: Int) throws(SQLError) -> (FromItem, Int) {
        try expect(.leftParen)
        var arguments: [Expression] = []
        expressionDepth = 0
        if !check(.rightParen) { arguments = try parseExpressionList() }
        let depth = expressionDepth + 1
        try expect(.rightParen)
        try noteDepth(depth)
        let alias = try parseAlias()
        if alias != nil, check(.leftParen) {
            throw unsupported("a column alias list on a function in FROM", at: tokens[index].position)
        }
        return (.function(name: name, arguments: arguments, alias: alias, position: position), depth)
    }

    /// What a parenthesized FROM operand turned out to be.
    private enum ParenthesizedFrom {
        case query(Query, depth: Int)
        case join(FromItem, depth: Int)
    }

    /// `(query) [AS] alias [(c, …)]` or `(join tree)`.
    private mutating func parseParenthesizedFromOperand() throws(SQLError) -> (FromItem, Int) {
        let open = next()
        switch try parseParenthesizedFromContents() {
        case .query(let query, let depth):
            let alias = try parseAlias()
            let columns = alias != nil && check(.leftParen) ? try parseIdentifierList() : nil
            try noteDepth(depth + 1)
            return (.subquery(query, alias: alias, columnAliases: columns, position: open.position), depth + 1)
        case .join(let join, let depth):
            if check(.as) || isBareTableAlias(tokens[index]) {
                throw unsupported("an alias on a parenthesized join", at: tokens[index].position)
            }
            return (join, depth)
        }
    }

    /// The contents of a parenthesized FROM operand and its `)`, the `(` consumed.
    private mutating func parseParenthesizedFromContents() throws(SQLError) -> ParenthesizedFrom {
        try enterNesting()
        defer { recursionDepth -= 1 }
        if isQueryStart(tokens[index]) {
            let query = try parseQuery()
            try expect(.rightParen)
            return .query(query, depth: queryDepth)
        }
        var item: FromItem
        var depth: Int
        if check(.leftParen) {
            let open = next()
            switch try parseParenthesizedFromContents() {
            case .query(let query, let queryDepth):
                if isQueryContinuation() {
                    let whole = try parseQuery(first: Self.operand(query), firstDepth: queryDepth + 1)
                    try expect(.rightParen)
                    return .query(whole, depth: self.queryDepth)
                }
                if accept(.rightParen) { return .query(query, depth: queryDepth) }
                let alias = try parseAlias()
                let columns = alias != nil && check(.leftParen) ? try parseIdentifierList() : nil
                item = .subquery(query, alias: alias, columnAliases: columns, position: open.position)
                depth = queryDepth + 1
            case .join(let join, let joinDepth):
                if check(.as) || isBareTableAlias(tokens[index]) {
                    throw unsupported("an alias on a parenthesized join", at: tokens[index].position)
                }
                item = join
                depth = joinDepth
                if accept(.rightParen) { return .join(item, depth: depth) }
            }
        } else {
            (item, depth) = try parseFromOperand()
        }
        guard isJoinStart() else { throw unexpected() }
        while isJoinStart() { (item, depth) = try parseJoin(item, depth) }
        try expect(.rightParen)
        return .join(item, depth: depth)
    }
}
