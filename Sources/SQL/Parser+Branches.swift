import Core

// Branch and time-travel syntax (DESIGN.md §3, Phase 3):
//
//   table [AS OF point | VERSIONS BETWEEN {SCN | TIMESTAMP} a AND b] [[AS] alias [(c, …)]]
//   point: NOW | SCN e | TRANSACTION e | TIMESTAMP e
//   CREATE [DATABASE] BRANCH [IF NOT EXISTS] name [FROM parent | CURRENT]
//          [AS OF point] [WITH (option = value, …)]
//   DROP [DATABASE] BRANCH [IF EXISTS] name
//   MERGE [DATABASE] BRANCH source INTO target [WITH (option = value, …)]
//   USE [DATABASE] BRANCH name
//   SHOW [DATABASE] BRANCHES
//   VACUUM [FULL] [FREEZE] [VERBOSE] [ANALYZE] [table]
//
// Every new word is an unreserved keyword, so all remain usable as names.
// `AS OF` after a table is time travel only when OF is followed by a bare
// non-reserved word (NOW, SCN, …; any other such word is a syntax error
// there); otherwise `AS of` is an ordinary alias named "of". Likewise
// `VERSIONS` starts a clause only when followed by BETWEEN. The expression of
// a point is parsed without comparison, boolean or predicate operators
// (arithmetic, `||` and `::` are allowed), so an alias after it is never
// taken into it and the AND of VERSIONS BETWEEN is not a boolean AND.
// `TIMESTAMP '…'` is the point keyword and a string, the same as the typed
// literal form. Branch names are bare names (lower-cased), "quoted"
// identifiers or 'string' literals (both kept as written). Option names are
// labels (any word, lower-cased unless quoted); option values are
// expressions, a bare name standing for its text (`strategy = theirs`,
// `flag = on`), as in SET.
// Options are not validated here.

extension SQLParser {
    // MARK: Time travel on table references

    /// Whether a temporal clause starts at the current token (after a table name).
    func isTemporalClauseStart() -> Bool {
        if check(.as) && check(.of, at: 1) {
            let point = peek(2)
            return point.kind == .word && isIdentifier(point)
        }
        return check(.versions) && check(.between, at: 1)
    }

    /// `AS OF point` or `VERSIONS BETWEEN {SCN | TIMESTAMP} a AND b`, and the
    /// depth of its expressions (0 for none).
    mutating func parseTemporalClause() throws(SQLError) -> (TemporalClause, Int) {
        if accept(.as) {
            try expect(.of)
            let (point, depth) = try parseTemporalPoint()
            return (.asOf(point), depth)
        }
        try expect(.versions)
        try expect(.between)
        let kind: Keyword = check(.timestamp) ? .timestamp : .scn
        guard check(.scn) || check(.timestamp) else { throw unexpected() }
        advance()
        let low = try parsePointExpression()
        var depth = expressionDepth
        try expect(.and)
        // The kind may be repeated after AND: `BETWEEN SCN 1 AND SCN 5`.
        if check(kind), startsPointExpression(peek(1)) { advance() }
        let high = try parsePointExpression()
        depth = max(depth, expressionDepth)
        if kind == .timestamp { return (.versionsBetween(.timestamp(low), .timestamp(high)), depth) }
        return (.versionsBetween(.scn(low), .scn(high)), depth)
    }

    /// `NOW | SCN e | TRANSACTION e | TIMESTAMP e` and the depth of its expression.
    mutating func parseTemporalPoint() throws(SQLError) -> (TemporalPoint, Int) {
        if accept(.now) {
            // `NOW()` reads the same as NOW.
            if check(.leftParen) && peek(1).kind == .rightParen { advance(); advance() }
            return (.now, 0)
        }
        if accept(.scn) { return (.scn(try parsePointExpression()), expressionDepth) }
        if accept(.transaction) { return (.transaction(try parsePointExpression()), expressionDepth) }
        if accept(.timestamp) { return (.timestamp(try parsePointExpression()), expressionDepth) }
        throw unexpected()
    }

    /// Whether `token` can start the expression of a point written after a repeated kind keyword.
    private func startsPointExpression(_ token: Token) -> Bool {
        switch token.kind {
        case .string, .integer, .numeric, .parameter, .minus, .plus, .leftParen: true
        default: false
        }
    }

    /// The expression of a point: no comparison, predicate or boolean
    /// operators (see the top of this file).
    private mutating func parsePointExpression() throws(SQLError) -> Expression {
        expressionDepth = 0
        return try parseExpression(Precedence.like)
    }

    // MARK: Branch statements

    /// Whether `[DATABASE] BRANCH` (or `word` in place of BRANCH) starts at the current token.
    func isBranchObject(_ word: Keyword = .branch) -> Bool {
        check(word) || (check(.database) && check(word, at: 1))
    }

    /// `[DATABASE] BRANCH`.
    private mutating func expectBranchObject(_ word: Keyword = .branch) throws(SQLError) {
        _ = accept(.database)
        try expect(word)
    }

    /// A branch name: a bare name, a "quoted" identifier or a 'string'.
    mutating func parseBranchName() throws(SQLError) -> String {
        if check(.string) { return takeText() }
        return try parseIdentifier()
    }

    /// `[DATABASE] BRANCH [IF NOT EXISTS] name [FROM parent | CURRENT]
    /// [AS OF point] [WITH (…)]`, after CREATE.
    mutating func parseCreateBranch(at position: Int) throws(SQLError) -> CreateBranch {
        try expectBranchObject()
        var ifNotExists = false
        if check(.if) && check(.not, at: 1) {
            advance(); advance()
            try expect(.exists)
            ifNotExists = true
        }
        var branch = CreateBranch(name: try parseBranchName(), ifNotExists: ifNotExists, position: position)
        if accept(.from) {
            if !accept(.current) { branch.parent = try parseBranchName() }
        }
        if accept(.as) {
            try expect(.of)
            branch.asOf = try parseTemporalPoint().0
        }
        branch.options = try parseStatementOptions()
        return branch
    }

    /// `[DATABASE] BRANCH [IF EXISTS] name`, after DROP.
    mutating func parseDropBranch(at position: Int) throws(SQLError) -> Statement {
        try expectBranchObject()
        var ifExists = false
        if check(.if) && check(.exists, at: 1) {
            advance(); advance()
            ifExists = true
        }
        return .dropBranch(name: try parseBranchName(), ifExists: ifExists, position: position)
    }

    /// `MERGE [DATABASE] BRANCH source INTO target [WITH (…)]`.
    mutating func parseMergeBranch() throws(SQLError) -> Statement {
        let mergeToken = next()
        try expectBranchObject()
        let source = try parseBranchName()
        try expect(.into)
        let target = try parseBranchName()
        return .mergeBranch(MergeBranch(source: source, target: target, options: try parseStatementOptions(),
                                        position: mergeToken.position))
    }

    /// `USE [DATABASE] BRANCH name`.
    mutating func parseUseBranch() throws(SQLError) -> Statement {
        let useToken = next()
        try expectBranchObject()
        return .useBranch(name: try parseBranchName(), position: useToken.position)
    }

    /// `SHOW [DATABASE] BRANCHES`, or `SHOW name` for a setting (dotted: `hnsw.ef_search`).
    mutating func parseShow() throws(SQLError) -> Statement {
        let showToken = next()
        if check(.branches) || (check(.database) && check(.branches, at: 1)) {
            try expectBranchObject(.branches)
            return .showBranches
        }
        return .showSetting(name: try parseSettingName(), position: showToken.position)
    }

    /// `RESET name` or `RESET ALL`.
    mutating func parseReset() throws(SQLError) -> Statement {
        let resetToken = next()
        if accept(.all) { return .resetSetting(name: nil, position: resetToken.position) }
        return .resetSetting(name: try parseSettingName(), position: resetToken.position)
    }

    /// A setting's name, dotted parts joined.
    mutating func parseSettingName() throws(SQLError) -> String {
        var name = try parseIdentifier()
        while accept(.dot) { name += "." + (try parseLabel()) }
        return name
    }

    /// `VACUUM [FULL] [FREEZE] [VERBOSE] [ANALYZE] [table]` (the options are accepted and ignored).
    mutating func parseVacuum() throws(SQLError) -> Statement {
        let vacuumToken = next()
        _ = accept(.full)
        _ = accept(.freeze)
        _ = accept(.verbose)
        if !accept(.analyze) { _ = accept(.analyse) }
        var table: String?
        if !check(.semicolon) && !check(.endOfInput) { table = try parseQualifiedName() }
        return .vacuum(table: table, position: vacuumToken.position)
    }

    /// `WITH (name = value, …)` after a branch statement, if present.
    private mutating func parseStatementOptions() throws(SQLError) -> [StatementOption] {
        guard accept(.with) else { return [] }
        try expect(.leftParen)
        var options: [StatementOption] = []
        repeat {
            let nameToken = tokens[index]
            let name = try parseLabel()
            try expect(.equal)
            let value: Expression
            let token = tokens[index]
            if token.kind == .word, isIdentifier(token) || token.keyword == .on,
               peek(1).kind == .comma || peek(1).kind == .rightParen {
                advance()
                value = .literal(.text(token.text), position: token.position)
            } else {
                expressionDepth = 0
                value = try parseExpression()
                try noteDepth(expressionDepth)
            }
            options.append(StatementOption(name: name, value: value, position: nameToken.position))
        } while accept(.comma)
        try expect(.rightParen)
        return options
    }
}
