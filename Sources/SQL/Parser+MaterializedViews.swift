import Core

// Materialized views (DESIGN §3): CREATE, REFRESH, ALTER … SET and DROP.
// The words MATERIALIZED, REFRESH, INCREMENTALLY and DATA are not keywords
// (they stay usable as names); options are a `(name [= value], …)` list,
// checked by the engine, which knows their meaning.

extension SQLParser {
    /// `MATERIALIZED VIEW [IF NOT EXISTS] v [(c, …)] [WITH (…)] AS query
    /// [WITH (…)] [WITH [NO] DATA]`, after CREATE.
    mutating func parseCreateMaterializedView(at position: Int) throws(SQLError) -> CreateMaterializedView {
        advance()  // MATERIALIZED
        try expect(.view)
        let ifNotExists = try parseIfNotExists()
        let name = try parseQualifiedName()
        let columns = check(.leftParen) ? try parseIdentifierList() : nil
        var options: [IndexOption] = []
        if accept(.with) { options += try parseOptionList() }
        try expect(.as)
        let first = index
        let query = try parseQuery()
        let queryText = sourceText(from: first, through: index - 1)
        var withData = true
        while check(.with) {
            if peek(1).kind == .leftParen {
                advance()
                options += try parseOptionList()
            } else {
                advance()
                withData = !accept(.no)
                try expectWord("data")
            }
        }
        return CreateMaterializedView(name: name, columns: columns, query: query, queryText: queryText, options: options,
                                      ifNotExists: ifNotExists, withData: withData, position: position)
    }

    /// `REFRESH MATERIALIZED VIEW [CONCURRENTLY] v [INCREMENTALLY] [WITH DATA]`.
    mutating func parseRefreshMaterializedView() throws(SQLError) -> RefreshMaterializedView {
        let refreshToken = next()
        try expectWord("materialized")
        try expect(.view)
        let concurrently = accept(.concurrently)
        let name = try parseQualifiedName()
        let incrementally = isWord("incrementally")
        if incrementally { advance() }
        if accept(.with) {
            if check(.no) { throw unsupported("REFRESH … WITH NO DATA", at: tokens[index].position) }
            try expectWord("data")
        }
        return RefreshMaterializedView(name: name, concurrently: concurrently, incrementally: incrementally,
                                       position: refreshToken.position)
    }

    /// `ALTER MATERIALIZED VIEW [IF EXISTS] v SET (k = v, …)`.
    mutating func parseAlterMaterializedView() throws(SQLError) -> AlterMaterializedView {
        let alterToken = next()
        try expectWord("materialized")
        try expect(.view)
        let ifExists = try parseIfExists()
        let name = try parseQualifiedName()
        guard accept(.set) else {
            throw unsupported("ALTER MATERIALIZED VIEW other than SET (…)", at: tokens[index].position)
        }
        return AlterMaterializedView(name: name, ifExists: ifExists, options: try parseOptionList(),
                                     position: alterToken.position)
    }

    /// The non-keyword word `text`, or a syntax error.
    private mutating func expectWord(_ text: String) throws(SQLError) {
        guard isWord(text) else { throw unexpected() }
        advance()
    }
}
