import Core

// Type names, as in casts, column definitions and typed literals.
//
// A name is one word or PostgreSQL's multi-word spellings (`DOUBLE
// PRECISION`, `CHARACTER VARYING`, `TIMESTAMP [(p)] WITH[OUT] TIME ZONE`),
// normalized before it is looked up with `DataType(sqlName:)`:
// `timestamp with time zone` is "timestamptz", `time with time zone`
// "timetz", `decimal` / `dec` "numeric"; other names are passed on as
// written (lower-cased unless quoted). Type modifiers are accepted where
// PostgreSQL takes them and not kept (the AST's DataType has none): a length
// for the character types and FLOAT, precision and scale for NUMERIC, a
// precision for TIMESTAMP / TIME / INTERVAL. VECTOR's dimension is kept:
// `VECTOR(n)` (1 ≤ n ≤ 16000, else 22023) is `.vector(dimensions: n)`,
// a bare `VECTOR` `.vector(dimensions: 0)` (any dimension).
// SERIAL, BIGSERIAL and SMALLSERIAL (and serial2/4/8) are types only in a
// column definition. Unknown names fail with 42704 at the name.

extension SQLParser {
    /// A type name (SERIAL not allowed).
    mutating func parseType() throws(SQLError) -> DataType {
        try parseTypeName(allowSerial: false).type
    }

    /// Whether the current token starts a multi-word type name followed by a
    /// string (a typed literal such as `TIMESTAMP WITH TIME ZONE '…'`), or a
    /// one-word name followed by a string.
    func isTypedLiteralStart() -> Bool {
        let nextKind = tokens[min(index + 1, tokens.count - 1)].kind
        guard nextKind == .string || nextKind == .word else { return false }
        let token = tokens[index]
        switch token.kind {
        case .word:
            if token.keyword?.reservation == .reserved { return false }
        case .quotedIdentifier:
            break
        default:
            return false
        }
        let next = peek(1)
        if next.kind == .string { return true }
        guard token.kind == .word, next.kind == .word else { return false }
        switch token.text {
        case "timestamp", "time":
            return (next.keyword == .with || next.keyword == .without) && check(.time, at: 2) && check(.zone, at: 3)
        case "double": return next.keyword == .precision && peek(2).kind == .string
        case "character", "char": return next.keyword == .varying && peek(2).kind == .string
        default: return false
        }
    }

    /// A type name and whether it is a SERIAL type (only with `allowSerial`).
    mutating func parseTypeName(allowSerial: Bool) throws(SQLError) -> (type: DataType, serial: Bool) {
        let token = tokens[index]
        var name: String
        switch token.kind {
        case .word:
            if token.keyword?.reservation == .reserved { throw unexpected() }
            advance()
            name = token.text
            if name == "double", accept(.precision) {
                name = "double precision"
            } else if name == "character" || name == "char", accept(.varying) {
                name = "character varying"
            }
        case .quotedIdentifier:
            advance()
            name = token.text
        default:
            throw unexpected()
        }
        let quoted = token.kind == .quotedIdentifier
        if name == "vector" { return (try parseVectorDimensions(), false) }
        if !quoted { try parseTypeModifiers(of: name) }
        if !quoted, name == "timestamp" || name == "time" {
            if check(.with), check(.time, at: 1), check(.zone, at: 2) {
                advance(); advance(); advance()
                name += "tz"
            } else if check(.without) {
                advance()
                try expect(.time)
                try expect(.zone)
            }
        }
        if !quoted {
            switch name {
            case "decimal", "dec": name = "numeric"
            case "serial" where allowSerial, "serial4" where allowSerial: return (.integer, true)
            case "bigserial" where allowSerial, "serial8" where allowSerial: return (.bigint, true)
            case "smallserial" where allowSerial, "serial2" where allowSerial: return (.smallint, true)
            default: break
            }
        }
        let type = quoted && name != name.lowercased() ? nil : DataType(sqlName: name)
        guard let type else {
            throw SQLError("42704", "type \"\(name)\" does not exist", position: token.position)
        }
        return (type, false)
    }

    /// The optional `(n)` after VECTOR.
    private mutating func parseVectorDimensions() throws(SQLError) -> DataType {
        guard accept(.leftParen) else { return .vector(dimensions: 0) }
        // (-n is a type modifier PostgreSQL reads, then refuses with 22023, as pgvector does.)
        if accept(.minus) {
            throw SQLError(SQLState.invalidParameterValue, "dimensions for type vector must be at least 1", position: peek(0).position)
        }
        let token = try expect(.integer)
        guard token.integer >= 1 else {
            throw SQLError(SQLState.invalidParameterValue, "dimensions for type vector must be at least 1", position: token.position)
        }
        guard token.integer <= UInt64(DataType.maxVectorDimensions) else {
            throw SQLError(SQLState.invalidParameterValue,
                           "dimensions for type vector cannot exceed \(DataType.maxVectorDimensions)", position: token.position)
        }
        if check(.comma) { throw SQLError(SQLState.invalidParameterValue, "invalid type modifier", position: peek(0).position) }
        try expect(.rightParen)
        return .vector(dimensions: Int(token.integer))
    }

    /// `(n)` / `(p, s)` after the type names that take them.
    private mutating func parseTypeModifiers(of name: String) throws(SQLError) {
        let count: Int
        switch name {
        case "varchar", "character varying", "char", "character", "float", "bpchar":
            guard accept(.leftParen) else { return }
            let length = try expect(.integer)
            if length.integer < 1 {
                throw SQLError(SQLState.syntaxError, "length for type \(name) must be at least 1",
                               position: length.position)
            }
            try expect(.rightParen)
            return
        case "numeric", "decimal", "dec": count = 2
        case "timestamp", "time", "timestamptz", "timetz", "interval", "bit", "varbit": count = 1
        default: return
        }
        guard accept(.leftParen) else { return }
        var parsed = 0
        repeat {
            try expect(.integer)
            parsed += 1
        } while parsed < count && accept(.comma)
        try expect(.rightParen)
    }
}
