import Core

// Expressions, by precedence climbing. PostgreSQL's precedence, lowest first:
//
//   OR  <  AND  <  NOT (prefix)  <  IS …, ISNULL, NOTNULL
//   <  = <> != < <= > >= (non-associative)
//   <  [NOT] BETWEEN / IN / LIKE / ILIKE (non-associative, IN chains)
//   <  all other operators: || -> ->> #> #>> @> <@ ? ?| ?& <-> <=> <#> <+>
//      ~ ~* !~ !~* & | # << >> (left-associative)
//   <  + -  <  * / %  <  ^  <  unary + -  <  ::
//
// `parseExpression(p)` parses an operand and then every operator binding
// tighter than `p`; each binary operator parses its right side at its own
// level, which makes it left-associative. `e op ANY|SOME|ALL (…)` is parsed
// where the operator's right operand would be. Positions: see Parser.swift.
//
// Stack use: nesting recurses through `parseExpression`, so the functions on
// that path (`parseExpression`, `parseOperators`, `parseInfix`,
// `parseOperand`, `parseUnary`, and the operands of Parser+Operands.swift)
// keep few locals and never copy whole tokens; literal and name handling
// lives in `parseLeaf`, which does not recurse. `maxDepth` nested levels then
// fit well within an 8 MB stack even in debug builds. Threads with smaller
// stacks are protected by `StackGuard`: past 16 levels the parser also
// compares its stack pointer with the thread's stack bound at every level,
// as PostgreSQL's check_stack_depth does, and fails with 54001 before the
// stack runs out.

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
    static let power = 10
    static let unary = 11
    static let cast = 12
}

extension SQLParser {
    /// Parses an expression whose operators all bind tighter than `minimum`.
    mutating func parseExpression(_ minimum: Int = 0) throws(SQLError) -> Expression {
        try enterNesting()
        defer { recursionDepth -= 1 }
        let left = try parseOperand()
        return try parseOperators(after: left, minimum)
    }

    /// Applies to `left` (whose depth is `expressionDepth`) every following
    /// operator that binds tighter than `minimum`.
    mutating func parseOperators(after operand: Expression, _ minimum: Int) throws(SQLError) -> Expression {
        var left = operand
        var depth = expressionDepth
        // Precedence of a non-associative operator just applied: another at
        // the same level (`a = b = c`) is a syntax error, as in PostgreSQL.
        var nonAssociative = 0
        while let precedence = infixPrecedence(), precedence > minimum {
            if precedence == nonAssociative { throw unexpected() }
            nonAssociative = try parseInfix(&left, &depth, precedence)
        }
        expressionDepth = depth
        if depth > deepest { deepest = depth }
        return left
    }

    /// Counts one level of nesting; fails with 54001 past `maxDepth`. The
    /// caller undoes it (`defer { recursionDepth -= 1 }`).
    @inline(never)
    mutating func enterNesting() throws(SQLError) {
        if recursionDepth >= Self.maxDepth { throw depthError() }
        recursionDepth += 1
        if recursionDepth >= StackGuard.minimumNesting {
            if stackGuard == nil { stackGuard = StackGuard() }
            if stackGuard?.isExhausted() == true { throw depthError() }
        }
    }

    @inline(never)
    func depthError() -> SQLError {
        SQLError("54001", "stack depth limit exceeded", position: tokens[index].position)
    }

    /// Applies the infix or postfix operator at the current token to `left`,
    /// updating `depth`; returns the operator's precedence if it is
    /// non-associative, else 0.
    @inline(never)
    private mutating func parseInfix(_ left: inout Expression, _ depth: inout Int,
                                     _ precedence: Int) throws(SQLError) -> Int {
        let position = left.position
        let kind = tokens[index].kind
        var keyword = tokens[index].keyword
        let op = Self.binaryOperator(tokens[index])
        advance()
        var nonAssociative = precedence == Precedence.comparison ? precedence : 0
        if let op {
            if op != .and, op != .or, check(.any) || check(.some) || check(.all), peek(1).kind == .leftParen {
                left = try parseQuantified(op, left)
            } else {
                let right = try parseExpression(precedence)
                left = .binary(op, left, right, position: position)
            }
            depth = max(depth, expressionDepth)
        } else if kind == .doubleColon {
            left = .cast(left, try parseType(), position: position)
        } else if keyword == .is {
            try parseIs(&left, &depth)
        } else if keyword == .isnull || keyword == .notnull {
            left = .isNull(left, negated: keyword == .notnull, position: position)
        } else {
            let negated = keyword == .not
            if negated {
                keyword = tokens[index].keyword
                advance()
            }
            try parsePredicate(keyword, &left, &depth, negated: negated)
            if keyword != .in { nonAssociative = precedence }
        }
        depth += 1
        if depth > Self.maxDepth { throw depthError() }
        return nonAssociative
    }

    /// The rest of `left IS [NOT] NULL | TRUE | FALSE | UNKNOWN | DISTINCT FROM e`.
    private mutating func parseIs(_ left: inout Expression, _ depth: inout Int) throws(SQLError) {
        let position = left.position
        let negated = accept(.not)
        switch tokens[index].keyword {
        case .null:
            left = .isNull(left, negated: negated, position: position)
        case .true, .false, .unknown:
            let value: Bool? = check(.unknown) ? nil : check(.true)
            left = .isTruth(left, value: value, negated: negated, position: position)
        case .distinct:
            advance()
            try expect(.from)
            let right = try parseExpression(Precedence.isNull)
            depth = max(depth, expressionDepth)
            left = .isDistinctFrom(left, right, negated: negated, position: position)
            return
        default:
            throw unexpected()
        }
        advance()
    }

    /// The right-hand part of `left [NOT] BETWEEN|IN|LIKE|ILIKE …`, the keyword
    /// consumed; `depth` becomes the deepest child's.
    @inline(never)
    private mutating func parsePredicate(_ keyword: Keyword?, _ left: inout Expression, _ depth: inout Int,
                                         negated: Bool) throws(SQLError) {
        let position = left.position
        switch keyword {
        case .between:
            let low = try parseExpression(Precedence.like)
            depth = max(depth, expressionDepth)
            guard accept(.and) else { throw unexpected() }
            let high = try parseExpression(Precedence.like)
            depth = max(depth, expressionDepth)
            left = .between(left, low: low, high: high, negated: negated, position: position)
        case .in:
            guard check(.leftParen) else { throw unexpected() }
            switch try parseParenthesized() {
            case .query(let query, let queryDepth):
                depth = max(depth, queryDepth)
                left = .inSubquery(left, query, negated: negated, position: position)
            case .expressions(let list):
                depth = max(depth, expressionDepth)
                left = .inList(left, list, negated: negated, position: position)
            }
        default:
            let pattern = try parseExpression(Precedence.like)
            depth = max(depth, expressionDepth)
            if check(.escape) {
                let escapeToken = next()
                let escape = try parseExpression(Precedence.like)
                guard case .literal(.text("\\"), _) = escape else {
                    throw unsupported("ESCAPE other than the default '\\'", at: escapeToken.position)
                }
            }
            left = .like(left, pattern: pattern, negated: negated, caseInsensitive: keyword == .ilike,
                         position: position)
        }
    }

    /// The binding power of the operator at the current token; nil when the
    /// token cannot continue an expression.
    private func infixPrecedence() -> Int? {
        switch tokens[index].kind {
        case .plus, .minus: return Precedence.additive
        case .star, .slash, .percent: return Precedence.multiplicative
        case .concat: return Precedence.other
        case .operator: return tokens[index].text == "^" ? Precedence.power : Precedence.other
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return Precedence.comparison
        case .doubleColon: return Precedence.cast
        case .word:
            switch tokens[index].keyword {
            case .or: return Precedence.or
            case .and: return Precedence.and
            case .is, .isnull, .notnull: return Precedence.isNull
            case .between, .in, .like, .ilike: return Precedence.like
            case .not:
                let next = min(index + 1, tokens.count - 1)
                guard tokens[next].kind == .word else { return nil }
                switch tokens[next].keyword {
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
        case .operator: BinaryOperator(rawValue: token.text)
        case .word where token.keyword == .and: .and
        case .word where token.keyword == .or: .or
        default: nil
        }
    }

    /// Returns `expression`, recording its depth as one more than `childDepth`.
    mutating func node(_ expression: Expression, childDepth: Int) throws(SQLError) -> Expression {
        expressionDepth = childDepth + 1
        if expressionDepth > Self.maxDepth { throw depthError() }
        return expression
    }

    /// An operand: a prefix operator applied to an operand, a parenthesized
    /// expression, row or subquery, a function call or other special form, or a leaf.
    @inline(never)
    private mutating func parseOperand() throws(SQLError) -> Expression {
        switch tokens[index].kind {
        case .leftParen:
            return try parseParenthesizedOperand()
        case .minus, .plus:
            return try parseUnary()
        case .word:
            if let keyword = tokens[index].keyword, let special = try parseKeywordOperand(keyword) {
                return special
            }
        default:
            break
        }
        if isFunctionCall() { return try parseFunctionCall() }
        if isTypedLiteralStart() { return try parseTypedLiteral() }
        return try parseLeaf()
    }

    /// Whether a function call starts here: a name that may be a function
    /// (not a reserved keyword) followed by `(`.
    private func isFunctionCall() -> Bool {
        let next = min(index + 1, tokens.count - 1)
        guard tokens[next].kind == .leftParen else { return false }
        switch tokens[index].kind {
        case .quotedIdentifier: return true
        case .word: return tokens[index].keyword?.reservation != .reserved
        default: return false
        }
    }

    /// `-x`, `+x`, `NOT x`. A `-` directly before a numeric literal is folded
    /// into it, so `-9223372036854775808` is Int64.min.
    @inline(never)
    mutating func parseUnary() throws(SQLError) -> Expression {
        let isNot = tokens[index].kind == .word
        let isMinus = tokens[index].kind == .minus
        let position = tokens[index].position
        advance()
        if isMinus && tokens[index].kind == .integer && tokens[index].integer == UInt64(Int64.max) + 1
            && tokens[min(index + 1, tokens.count - 1)].kind != .doubleColon {
            advance()
            return try node(.literal(.integer(.min), position: position), childDepth: 0)
        }
        let operand = try parseExpression(isNot ? Precedence.not : Precedence.unary)
        return try makeUnary(isNot ? .not : isMinus ? .minus : .plus, operand, position)
    }

    @inline(never)
    private mutating func makeUnary(_ op: UnaryOperator, _ operand: Expression,
                                    _ position: Int) throws(SQLError) -> Expression {
        if op == .minus, case .literal(let value, _) = operand {
            switch value {
            case .integer(let i) where i != .min:
                return try node(.literal(.integer(-i), position: position), childDepth: 0)
            case .double(let d):
                return try node(.literal(.double(-d), position: position), childDepth: 0)
            default:
                break
            }
        }
        return try node(.unary(op, operand, position: position), childDepth: expressionDepth)
    }

    /// Literals, parameters and column references (`c`, `t.c`, `s.t.c`):
    /// everything that does not nest.
    @inline(never)
    private mutating func parseLeaf() throws(SQLError) -> Expression {
        let position = tokens[index].position
        let value: Value
        switch tokens[index].kind {
        case .integer:
            let integer = tokens[index].integer
            value = integer <= UInt64(Int64.max) ? .integer(Int64(integer)) : .double(Double(integer))
        case .numeric:
            value = .double(tokens[index].double)
        case .string:
            value = .text(tokens[index].text)
        case .parameter:
            let number = tokens[index].integer
            if number == 0 {
                throw SQLError(SQLState.undefinedParameter, "there is no parameter $0", position: position)
            }
            advance()
            return try node(.parameter(Int(number), position: position), childDepth: 0)
        case .word where tokens[index].keyword == .true:
            value = .boolean(true)
        case .word where tokens[index].keyword == .false:
            value = .boolean(false)
        case .word where tokens[index].keyword == .null:
            value = .null
        case .word where isIdentifier(tokens[index]), .quotedIdentifier:
            let name = takeText()
            if accept(.dot) {
                let column = try parseLabel()
                if accept(.dot) {
                    let table = name == "public" ? column : name + "." + column
                    return try node(.column(table: table, name: try parseLabel(), position: position), childDepth: 0)
                }
                return try node(.column(table: name, name: column, position: position), childDepth: 0)
            }
            return try node(.column(table: nil, name: name, position: position), childDepth: 0)
        default:
            throw unexpected()
        }
        advance()
        return try node(.literal(value, position: position), childDepth: 0)
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
