import Core

// Expressions, by precedence climbing. PostgreSQL's precedence, lowest first:
//
//   OR  <  AND  <  NOT (prefix)  <  IS [NOT] NULL, ISNULL, NOTNULL
//   <  = <> != < <= > >= (non-associative)
//   <  [NOT] BETWEEN / IN / LIKE / ILIKE (non-associative, IN chains)
//   <  || (and future operators)  <  + -  <  * / %  <  unary + -  <  ::
//
// `parseExpression(p)` parses an operand and then every operator binding
// tighter than `p`; each binary operator parses its right side at its own
// level, which makes it left-associative. Positions: see Parser.swift.

/// Binding powers; an operator is applied when its power exceeds the caller's.
enum Precedence {
    static let or = 1
    static let and = 2
    static let not = 3
    static let isNull = 4
    static let comparison = 5
    static let like = 6
    static let other = 7
    static let additive = 8
    static let multiplicative = 9
    static let unary = 10
    static let cast = 11
}

extension SQLParser {
    /// Parses an expression whose operators all bind tighter than `minimum`.
    mutating func parseExpression(_ minimum: Int = 0) throws(SQLError) -> Expression {
        recursionDepth += 1
        defer { recursionDepth -= 1 }
        if recursionDepth > Self.maxDepth { throw depthError() }
        var left = try parsePrefix()
        var depth = expressionDepth
        // Precedence of a non-associative operator just applied: another at
        // the same level (`a = b = c`) is a syntax error, as in PostgreSQL.
        var nonAssociative = 0
        while let precedence = infixPrecedence(), precedence > minimum {
            if precedence == nonAssociative { throw unexpected() }
            nonAssociative = 0
            let token = advance()
            let position = left.position
            if let op = Self.binaryOperator(token) {
                let right = try parseExpression(precedence)
                left = .binary(op, left, right, position: position)
                depth = max(depth, expressionDepth)
                if precedence == Precedence.comparison { nonAssociative = precedence }
            } else if token.kind == .doubleColon {
                left = .cast(left, try parseType(), position: position)
            } else if token.keyword == .is {
                let negated = accept(.not)
                try expect(.null)
                left = .isNull(left, negated: negated, position: position)
            } else if token.keyword == .isnull || token.keyword == .notnull {
                left = .isNull(left, negated: token.keyword == .notnull, position: position)
            } else {
                let negated = token.keyword == .not
                let keyword = negated ? advance().keyword : token.keyword
                (left, depth) = try parsePredicate(keyword, left, depth, negated: negated)
                if keyword != .in { nonAssociative = precedence }
            }
            depth += 1
            if depth > Self.maxDepth { throw depthError() }
        }
        expressionDepth = depth
        return left
    }

    /// The right-hand part of `left [NOT] BETWEEN|IN|LIKE|ILIKE …`, the keyword consumed.
    /// Returns the new expression and the depth of its deepest child.
    private mutating func parsePredicate(_ keyword: Keyword?, _ left: Expression, _ leftDepth: Int,
                                         negated: Bool) throws(SQLError) -> (Expression, Int) {
        let position = left.position
        var depth = leftDepth
        switch keyword {
        case .between:
            let low = try parseExpression(Precedence.like)
            depth = max(depth, expressionDepth)
            try expect(.and)
            let high = try parseExpression(Precedence.like)
            depth = max(depth, expressionDepth)
            return (.between(left, low: low, high: high, negated: negated, position: position), depth)
        case .in:
            try expect(.leftParen)
            let list = try parseExpressionList()
            depth = max(depth, expressionDepth)
            try expect(.rightParen)
            return (.inList(left, list, negated: negated, position: position), depth)
        default:
            let pattern = try parseExpression(Precedence.like)
            depth = max(depth, expressionDepth)
            return (.like(left, pattern: pattern, negated: negated, caseInsensitive: keyword == .ilike,
                          position: position), depth)
        }
    }

    /// The binding power of the operator at the current token; nil when the
    /// token cannot continue an expression.
    private func infixPrecedence() -> Int? {
        let token = tokens[index]
        switch token.kind {
        case .plus, .minus: return Precedence.additive
        case .star, .slash, .percent: return Precedence.multiplicative
        case .concat: return Precedence.other
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return Precedence.comparison
        case .doubleColon: return Precedence.cast
        case .word:
            switch token.keyword {
            case .or: return Precedence.or
            case .and: return Precedence.and
            case .is, .isnull, .notnull: return Precedence.isNull
            case .between, .in, .like, .ilike: return Precedence.like
            case .not:
                let next = peek(1)
                guard next.kind == .word else { return nil }
                switch next.keyword {
                case .between, .in, .like, .ilike: return Precedence.like
                default: return nil
                }
            default: return nil
            }
        default: return nil
        }
    }

    private static func binaryOperator(_ token: Token) -> BinaryOperator? {
        switch token.kind {
        case .plus: .add
        case .minus: .subtract
        case .star: .multiply
        case .slash: .divide
        case .percent: .modulo
        case .concat: .concat
        case .equal: .equal
        case .notEqual: .notEqual
        case .less: .less
        case .lessEqual: .lessOrEqual
        case .greater: .greater
        case .greaterEqual: .greaterOrEqual
        case .word where token.keyword == .and: .and
        case .word where token.keyword == .or: .or
        default: nil
        }
    }

    func depthError() -> SQLError {
        SQLError("54001", "stack depth limit exceeded", position: tokens[index].position)
    }

    /// Returns `expression`, recording its depth as one more than `childDepth`.
    private mutating func node(_ expression: Expression, childDepth: Int) throws(SQLError) -> Expression {
        expressionDepth = childDepth + 1
        if expressionDepth > Self.maxDepth { throw depthError() }
        return expression
    }

    /// Prefix operators (`-`, `+`, NOT) and primaries. A `-` directly before a
    /// numeric literal is folded into it, so `-9223372036854775808` is Int64.min.
    private mutating func parsePrefix() throws(SQLError) -> Expression {
        let token = tokens[index]
        switch token.kind {
        case .minus:
            advance()
            let next = tokens[index]
            if next.kind == .integer, next.integer == UInt64(Int64.max) + 1, peek(1).kind != .doubleColon {
                advance()
                return try node(.literal(.integer(.min), position: token.position), childDepth: 0)
            }
            let operand = try parseExpression(Precedence.unary)
            if case .literal(let value, _) = operand {
                switch value {
                case .integer(let i) where i != .min:
                    return try node(.literal(.integer(-i), position: token.position), childDepth: 0)
                case .double(let d):
                    return try node(.literal(.double(-d), position: token.position), childDepth: 0)
                default:
                    break
                }
            }
            return try node(.unary(.minus, operand, position: token.position), childDepth: expressionDepth)
        case .plus:
            advance()
            let operand = try parseExpression(Precedence.unary)
            return try node(.unary(.plus, operand, position: token.position), childDepth: expressionDepth)
        case .word where token.keyword == .not:
            advance()
            let operand = try parseExpression(Precedence.not)
            return try node(.unary(.not, operand, position: token.position), childDepth: expressionDepth)
        default:
            return try parsePrimary()
        }
    }

    private mutating func parsePrimary() throws(SQLError) -> Expression {
        let token = tokens[index]
        let position = token.position
        switch token.kind {
        case .integer:
            advance()
            let value: Value = token.integer <= UInt64(Int64.max) ? .integer(Int64(token.integer)) : .double(Double(token.integer))
            return try node(.literal(value, position: position), childDepth: 0)
        case .numeric:
            advance()
            return try node(.literal(.double(token.double), position: position), childDepth: 0)
        case .string:
            advance()
            return try node(.literal(.text(token.text), position: position), childDepth: 0)
        case .parameter:
            advance()
            if token.integer == 0 {
                throw SQLError(SQLState.undefinedParameter, "there is no parameter $0", position: position)
            }
            return try node(.parameter(Int(token.integer), position: position), childDepth: 0)
        case .leftParen:
            advance()
            let inner = try parseExpression()
            try expect(.rightParen)
            return inner
        case .quotedIdentifier:
            return try parseNameReference()
        case .word:
            return try parseWordPrimary(token)
        default:
            throw unexpected()
        }
    }

    private mutating func parseWordPrimary(_ token: Token) throws(SQLError) -> Expression {
        let position = token.position
        guard let keyword = token.keyword else { return try parseNameReference() }
        switch keyword {
        case .true:
            advance()
            return try node(.literal(.boolean(true), position: position), childDepth: 0)
        case .false:
            advance()
            return try node(.literal(.boolean(false), position: position), childDepth: 0)
        case .null:
            advance()
            return try node(.literal(.null, position: position), childDepth: 0)
        case .case:
            return try parseCase()
        case .cast:
            return try parseCast()
        default:
            switch keyword.reservation {
            case .reserved: throw unexpected()
            case .typeOrFunction: if peek(1).kind != .leftParen { throw unexpected() }
            case .unreserved: break
            }
            return try parseNameReference()
        }
    }

    /// A column `name` / `table.name`, or a function call `name(…)`.
    private mutating func parseNameReference() throws(SQLError) -> Expression {
        let token = advance()
        if check(.leftParen) { return try parseFunctionCall(name: token.text, position: token.position) }
        if accept(.dot) {
            let name = try parseLabel()
            return try node(.column(table: token.text, name: name, position: token.position), childDepth: 0)
        }
        return try node(.column(table: nil, name: token.text, position: token.position), childDepth: 0)
    }

    /// `name(*)`, `name()`, `name([DISTINCT|ALL] a, …)`, at the `(`.
    private mutating func parseFunctionCall(name: String, position: Int) throws(SQLError) -> Expression {
        try expect(.leftParen)
        if accept(.star) {
            try expect(.rightParen)
            return try node(.function(name: name, arguments: [], distinct: false, star: true, position: position),
                            childDepth: 0)
        }
        var distinct = false
        var qualified = true
        if accept(.distinct) { distinct = true } else if !accept(.all) { qualified = false }
        var arguments: [Expression] = []
        var depth = 0
        if qualified || !check(.rightParen) {
            repeat {
                arguments.append(try parseExpression())
                depth = max(depth, expressionDepth)
            } while accept(.comma)
        }
        try expect(.rightParen)
        return try node(.function(name: name, arguments: arguments, distinct: distinct, star: false,
                                  position: position), childDepth: depth)
    }

    /// `CAST(e AS type)`.
    private mutating func parseCast() throws(SQLError) -> Expression {
        let castToken = advance()
        try expect(.leftParen)
        let operand = try parseExpression()
        let depth = expressionDepth
        try expect(.as)
        let type = try parseType()
        try expect(.rightParen)
        return try node(.cast(operand, type, position: castToken.position), childDepth: depth)
    }

    /// `CASE [operand] WHEN c THEN r … [ELSE e] END`.
    private mutating func parseCase() throws(SQLError) -> Expression {
        let caseToken = advance()
        var depth = 0
        var operand: Expression?
        if !check(.when) {
            operand = try parseExpression()
            depth = expressionDepth
        }
        guard check(.when) else { throw unexpected() }
        var branches: [(condition: Expression, result: Expression)] = []
        while accept(.when) {
            let condition = try parseExpression()
            depth = max(depth, expressionDepth)
            try expect(.then)
            let result = try parseExpression()
            depth = max(depth, expressionDepth)
            branches.append((condition: condition, result: result))
        }
        var elseResult: Expression?
        if accept(.else) {
            elseResult = try parseExpression()
            depth = max(depth, expressionDepth)
        }
        try expect(.end)
        return try node(.caseWhen(operand: operand, branches: branches, elseResult: elseResult,
                                  position: caseToken.position), childDepth: depth)
    }

    /// `e, e, …` (at least one); `expressionDepth` becomes the deepest item's.
    mutating func parseExpressionList() throws(SQLError) -> [Expression] {
        var list: [Expression] = []
        var depth = 0
        repeat {
            list.append(try parseExpression())
            depth = max(depth, expressionDepth)
        } while accept(.comma)
        expressionDepth = depth
        return list
    }
}
