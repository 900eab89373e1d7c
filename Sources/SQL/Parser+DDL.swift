import Core

// CREATE TABLE, its column definitions and constraints.
//
// CREATE TABLE also applies the checks PostgreSQL makes while transforming
// the statement, so the engine receives a consistent definition: one primary
// key at most (42P16), no duplicate columns (42701), table-level key, UNIQUE
// and FOREIGN KEY columns that exist (42703) and appear once in a key
// (42701), no conflicting NULL / NOT NULL or repeated DEFAULT (42601).
// Primary-key and SERIAL columns get `notNull = true`;
// `ColumnDefinition.primaryKey` is set only for column-level declarations and
// `CreateTable.primaryKey` only for the table-level clause. A column's first
// CHECK and REFERENCES go into its definition, further ones into the table's
// `constraints`. Constraint names are accepted and not kept (the AST has no
// place for them).

extension SQLParser {
    /// `CREATE …`: tables, views, indexes and branches.
    mutating func parseCreate() throws(SQLError) -> Statement {
        let createToken = next()
        if isBranchObject() { return .createBranch(try parseCreateBranch(at: createToken.position)) }
        if accept(.or) {
            try expect(.replace)
            guard check(.view) else { throw unexpected() }
            return .createView(try parseCreateView(at: createToken.position, orReplace: true))
        }
        if accept(.unique) {
            guard check(.index) else { throw unexpected() }
            return .createIndex(try parseCreateIndex(at: createToken.position, unique: true))
        }
        if check(.index) { return .createIndex(try parseCreateIndex(at: createToken.position, unique: false)) }
        if check(.view) { return .createView(try parseCreateView(at: createToken.position, orReplace: false)) }
        if isWord("materialized") { return .createMaterializedView(try parseCreateMaterializedView(at: createToken.position)) }
        try expect(.table)
        let ifNotExists = try parseIfNotExists()
        let name = try parseQualifiedName()
        if accept(.as) {
            return .createTable(CreateTable(name: name, ifNotExists: ifNotExists, columns: [], primaryKey: nil,
                                            asQuery: try parseQuery(), position: createToken.position))
        }
        var builder = TableBuilder(table: name)
        try expect(.leftParen)
        if !check(.rightParen) {
            repeat {
                if isTableConstraintStart() {
                    try builder.add(try parseTableConstraint())
                } else {
                    try parseColumnDefinition(into: &builder)
                }
            } while accept(.comma)
        }
        try expect(.rightParen)
        let columns = try builder.finish()
        var create = CreateTable(name: name, ifNotExists: ifNotExists, columns: columns,
                                        primaryKey: builder.tablePrimaryKey?.map(\.name),
                                        constraints: builder.constraints, position: createToken.position)
        create.constraintNames = builder.constraintNames
        return .createTable(create)
    }

    /// `IF NOT EXISTS`, if present.
    mutating func parseIfNotExists() throws(SQLError) -> Bool {
        guard accept(.if) else { return false }
        try expect(.not)
        try expect(.exists)
        return true
    }

    /// `IF EXISTS`, if present.
    mutating func parseIfExists() throws(SQLError) -> Bool {
        guard accept(.if) else { return false }
        try expect(.exists)
        return true
    }

    func isTableConstraintStart() -> Bool {
        check(.constraint) || check(.primary) || check(.unique) || check(.check) || check(.foreign)
    }

    /// `[CONSTRAINT name] PRIMARY KEY (…) | UNIQUE (…) | CHECK (e) |
    /// FOREIGN KEY (…) REFERENCES t [(…)] [ON DELETE …] [ON UPDATE …]`,
    /// with its key columns and their positions.
    mutating func parseTableConstraint() throws(SQLError) -> ParsedConstraint {
        let start = tokens[index]
        let name = accept(.constraint) ? try parseIdentifier() : nil
        let keyword = tokens[index]
        let position = start.position
        if accept(.check) {
            return ParsedConstraint(constraint: .check(try parseCheckCondition(), position: position), columns: [], name: name)
        }
        if accept(.primary) {
            try expect(.key)
        } else if accept(.foreign) {
            try expect(.key)
        } else {
            try expect(.unique)
        }
        let columns = try parseKeyColumns()
        let names = columns.map(\.name)
        switch keyword.keyword {
        case .primary:
            return ParsedConstraint(constraint: .primaryKey(names, position: position), columns: columns, name: name)
        case .unique:
            return ParsedConstraint(constraint: .unique(names, position: position), columns: columns, name: name)
        default:
            let reference = try parseReferences()
            if !reference.columns.isEmpty, reference.columns.count != names.count {
                throw SQLError("42830", "number of referencing and referenced columns for foreign key disagree",
                               position: keyword.position)
            }
            return ParsedConstraint(constraint: .foreignKey(names, reference, position: position), columns: columns, name: name)
        }
    }

    /// `(a, b, …)` with each name's position.
    private mutating func parseKeyColumns() throws(SQLError) -> [(name: String, position: Int)] {
        try expect(.leftParen)
        var names: [(name: String, position: Int)] = []
        repeat {
            let token = tokens[index]
            names.append((name: try parseIdentifier(), position: token.position))
        } while accept(.comma)
        try expect(.rightParen)
        return names
    }

    /// `(condition)` after CHECK.
    private mutating func parseCheckCondition() throws(SQLError) -> Expression {
        try expect(.leftParen)
        let condition = try parseExpression()
        try expect(.rightParen)
        return condition
    }

    /// The rest of `REFERENCES t [(c, …)] [ON DELETE action] [ON UPDATE action]`.
    private mutating func parseReferences() throws(SQLError) -> ForeignKeyReference {
        try expect(.references)
        let table = try parseQualifiedName()
        var reference = ForeignKeyReference(table: table, columns: check(.leftParen) ? try parseIdentifierList() : [])
        var sawDelete = false, sawUpdate = false
        while check(.on) {
            advance()
            let isDelete = check(.delete)
            guard isDelete || check(.update) else { throw unexpected() }
            if isDelete ? sawDelete : sawUpdate { throw unexpected() }
            advance()
            let action: ForeignKeyReference.Action
            if accept(.cascade) {
                action = .cascade
            } else if accept(.restrict) {
                action = .restrict
            } else if accept(.no) {
                try expect(.action)
                action = .noAction
            } else {
                try expect(.set)
                if accept(.null) {
                    action = .setNull
                } else {
                    try expect(.default)
                    action = .setDefault
                }
            }
            if isDelete {
                reference.onDelete = action; sawDelete = true
            } else {
                reference.onUpdate = action; sawUpdate = true
            }
        }
        if check(.word), tokens[index].text == "match" { throw unsupported("MATCH", at: tokens[index].position) }
        return reference
    }

    /// `name type [constraint …]`, where a constraint is `[CONSTRAINT name]`
    /// followed by NOT NULL, NULL, PRIMARY KEY, UNIQUE, CHECK (e), DEFAULT e or REFERENCES ….
    mutating func parseColumnDefinition(into builder: inout TableBuilder) throws(SQLError) {
        let nameToken = tokens[index]
        let name = try parseIdentifier()
        let (type, serial) = try parseTypeName(allowSerial: true)
        var column = ColumnDefinition(name: name, type: type, notNull: serial, serial: serial, position: nameToken.position)
        var sawNull = false, sawNotNull = serial
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
            } else if accept(.unique) {
                column.unique = true
            } else if accept(.check) {
                let condition = try parseCheckCondition()
                if column.check == nil {
                    column.check = condition
                } else {
                    builder.constraints.append(.check(condition, position: start.position))
                }
            } else if check(.references) {
                let reference = try parseReferences()
                if column.references == nil {
                    column.references = reference
                } else {
                    builder.constraints.append(.foreignKey([name], reference, position: start.position))
                }
            } else if accept(.default) {
                if column.defaultValue != nil || serial {
                    throw SQLError(SQLState.syntaxError, "multiple default values specified for column \"\(name)\" of table \"\(builder.table)\"",
                                   position: start.position)
                }
                // PostgreSQL's b_expr: no boolean operators or IS without
                // parentheses, so `DEFAULT 0 NOT NULL` reads as meant.
                column.defaultValue = try parseExpression(Precedence.isNull)
            } else if named {
                throw unexpected()
            } else {
                break
            }
        }
        try builder.add(column, at: nameToken.position)
    }
}

/// A table constraint with its key columns' names and positions (for checks).
struct ParsedConstraint {
    var constraint: TableConstraint
    var columns: [(name: String, position: Int)]
    /// `CONSTRAINT name`, when given.
    var name: String?
}

/// Collects a CREATE TABLE's columns and keys and enforces PostgreSQL's rules.
struct TableBuilder {
    let table: String
    var columns: [ColumnDefinition] = []
    var tablePrimaryKey: [(name: String, position: Int)]?
    var constraints: [TableConstraint] = []
    var constraintNames: [Int: String] = [:]
    /// Table-level UNIQUE and FOREIGN KEY columns, to check in `finish`.
    var keys: [(columns: [(name: String, position: Int)], unique: Bool)] = []
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

    mutating func add(_ parsed: ParsedConstraint) throws(SQLError) {
        switch parsed.constraint {
        case .primaryKey(_, let position):
            try notePrimaryKey(at: position)
            tablePrimaryKey = parsed.columns
        case .unique:
            constraints.append(parsed.constraint)
            keys.append((parsed.columns, true))
        case .foreignKey:
            constraints.append(parsed.constraint)
            keys.append((parsed.columns, false))
        case .check:
            constraints.append(parsed.constraint)
        }
        if let name = parsed.name, !constraints.isEmpty, parsed.constraint == constraints.last {
            constraintNames[constraints.count - 1] = name
        }
    }

    /// Checks the table-level keys against the columns and marks primary-key columns NOT NULL.
    func finish() throws(SQLError) -> [ColumnDefinition] {
        var result = columns
        for (key, unique) in keys {
            var seen: [String] = []
            for (name, position) in key {
                guard result.contains(where: { $0.name == name }) else {
                    throw SQLError(SQLState.undefinedColumn, unique ? "column \"\(name)\" named in key does not exist"
                                       : "column \"\(name)\" referenced in foreign key constraint does not exist",
                                   position: position)
                }
                if unique, seen.contains(name) {
                    throw SQLError(SQLState.duplicateColumn,
                                   "column \"\(name)\" appears twice in unique constraint", position: position)
                }
                seen.append(name)
            }
        }
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
