import Core

/// Prints an expression back as SQL text that the parser reads to the same
/// tree (fully parenthesized). Used to store CHECK conditions in the catalog.
enum ExpressionPrinter {
    static func sql(_ e: Expression) throws(SQLError) -> String {
        switch e {
        case .literal(let v, _): return literal(v)
        case .parameter(let n, _): return "$\(n)"
        case let .column(table, name, _): return (table.map { quote($0) + "." } ?? "") + quote(name)
        case let .unary(op, x, _): return "(\(op == .not ? "NOT " : op.rawValue)\(try sql(x)))"
        case let .binary(op, l, r, _): return "(\(try sql(l)) \(op.rawValue) \(try sql(r)))"
        case let .isNull(x, negated, _): return "(\(try sql(x)) IS \(negated ? "NOT " : "")NULL)"
        case let .isTruth(x, value, negated, _):
            return "(\(try sql(x)) IS \(negated ? "NOT " : "")\(value.map { $0 ? "TRUE" : "FALSE" } ?? "UNKNOWN"))"
        case let .isDistinctFrom(l, r, negated, _):
            return "(\(try sql(l)) IS \(negated ? "NOT " : "")DISTINCT FROM \(try sql(r)))"
        case let .like(x, p, negated, insensitive, _):
            return "(\(try sql(x)) \(negated ? "NOT " : "")\(insensitive ? "ILIKE" : "LIKE") \(try sql(p)))"
        case let .inList(x, items, negated, _):
            return "(\(try sql(x)) \(negated ? "NOT " : "")IN (\(try list(items))))"
        case let .between(x, low, high, negated, _):
            return "(\(try sql(x)) \(negated ? "NOT " : "")BETWEEN \(try sql(low)) AND \(try sql(high)))"
        case let .cast(x, type, _): return "CAST(\(try sql(x)) AS \(type.description))"
        case let .caseWhen(operand, branches, elseResult, _):
            var text = "CASE"
            if let operand { text += " " + (try sql(operand)) }
            for b in branches { text += " WHEN \(try sql(b.condition)) THEN \(try sql(b.result))" }
            if let elseResult { text += " ELSE \(try sql(elseResult))" }
            return text + " END"
        case let .function(name, arguments, distinct, star, nil, _):
            return "\(name)(\(star ? "*" : (distinct ? "DISTINCT " : "") + (try list(arguments))))"
        case let .row(items, _): return "ROW(\(try list(items)))"
        case let .special(name, _): return name.uppercased()
        default:
            throw SQLError(SQLState.featureNotSupported, "this expression cannot be stored in a constraint", position: e.position)
        }
    }

    private static func list(_ items: [Expression]) throws(SQLError) -> String {
        var parts: [String] = []
        for item in items { parts.append(try sql(item)) }
        return parts.joined(separator: ", ")
    }

    static func literal(_ v: Value) -> String {
        switch v {
        case .null: "NULL"
        case .boolean(let b): b ? "TRUE" : "FALSE"
        case .integer(let i): i < 0 ? "(\(i))" : String(i)
        case .double(let d): d.isFinite ? (d < 0 ? "(\(d))" : "\(d)") : "'\(Value.format(d))'::double precision"
        case .text(let s): "'" + s.replacing("'", with: "''") + "'"
        default: "'" + v.description + "'::" + (v.dataType?.description ?? "text")
        }
    }

    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacing("\"", with: "\"\"") + "\""
    }
}
