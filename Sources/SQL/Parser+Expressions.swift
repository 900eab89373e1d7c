import Core
#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
//
// Stack use: nesting recurses through `parseExpression`, so the functions on
// that path (`parseExpression`, `parseInfix`, `parseOperand`, `parseUnary`,
// `parseFunctionCall`, `parseCase`, `parseCast`, `parsePredicate`) keep few
// locals and never copy whole tokens; literal and name handling lives in
// `parseLeaf`, which does not recurse. `maxDepth` nested levels then fit well
// within an 8 MB stack even in debug builds (about 1.5 MB in release).
// Threads with smaller stacks are protected by `StackGuard`: past 16 levels
// the parser also compares its stack pointer with the thread's stack bound at
// every level, as PostgreSQL's check_stack_depth does, and fails with 54001
// before the stack runs out.

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
        try enterNesting()
        defer { recursionDepth -= 1 }
        var left = try parseOperand()
        var depth = expressionDepth
        // Precedence of a non-associative operator just applied: another at
        // the same level (`a = b = c`) is a syntax error, as in PostgreSQL.
        var nonAssociative = 0
        while let precedence = infixPrecedence(), precedence > minimum {
            if precedence == nonAssociative { throw unexpected() }
            nonAssociative = try parseInfix(&left, &depth, precedence)
        }
        expressionDepth = depth
        return left
    }

    /// Counts one level of nesting; fails with 54001 past `maxDepth`.
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
        advance()
        var nonAssociative = 0
        if let op = Self.binaryOperator(kind, keyword) {
            let right = try parseExpression(precedence)
            left = .binary(op, left, right, position: position)
            depth = max(depth, expressionDepth)
            if precedence == Precedence.comparison { nonAssociative = precedence }
        } else if kind == .doubleColon {
            left = .cast(left, try parseType(), position: position)
        } else if keyword == .is {
            let negated = accept(.not)
            guard accept(.null) else { throw unexpected() }
            left = .isNull(left, negated: negated, position: position)
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
            guard accept(.leftParen) else { throw unexpected() }
            let list = try parseExpressionList()
            depth = max(depth, expressionDepth)
            guard accept(.rightParen) else { throw unexpected() }
            left = .inList(left, list, negated: negated, position: position)
        default:
            let pattern = try parseExpression(Precedence.like)
            depth = max(depth, expressionDepth)
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

    private static func binaryOperator(_ kind: TokenKind, _ keyword: Keyword?) -> BinaryOperator? {
        switch kind {
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
        case .word where keyword == .and: .and
        case .word where keyword == .or: .or
        default: nil
        }
    }

    /// Returns `expression`, recording its depth as one more than `childDepth`.
    private mutating func node(_ expression: Expression, childDepth: Int) throws(SQLError) -> Expression {
        expressionDepth = childDepth + 1
        if expressionDepth > Self.maxDepth { throw depthError() }
        return expression
    }

    /// An operand: a prefix operator applied to an operand, a parenthesized
    /// expression, a function call, CASE, CAST, or a leaf.
    @inline(never)
    private mutating func parseOperand() throws(SQLError) -> Expression {
        switch tokens[index].kind {
        case .leftParen:
            advance()
            let inner = try parseExpression()
            guard accept(.rightParen) else { throw unexpected() }
            return inner
        case .minus, .plus:
            return try parseUnary()
        case .word:
            switch tokens[index].keyword {
            case .not: return try parseUnary()
            case .case: return try parseCase()
            case .cast: return try parseCast()
            default: break
            }
        default:
            break
        }
        if isFunctionCall() { return try parseFunctionCall() }
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
    private mutating func parseUnary() throws(SQLError) -> Expression {
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

    /// Literals, parameters and column references: everything that does not nest.
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
                return try node(.column(table: name, name: column, position: position), childDepth: 0)
            }
            return try node(.column(table: nil, name: name, position: position), childDepth: 0)
        default:
            throw unexpected()
        }
        advance()
        return try node(.literal(value, position: position), childDepth: 0)
    }

    /// `name(*)`, `name()`, `name([DISTINCT|ALL] a, …)`.
    @inline(never)
    private mutating func parseFunctionCall() throws(SQLError) -> Expression {
        let name = tokens[index].text
        let position = tokens[index].position
        advance()
        advance()
        if accept(.star) {
            guard accept(.rightParen) else { throw unexpected() }
            return try node(.function(name: name, arguments: [], distinct: false, star: true, position: position),
                            childDepth: 0)
        }
        let distinct = accept(.distinct)
        let qualified = distinct || accept(.all)
        var arguments: [Expression] = []
        if qualified || !check(.rightParen) {
            arguments = try parseExpressionList()
        } else {
            expressionDepth = 0
        }
        guard accept(.rightParen) else { throw unexpected() }
        return try node(.function(name: name, arguments: arguments, distinct: distinct, star: false,
                                  position: position), childDepth: expressionDepth)
    }

    /// `CAST(e AS type)`.
    @inline(never)
    private mutating func parseCast() throws(SQLError) -> Expression {
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

    /// `CASE [operand] WHEN c THEN r … [ELSE e] END`.
    @inline(never)
    private mutating func parseCase() throws(SQLError) -> Expression {
        let position = tokens[index].position
        advance()
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
            guard accept(.then) else { throw unexpected() }
            let result = try parseExpression()
            depth = max(depth, expressionDepth)
            branches.append((condition: condition, result: result))
        }
        var elseResult: Expression?
        if accept(.else) {
            elseResult = try parseExpression()
            depth = max(depth, expressionDepth)
        }
        guard accept(.end) else { throw unexpected() }
        return try node(.caseWhen(operand: operand, branches: branches.map { WhenClause(condition: $0.condition, result: $0.result) }, elseResult: elseResult, position: position),
                        childDepth: depth)
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

/// Detects that the current thread's stack is nearly used up. Created only
/// for deeply nested input (looking up the stack bounds is not free), by the
/// thread that parses.
struct StackGuard {
    /// Nesting below which no check is made (and no guard is created).
    static let minimumNesting = 16

    /// The lowest address the parser may reach; nil when the bounds are unknown.
    let limit: UInt?

    init() {
        // Stack kept free: room for the error's construction and for the
        // unwinding that releases partial trees (recursively), a quarter of
        // the stack at most.
        limit = Self.stackBounds().map { $0.low + min(256 * 1024, $0.size / 4) }
    }

    @inline(never)
    func isExhausted() -> Bool {
        guard let limit else { return false }
        var marker: UInt8 = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        return here < limit
    }

    #if !canImport(Darwin) && (canImport(Glibc) || canImport(Musl))
    private typealias GetAttributes = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
    private static let getAttributes: GetAttributes? = dlsym(nil, "pthread_getattr_np").map {
        unsafeBitCast($0, to: GetAttributes.self)
    }
    #endif

    /// The lowest address and the size of the current thread's stack (which grows down).
    private static func stackBounds() -> (low: UInt, size: UInt)? {
        #if canImport(Darwin)
        let thread = pthread_self()
        let top = UInt(bitPattern: pthread_get_stackaddr_np(thread))
        let size = UInt(pthread_get_stacksize_np(thread))
        return (top - size, size)
        #elseif canImport(Glibc) || canImport(Musl)
        // pthread_getattr_np is a GNU extension the Glibc module does not
        // export; it is looked up once by name.
        guard let getAttributes = Self.getAttributes else { return nil }
        var attributes = pthread_attr_t()
        guard getAttributes(pthread_self(), &attributes) == 0 else { return nil }
        defer { pthread_attr_destroy(&attributes) }
        var address: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attributes, &address, &size) == 0, let address else { return nil }
        return (UInt(bitPattern: address), UInt(size))
        #else
        return nil
        #endif
    }
}
