import Core

// CREATE TABLE, DROP TABLE and type names.
//
// CREATE TABLE also applies the checks PostgreSQL makes while transforming
// the statement, so the engine receives a consistent definition: one primary
// key at most (42P16), no duplicate columns (42701), table-level key columns
// that exist (42703) and appear once (42701), no conflicting NULL / NOT NULL
// or repeated DEFAULT (42601). Primary-key columns, whether declared on the
// column or in a table-level `PRIMARY KEY (…)`, get `notNull = true`;
// `ColumnDefinition.primaryKey` is set only for column-level declarations and
// `CreateTable.primaryKey` only for the table-level clause.

extension SQLParser {
    mutating func parseCreate() throws(SQLError) -> Statement {
        let createToken = next()
        try expect(.table)
        var ifNotExists = false
        if accept(.if) {
            try expect(.not)
            try expect(.exists)
            ifNotExists = true
        }
        let name = try parseIdentifier()
        var builder = TableBuilder(table: name)
        try expect(.leftParen)
        if !check(.rightParen) {
            repeat {
                if check(.constraint) || check(.primary) {
                    try parseTableConstraint(into: &builder)
                } else {
                    try parseColumnDefinition(into: &builder)
                }
            } while accept(.comma)
        }
        try expect(.rightParen)
        let columns = try builder.finish()
        return .createTable(CreateTable(name: name, ifNotExists: ifNotExists, columns: columns,
                                        primaryKey: builder.tablePrimaryKey?.map(\.name),
                                        position: createToken.position))
    }

    /// `[CONSTRAINT name] PRIMARY KEY (a, …)`.
    mutating func parseTableConstraint(into builder: inout TableBuilder) throws(SQLError) {
        let start = tokens[index]
        if accept(.constraint) { _ = try parseIdentifier() }
        try expect(.primary)
        try expect(.key)
        try builder.notePrimaryKey(at: start.position)
        try expect(.leftParen)
        var names: [(name: String, position: Int)] = []
        repeat {
            let token = tokens[index]
            names.append((name: try parseIdentifier(), position: token.position))
        } while accept(.comma)
        try expect(.rightParen)
        builder.tablePrimaryKey = names
    }

    /// `name type [NOT NULL | NULL | PRIMARY KEY | DEFAULT expr | CONSTRAINT name …]*`.
    mutating func parseColumnDefinition(into builder: inout TableBuilder) throws(SQLError) {
        let nameToken = tokens[index]
        let name = try parseIdentifier()
        let type = try parseType()
        var column = ColumnDefinition(name: name, type: type, position: nameToken.position)
        var sawNull = false, sawNotNull = false
        while true {
            let start = tokens[index]
            let named = accept(.constraint)
            if named { _ = try parseIdentifier() }
            if accept(.not) {
                try expect(.null)
                if sawNull { throw builder.conflictingNullability(column: name, at: start.position) }
                sawNotNull = true
                column.notNull = true
            } else if accept(.null) {
                if sawNotNull { throw builder.conflictingNullability(column: name, at: start.position) }
                sawNull = true
            } else if accept(.primary) {
                try expect(.key)
                try builder.notePrimaryKey(at: start.position)
                column.primaryKey = true
                column.notNull = true
            } else if accept(.default) {
                if column.defaultValue != nil {
                    throw SQLError(SQLState.syntaxError, "multiple default values specified for column \"\(name)\" of table \"\(builder.table)\"",
                                   position: start.position)
                }
                // PostgreSQL's b_expr: no boolean operators, IS, LIKE, IN or
                // BETWEEN without parentheses, so `DEFAULT 0 NOT NULL` reads as meant.
                column.defaultValue = try parseExpression(Precedence.isNull)
            } else if named {
                throw unexpected()
            } else {
                break
            }
        }
        try builder.add(column, at: nameToken.position)
    }

    /// `DROP TABLE [IF EXISTS] a [, b …]`.
    mutating func parseDrop() throws(SQLError) -> Statement {
        let dropToken = next()
        try expect(.table)
        var ifExists = false
        if accept(.if) {
            try expect(.exists)
            ifExists = true
        }
        var names: [String] = []
        repeat {
            names.append(try parseIdentifier())
        } while accept(.comma)
        return .dropTable(DropTable(names: names, ifExists: ifExists, position: dropToken.position))
    }

    /// A type name: one word, `DOUBLE PRECISION` or `CHARACTER VARYING`, with an
    /// optional length `(n)` for the character types and FLOAT (accepted, not
    /// kept: the AST's DataType has no length). Unknown names fail with 42704.
    mutating func parseType() throws(SQLError) -> DataType {
        let token = tokens[index]
        var name: String
        switch token.kind {
        case .word:
            if token.keyword?.reservation == .reserved { throw unexpected() }
            advance()
            name = token.text
            if name == "double", accept(.precision) {
                name = "double precision"
            } else if name == "character", accept(.varying) {
                name = "character varying"
            }
        case .quotedIdentifier:
            advance()
            name = token.text
        default:
            throw unexpected()
        }
        let type = token.kind == .quotedIdentifier && name != name.lowercased() ? nil : DataType(sqlName: name)
        guard let type else {
            throw SQLError("42704", "type \"\(name)\" does not exist", position: token.position)
        }
        switch name {
        case "varchar", "character varying", "char", "character", "float":
            if accept(.leftParen) {
                let length = try expect(.integer)
                if length.integer < 1 {
                    throw SQLError(SQLState.syntaxError, "length for type \(name) must be at least 1",
                                   position: length.position)
                }
                try expect(.rightParen)
            }
        default:
            break
        }
        return type
    }
}

/// Collects a CREATE TABLE's columns and keys and enforces PostgreSQL's rules.
struct TableBuilder {
    let table: String
    var columns: [ColumnDefinition] = []
    var tablePrimaryKey: [(name: String, position: Int)]?
    var sawPrimaryKey = false

    init(table: String) { self.table = table }

    mutating func notePrimaryKey(at position: Int) throws(SQLError) {
        if sawPrimaryKey {
            throw SQLError(SQLState.invalidTableDefinition,
                           "multiple primary keys for table \"\(table)\" are not allowed", position: position)
        }
        sawPrimaryKey = true
    }

    func conflictingNullability(column: String, at position: Int) -> SQLError {
        SQLError(SQLState.syntaxError,
                 "conflicting NULL/NOT NULL declarations for column \"\(column)\" of table \"\(table)\"",
                 position: position)
    }

    mutating func add(_ column: ColumnDefinition, at position: Int) throws(SQLError) {
        if columns.contains(where: { $0.name == column.name }) {
            throw SQLError(SQLState.duplicateColumn, "column \"\(column.name)\" specified more than once",
                           position: position)
        }
        columns.append(column)
    }

    /// Checks the table-level key against the columns and marks its columns NOT NULL.
    func finish() throws(SQLError) -> [ColumnDefinition] {
        var result = columns
        guard let key = tablePrimaryKey else { return result }
        var seen: [String] = []
        for (name, position) in key {
            guard let i = result.firstIndex(where: { $0.name == name }) else {
                throw SQLError(SQLState.undefinedColumn, "column \"\(name)\" named in key does not exist",
                               position: position)
            }
            if seen.contains(name) {
                throw SQLError(SQLState.duplicateColumn,
                               "column \"\(name)\" appears twice in primary key constraint", position: position)
            }
            seen.append(name)
            result[i].notNull = true
        }
        return result
    }
}
