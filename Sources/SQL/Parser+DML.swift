import Core

// INSERT, UPDATE and DELETE.
//
// INSERT's source is `VALUES …` (whose items may be DEFAULT), `DEFAULT
// VALUES` or any query; a VALUES list that goes on as a query
// (`VALUES (1) UNION …`) becomes a query, where DEFAULT is not allowed.
// `ON CONFLICT [(cols)] DO NOTHING | DO UPDATE SET … [WHERE …]` and
// RETURNING follow. UPDATE's and DO UPDATE's SET items are `c = e`,
// `c = DEFAULT`, and `(a, b) = (e1, e2)` / `ROW(e1, e2)`, which is
// spelled out as one assignment per column.

extension SQLParser {
    mutating func parseInsert() throws(SQLError) -> Insert {
        let insertToken = try expect(.insert)
        try expect(.into)
        let table = try parseQualifiedName()
        var columns: [String]?
        var columnPositions: [Int] = []
        if check(.leftParen), !isQueryStart(peek(1)), peek(1).kind != .leftParen {
            advance()
            var names: [String] = []
            repeat {
                let token = tokens[index]
                let name = try parseIdentifier()
                if names.contains(name) {
                    throw SQLError(SQLState.duplicateColumn, "column \"\(name)\" specified more than once",
                                   position: token.position)
                }
                names.append(name); columnPositions.append(token.position)
            } while accept(.comma)
            try expect(.rightParen)
            columns = names
        }
        let source: InsertSource
        if check(.default) {
            advance()
            try expect(.values)
            source = .defaultValues
        } else if check(.values) {
            let valuesToken = next()
            deepest = 0
            let (rows, firstDefault) = try parseValuesRows(allowDefault: true)
            if isQueryContinuation() {
                if let firstDefault {
                    throw SQLError(SQLState.syntaxError, "DEFAULT is not allowed in this context", position: firstDefault)
                }
                source = .query(try parseQuery(first: .values(rows, position: valuesToken.position), firstDepth: deepest + 1))
            } else {
                try checkWidth(of: rows, columns: columns, columnPositions: columnPositions)
                source = .values(rows)
            }
        } else if isQueryStart(tokens[index]) || check(.leftParen) {
            source = .query(try parseQuery())
        } else {
            throw unexpected()
        }
        let onConflict = check(.on) ? try parseOnConflict() : nil
        let returning = try parseReturning()
        return Insert(table: table, columns: columns, source: source, onConflict: onConflict, returning: returning,
                      position: insertToken.position)
    }

    /// PostgreSQL's checks of a VALUES list against INSERT's column list.
    private func checkWidth(of rows: [[Expression]], columns: [String]?, columnPositions: [Int]) throws(SQLError) {
        guard let columns, let width = rows.first?.count else { return }
        if width > columns.count {
            throw SQLError(SQLState.syntaxError, "INSERT has more expressions than target columns",
                           position: rows[0][columns.count].position)
        }
        if width < columns.count {
            throw SQLError(SQLState.syntaxError, "INSERT has more target columns than expressions",
                           position: columnPositions[width])
        }
    }

    /// `ON CONFLICT [(c, …)] DO NOTHING | DO UPDATE SET … [WHERE e]`.
    private mutating func parseOnConflict() throws(SQLError) -> OnConflict {
        let onToken = next()
        try expect(.conflict)
        var columns: [String] = []
        if check(.leftParen) {
            columns = try parseIdentifierList()
            if check(.where) { throw unsupported("ON CONFLICT … WHERE (a partial index's predicate)", at: tokens[index].position) }
        } else if check(.on) {
            throw unsupported("ON CONFLICT ON CONSTRAINT", at: tokens[index].position)
        }
        try expect(.do)
        if accept(.nothing) { return OnConflict(columns: columns, action: .doNothing) }
        try expect(.update)
        if columns.isEmpty {
            throw SQLError(SQLState.syntaxError,
                           "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                           position: onToken.position)
        }
        try expect(.set)
        let assignments = try parseAssignments()
        let whereClause = try parseWhere()
        return OnConflict(columns: columns, action: .doUpdate(assignments, whereClause: whereClause))
    }

    /// `UPDATE t [[AS] alias] SET … [FROM …] [WHERE …] [RETURNING …]`.
    mutating func parseUpdate() throws(SQLError) -> Update {
        let updateToken = try expect(.update)
        let table = try parseQualifiedName()
        var alias: String?
        if accept(.as) {
            alias = try parseIdentifier()
        } else if !check(.set), isBareTableAlias(tokens[index]) {
            alias = takeText()
        }
        try expect(.set)
        let assignments = try parseAssignments()
        let from = accept(.from) ? try parseFromList() : []
        let whereClause = try parseWhere()
        let returning = try parseReturning()
        return Update(table: table, alias: alias, assignments: assignments, from: from, whereClause: whereClause,
                      returning: returning, position: updateToken.position)
    }

    /// `DELETE FROM t [[AS] alias] [WHERE …] [RETURNING …]`.
    mutating func parseDelete() throws(SQLError) -> Delete {
        let deleteToken = try expect(.delete)
        try expect(.from)
        let table = try parseQualifiedName()
        let alias = try parseAlias()
        if check(.using) { throw unsupported("DELETE … USING", at: tokens[index].position) }
        let whereClause = try parseWhere()
        let returning = try parseReturning()
        return Delete(table: table, alias: alias, whereClause: whereClause, returning: returning,
                      position: deleteToken.position)
    }

    /// SET items; a column may be assigned once.
    private mutating func parseAssignments() throws(SQLError) -> [Assignment] {
        var assignments: [Assignment] = []
        repeat {
            let start = tokens[index]
            var targets: [(name: String, position: Int)] = []
            if accept(.leftParen) {
                repeat {
                    let token = tokens[index]
                    targets.append((try parseIdentifier(), token.position))
                } while accept(.comma)
                try expect(.rightParen)
            } else {
                targets.append((try parseIdentifier(), start.position))
            }
            for target in targets where assignments.contains(where: { $0.column == target.name })
                || targets.filter({ $0.name == target.name }).count > 1 {
                throw SQLError(SQLState.syntaxError, "multiple assignments to same column \"\(target.name)\"",
                               position: target.position)
            }
            try expect(.equal)
            if check(.default) {
                let token = next()
                if targets.count > 1 { throw syntaxError(at: token) }
                assignments.append(Assignment(column: targets[0].name, value: .defaultValue(position: token.position),
                                              position: targets[0].position))
                continue
            }
            let value = try parseExpression()
            if targets.count == 1 && start.kind != .leftParen {
                assignments.append(Assignment(column: targets[0].name, value: value, position: targets[0].position))
                continue
            }
            let values: [Expression]
            switch value {
            case .row(let items, _): values = items
            case .subquery:
                throw unsupported("a multiple-column assignment from a sub-SELECT", at: value.position)
            default:
                if targets.count == 1 {
                    values = [value]
                } else {
                    throw SQLError(SQLState.syntaxError,
                                   "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression",
                                   position: value.position)
                }
            }
            guard values.count == targets.count else {
                throw SQLError(SQLState.syntaxError, "number of columns does not match number of values",
                               position: value.position)
            }
            for (target, item) in zip(targets, values) {
                assignments.append(Assignment(column: target.name, value: item, position: target.position))
            }
        } while accept(.comma)
        return assignments
    }
}
