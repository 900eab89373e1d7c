import Core

// The SQL-standard call syntaxes, turned into plain function calls:
//
//   EXTRACT(field FROM e)            extract('field', e)   (field lower-cased)
//   SUBSTRING(e FROM a [FOR b])      substring(e, a[, b])
//   SUBSTRING(e FOR b)               substring(e, 1, b)
//   POSITION(a IN b)                 position(a, b)
//   TRIM([LEADING|TRAILING|BOTH] [x] FROM e)   ltrim / rtrim / btrim(e[, x])
//   TRIM(e[, x])                     btrim(e[, x])
//
// The comma forms (`substring(s, 1, 2)`) are ordinary calls. Each call takes
// the position of its name; an inserted literal that of the token it stands for.

extension SQLParser {
    /// `EXTRACT(field FROM e)`; the field is a name or a string.
    @inline(never)
    mutating func parseExtract() throws(SQLError) -> Expression {
        let position = tokens[index].position
        advance(); advance()
        let fieldToken = tokens[index]
        guard fieldToken.kind == .word || fieldToken.kind == .string || fieldToken.kind == .quotedIdentifier else {
            throw unexpected()
        }
        advance()
        try expect(.from)
        let source = try parseExpression()
        let depth = expressionDepth
        try expect(.rightParen)
        let field = Expression.literal(.text(fieldToken.text.lowercased()), position: fieldToken.position)
        return try node(.function(name: "extract", arguments: [field, source], distinct: false, star: false,
                                  position: position), childDepth: depth)
    }

    /// `SUBSTRING(e FROM a [FOR b])`, `SUBSTRING(e FOR b [FROM a])` or `substring(args)`.
    @inline(never)
    mutating func parseSubstring() throws(SQLError) -> Expression {
        let position = tokens[index].position
        advance(); advance()
        var arguments = [try parseExpression()]
        var depth = expressionDepth
        if check(.from) || check(.for) {
            var start: Expression?, count: Expression?
            var forPosition = 0
            while check(.from) || check(.for) {
                let keyword = next()
                if keyword.keyword == .from ? start != nil : count != nil { throw syntaxError(at: keyword) }
                let value = try parseExpression()
                depth = max(depth, expressionDepth)
                if keyword.keyword == .from {
                    start = value
                } else {
                    count = value; forPosition = keyword.position
                }
            }
            arguments.append(start ?? .literal(.integer(1), position: forPosition))
            if let count { arguments.append(count) }
        } else {
            while accept(.comma) {
                arguments.append(try parseExpression())
                depth = max(depth, expressionDepth)
            }
        }
        try expect(.rightParen)
        return try node(.function(name: "substring", arguments: arguments, distinct: false, star: false,
                                  position: position), childDepth: depth)
    }

    /// `POSITION(a IN b)`; the operands bind tighter than IN.
    @inline(never)
    mutating func parsePosition() throws(SQLError) -> Expression {
        let position = tokens[index].position
        advance(); advance()
        let needle = try parseExpression(Precedence.like)
        var depth = expressionDepth
        try expect(.in)
        let haystack = try parseExpression(Precedence.like)
        depth = max(depth, expressionDepth)
        try expect(.rightParen)
        return try node(.function(name: "position", arguments: [needle, haystack], distinct: false, star: false,
                                  position: position), childDepth: depth)
    }

    /// `TRIM([LEADING|TRAILING|BOTH] [chars] FROM e)` or `TRIM(e[, chars])`.
    @inline(never)
    mutating func parseTrim() throws(SQLError) -> Expression {
        let position = tokens[index].position
        advance(); advance()
        var name = "btrim"
        if accept(.leading) {
            name = "ltrim"
        } else if accept(.trailing) {
            name = "rtrim"
        } else {
            _ = accept(.both)
        }
        var arguments: [Expression]
        var depth = 0
        if accept(.from) {
            arguments = try parseExpressionList()
            depth = expressionDepth
        } else {
            let first = try parseExpression()
            depth = expressionDepth
            if accept(.from) {
                arguments = try parseExpressionList()
                depth = max(depth, expressionDepth)
                if arguments.count != 1 { throw syntaxError(at: tokens[index - 1]) }
                arguments.append(first)
            } else {
                arguments = [first]
                while accept(.comma) {
                    arguments.append(try parseExpression())
                    depth = max(depth, expressionDepth)
                }
            }
        }
        try expect(.rightParen)
        return try node(.function(name: name, arguments: arguments, distinct: false, star: false, position: position),
                        childDepth: depth)
    }
}
