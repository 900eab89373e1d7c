import Core

// CREATE VIEW, CREATE INDEX, DROP TABLE / VIEW / INDEX, ALTER TABLE and
// TRUNCATE. Names of tables and views may be schema-qualified (see
// `parseQualifiedName`). What the AST cannot express fails with a 42601
// "… is not supported": CONCURRENTLY, index expressions, NULLS FIRST/LAST
// and WHERE on indexes, DROP … CASCADE on columns, several ALTER TABLE
// actions at once, ALTER COLUMN, constraints dropped or renamed by name,
// TRUNCATE … CASCADE.

extension SQLParser {
    /// `VIEW [IF NOT EXISTS] name [(c, …)] AS query`, after CREATE [OR REPLACE].
    mutating func parseCreateView(at position: Int, orReplace: Bool) throws(SQLError) -> CreateView {
        try expect(.view)
        let ifNotExists = try parseIfNotExists()
        let name = try parseQualifiedName()
        let columns = check(.leftParen) ? try parseIdentifierList() : nil
        try expect(.as)
        let first = index
        let query = try parseQuery()
        return CreateView(name: name, columns: columns, query: query, orReplace: orReplace, ifNotExists: ifNotExists,
                          queryText: sourceText(from: first, through: index - 1), position: position)
    }

    /// `INDEX [IF NOT EXISTS] [name] ON t [USING method] (col [opclass] [ASC|DESC], …)
    /// [WITH (k = v, …)]`, after CREATE [UNIQUE].
    mutating func parseCreateIndex(at position: Int, unique: Bool) throws(SQLError) -> CreateIndex {
        try expect(.index)
        if check(.concurrently) { throw unsupported("CREATE INDEX CONCURRENTLY", at: tokens[index].position) }
        let ifNotExists = try parseIfNotExists()
        var name: String?
        if !check(.on) || ifNotExists { name = try parseIdentifier() }
        try expect(.on)
        let table = try parseQualifiedName()
        var method: String?
        if accept(.using) { method = try parseIdentifier().lowercased() }
        try expect(.leftParen)
        var columns: [IndexColumn] = []
        repeat {
            if check(.leftParen) || peek(1).kind == .leftParen {
                throw unsupported("an index on an expression", at: tokens[index].position)
            }
            var column = IndexColumn(name: try parseIdentifier())
            if isIdentifier(tokens[index]), !check(.nulls) {
                column.operatorClass = try parseQualifiedName().lowercased()
            }
            if accept(.desc) { column.descending = true } else { _ = accept(.asc) }
            if check(.nulls) { throw unsupported("NULLS FIRST/LAST in an index", at: tokens[index].position) }
            columns.append(column)
        } while accept(.comma)
        try expect(.rightParen)
        var options: [IndexOption] = []
        if accept(.with) { options = try parseOptionList() }
        if check(.where) { throw unsupported("a partial index (WHERE)", at: tokens[index].position) }
        return CreateIndex(name: name, table: table, columns: columns, unique: unique, ifNotExists: ifNotExists,
                           method: method, options: options, position: position)
    }

    /// `(name [= value], …)`, after WITH or SET; a bare name means true.
    mutating func parseOptionList() throws(SQLError) -> [IndexOption] {
        try expect(.leftParen)
        var options: [IndexOption] = []
        repeat {
            let option = try parseLabel()
            if accept(.equal) {
                options.append(IndexOption(name: option, value: try parseOptionValue()))
            } else {
                options.append(IndexOption(name: option, value: .literal(.boolean(true), position: tokens[index].position)))
            }
        } while accept(.comma)
        try expect(.rightParen)
        return options
    }

    /// An option value: a number, string, boolean or name (as text).
    private mutating func parseOptionValue() throws(SQLError) -> Expression {
        if check(.default) { throw unexpected() }
        return try parseSetValue().0
    }

    /// `DROP {TABLE | VIEW | INDEX} [IF EXISTS] a [, b …] [CASCADE | RESTRICT]`.
    mutating func parseDrop() throws(SQLError) -> Statement {
        let dropToken = next()
        if isBranchObject() { return try parseDropBranch(at: dropToken.position) }
        if isWord("materialized") {
            advance()
            try expect(.view)
            let ifExists = try parseIfExists()
            var names: [String] = []
            repeat { names.append(try parseQualifiedName()) } while accept(.comma)
            let cascade = accept(.cascade)
            if !cascade { _ = accept(.restrict) }
            return .dropMaterializedView(DropObjects(names: names, ifExists: ifExists, cascade: cascade, position: dropToken.position))
        }
        let kind = tokens[index].keyword
        guard check(.table) || check(.view) || check(.index) else { throw unexpected() }
        advance()
        if kind == .index, check(.concurrently) {
            throw unsupported("DROP INDEX CONCURRENTLY", at: tokens[index].position)
        }
        let ifExists = try parseIfExists()
        var names: [String] = []
        repeat {
            names.append(try parseQualifiedName())
        } while accept(.comma)
        let cascade = accept(.cascade)
        if !cascade { _ = accept(.restrict) }
        switch kind {
        case .table:
            return .dropTable(DropTable(names: names, ifExists: ifExists, cascade: cascade, position: dropToken.position))
        case .view:
            return .dropView(DropObjects(names: names, ifExists: ifExists, cascade: cascade, position: dropToken.position))
        default:
            return .dropIndex(DropObjects(names: names, ifExists: ifExists, cascade: cascade, position: dropToken.position))
        }
    }

    /// `ALTER TABLE [IF EXISTS] t action`, one action of: ADD [COLUMN] [IF NOT
    /// EXISTS] column, ADD table constraint, DROP [COLUMN] [IF EXISTS] c
    /// [RESTRICT], RENAME [COLUMN] a TO b, RENAME TO name.
    mutating func parseAlterTable() throws(SQLError) -> AlterTable {
        let alterToken = next()
        try expect(.table)
        let ifExists = try parseIfExists()
        let table = try parseQualifiedName()
        let action: AlterTable.Action
        let actionToken = tokens[index]
        if accept(.add) {
            if isTableConstraintStart() {
                let parsed = try parseTableConstraint()
                action = .addConstraint(parsed.constraint, name: parsed.name)
            } else {
                _ = accept(.column)
                let ifNotExists = try parseIfNotExists()
                var builder = TableBuilder(table: table)
                try parseColumnDefinition(into: &builder)
                if !builder.constraints.isEmpty {
                    throw unsupported("a second CHECK or REFERENCES on an added column", at: actionToken.position)
                }
                action = .addColumn(builder.columns[0], ifNotExists: ifNotExists)
            }
        } else if accept(.drop) {
            if check(.constraint) { throw unsupported("ALTER TABLE … DROP CONSTRAINT", at: tokens[index].position) }
            _ = accept(.column)
            let ifExists = try parseIfExists()
            let column = try parseIdentifier()
            if check(.cascade) { throw unsupported("DROP COLUMN … CASCADE", at: tokens[index].position) }
            _ = accept(.restrict)
            action = .dropColumn(column, ifExists: ifExists)
        } else if accept(.rename) {
            if accept(.to) {
                action = .renameTable(to: try parseIdentifier())
            } else {
                if check(.constraint) {
                    throw unsupported("ALTER TABLE … RENAME CONSTRAINT", at: tokens[index].position)
                }
                _ = accept(.column)
                let from = try parseIdentifier()
                try expect(.to)
                action = .renameColumn(from: from, to: try parseIdentifier())
            }
        } else if check(.alter) {
            throw unsupported("ALTER TABLE … ALTER COLUMN", at: actionToken.position)
        } else {
            throw unexpected()
        }
        if check(.comma) { throw unsupported("more than one action in ALTER TABLE", at: tokens[index].position) }
        return AlterTable(table: table, ifExists: ifExists, action: action, position: alterToken.position)
    }

    /// `TRUNCATE [TABLE] a [, b …] [RESTRICT]`.
    mutating func parseTruncate() throws(SQLError) -> Statement {
        let truncateToken = next()
        _ = accept(.table)
        var names: [String] = []
        repeat {
            names.append(try parseQualifiedName())
        } while accept(.comma)
        if check(.cascade) { throw unsupported("TRUNCATE … CASCADE", at: tokens[index].position) }
        _ = accept(.restrict)
        return .truncate(names, position: truncateToken.position)
    }
}
