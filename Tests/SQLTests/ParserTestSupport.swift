import Core
import Foundation
import SQL
import XCTest

/// Foundation (through XCTest) has an `Expression` too.
typealias Expression = SQL.Expression

// Position-free renderings of syntax trees, so that shape tests stay short.
// Expressions render as S-expressions: `(+ 1 (* 2 3))`.

func render(_ e: Expression) -> String {
    switch e {
    case .literal(let v, _):
        switch v {
        case .text(let s): return "'\(s)'"
        case .integer(let i): return String(i)
        case .double(let d): return "\(d)d"
        default: return v.description.uppercased()
        }
    case .parameter(let n, _): return "$\(n)"
    case .column(let t, let n, _): return t.map { "\($0).\(n)" } ?? n
    case .unary(let op, let x, _): return "(\(op.rawValue) \(render(x)))"
    case .binary(let op, let l, let r, _): return "(\(op.rawValue) \(render(l)) \(render(r)))"
    case .isNull(let x, let negated, _): return "(IS \(negated ? "NOT " : "")NULL \(render(x)))"
    case .isTruth(let x, let value, let negated, _):
        let word = value.map { $0 ? "TRUE" : "FALSE" } ?? "UNKNOWN"
        return "(IS \(negated ? "NOT " : "")\(word) \(render(x)))"
    case .isDistinctFrom(let l, let r, let negated, _):
        return "(IS \(negated ? "NOT " : "")DISTINCT FROM \(render(l)) \(render(r)))"
    case .like(let x, let p, let negated, let ci, _):
        return "(\(negated ? "NOT " : "")\(ci ? "ILIKE" : "LIKE") \(render(x)) \(render(p)))"
    case .inList(let x, let list, let negated, _):
        return "(\(negated ? "NOT " : "")IN \(render(x)) [\(list.map(render).joined(separator: " "))])"
    case .inSubquery(let x, let q, let negated, _):
        return "(\(negated ? "NOT " : "")IN \(render(x)) \(render(q)))"
    case .exists(let q, _): return "(EXISTS \(render(q)))"
    case .subquery(let q, _): return "(SUBQUERY \(render(q)))"
    case .quantified(let op, let x, let quantifier, let source, _):
        let rendered: String
        switch source {
        case .subquery(let q): rendered = render(q)
        case .list(let items): rendered = "[\(items.map(render).joined(separator: " "))]"
        }
        return "(\(op.rawValue) \(quantifier.rawValue) \(render(x)) \(rendered))"
    case .between(let x, let low, let high, let negated, _):
        return "(\(negated ? "NOT " : "")BETWEEN \(render(x)) \(render(low)) \(render(high)))"
    case .cast(let x, let type, _): return "(CAST \(render(x)) \(type))"
    case .caseWhen(let operand, let branches, let elseResult, _):
        var parts = ["CASE"]
        if let operand { parts.append(render(operand)) }
        for b in branches { parts.append("(WHEN \(render(b.condition)) \(render(b.result)))") }
        if let elseResult { parts.append("(ELSE \(render(elseResult)))") }
        return "(\(parts.joined(separator: " ")))"
    case .function(let name, let args, let distinct, let star, let clauses, _):
        let filter = clauses?.filter.map { " FILTER (WHERE \(render($0)))" } ?? ""
        if star { return "\(name)(*)" + filter }
        let order = clauses.map { $0.orderBy.isEmpty ? "" : " ORDER BY " + $0.orderBy.map(render).joined(separator: ", ") } ?? ""
        return "\(name)(\(distinct ? "DISTINCT " : "")\(args.map(render).joined(separator: ", "))\(order))" + filter
    case .window(let name, let args, let star, let over, _):
        let call = star ? "\(name)(*)" : "\(name)(\(args.map(render).joined(separator: ", ")))"
        return "\(call) OVER \(render(over))"
    case .row(let items, _): return "ROW(\(items.map(render).joined(separator: ", ")))"
    case .array(let items, _): return "ARRAY[\(items.map(render).joined(separator: ", "))]"
    case .defaultValue: return "DEFAULT"
    case .special(let name, _): return name.uppercased()
    }
}

func render(_ spec: WindowSpecification) -> String {
    var parts: [String] = []
    if let base = spec.baseName { parts.append(base) }
    if !spec.partitionBy.isEmpty { parts.append("PARTITION BY " + spec.partitionBy.map(render).joined(separator: ", ")) }
    if !spec.orderBy.isEmpty { parts.append("ORDER BY " + spec.orderBy.map(render).joined(separator: ", ")) }
    if let frame = spec.frame {
        parts.append("\(frame.units.rawValue) BETWEEN \(render(frame.start)) AND \(render(frame.end))")
    }
    return "(\(parts.joined(separator: " ")))"
}

func render(_ bound: WindowFrame.Bound) -> String {
    switch bound {
    case .unboundedPreceding: "UNBOUNDED PRECEDING"
    case .preceding(let e): "\(render(e)) PRECEDING"
    case .currentRow: "CURRENT ROW"
    case .following(let e): "\(render(e)) FOLLOWING"
    case .unboundedFollowing: "UNBOUNDED FOLLOWING"
    }
}

func render(_ item: OrderItem) -> String {
    var s = render(item.expression)
    if item.descending { s += " DESC" }
    if let first = item.nullsFirst { s += first ? " NULLS FIRST" : " NULLS LAST" }
    return s
}

func render(_ item: SelectItem) -> String {
    switch item {
    case .wildcard(let table, _): return table.map { "\($0).*" } ?? "*"
    case .expression(let e, let alias): return render(e) + (alias.map { " AS \($0)" } ?? "")
    }
}

func renderAlias(_ alias: String?, _ columns: [String]?) -> String {
    guard let alias else { return "" }
    return " AS \(alias)" + (columns.map { "(\($0.joined(separator: ", ")))" } ?? "")
}

func render(_ item: FromItem) -> String {
    switch item {
    case .table(let t): return t.name + renderAlias(t.alias, t.columnAliases)
    case .subquery(let q, let alias, let columns, _): return render(q) + renderAlias(alias, columns)
    case .function(let name, let args, let alias, _):
        return "\(name)(\(args.map(render).joined(separator: ", ")))" + renderAlias(alias, nil)
    case .join(let l, let r, let kind, let condition, _):
        let suffix: String
        switch condition {
        case .none: suffix = ""
        case .on(let e): suffix = " ON \(render(e))"
        case .using(let columns): suffix = " USING (\(columns.joined(separator: ", ")))"
        case .natural: suffix = " NATURAL"
        }
        return "{\(render(l)) \(kind.rawValue) \(render(r))\(suffix)}"
    case .lateral(let inner, _): return "LATERAL " + render(inner)
    }
}

func render(_ body: QueryBody) -> String {
    switch body {
    case .select(let s): return render(s)
    case .values(let rows, _):
        return "(VALUES " + rows.map { "(" + $0.map(render).joined(separator: ", ") + ")" }.joined(separator: ", ") + ")"
    case .setOperation(let op, let all, let l, let r):
        return "(\(render(l)) \(op.rawValue)\(all ? " ALL" : "") \(render(r)))"
    case .nested(let q): return "[\(render(q))]"
    }
}

func render(_ s: Select) -> String {
    var parts = ["SELECT"]
    if !s.distinctOn.isEmpty {
        parts.append("DISTINCT ON (" + s.distinctOn.map(render).joined(separator: ", ") + ")")
    } else if s.distinct {
        parts.append("DISTINCT")
    }
    parts.append(s.items.map(render).joined(separator: ", "))
    if !s.from.isEmpty { parts.append("FROM " + s.from.map(render).joined(separator: ", ")) }
    if let w = s.whereClause { parts.append("WHERE " + render(w)) }
    if !s.groupBy.isEmpty { parts.append("GROUP BY " + s.groupBy.map(render).joined(separator: ", ")) }
    if let h = s.having { parts.append("HAVING " + render(h)) }
    if !s.windows.isEmpty {
        parts.append("WINDOW " + s.windows.map { "\($0.name) AS \(render($0.window))" }.joined(separator: ", "))
    }
    return "(" + parts.joined(separator: " ") + ")"
}

func render(_ q: Query) -> String {
    var parts: [String] = []
    if !q.with.isEmpty {
        let ctes = q.with.map { cte in
            cte.name + (cte.columns.map { "(\($0.joined(separator: ", ")))" } ?? "") + " AS " + render(cte.query)
        }
        parts.append("WITH " + (q.recursive ? "RECURSIVE " : "") + ctes.joined(separator: ", "))
    }
    parts.append(render(q.body))
    if !q.orderBy.isEmpty { parts.append("ORDER BY " + q.orderBy.map(render).joined(separator: ", ")) }
    if let l = q.limit { parts.append("LIMIT " + render(l)) }
    if let o = q.offset { parts.append("OFFSET " + render(o)) }
    return parts.count == 1 ? parts[0] : "<" + parts.joined(separator: " ") + ">"
}

/// Shared helpers of the parser test classes.
class ParserTestCase: XCTestCase {
    func parse(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> [Statement] {
        do throws(SQLError) {
            return try Parser.parse(sql)
        } catch {
            XCTFail("\(sql): \(error)", file: file, line: line)
            return []
        }
    }

    func one(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> Statement? {
        let statements = parse(sql, file: file, line: line)
        XCTAssertEqual(statements.count, 1, sql, file: file, line: line)
        return statements.first
    }

    /// The query of a SELECT (or VALUES, or parenthesized query) statement.
    func query(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> Query? {
        guard case .select(let q)? = one(sql, file: file, line: line) else {
            XCTFail("not a query: \(sql)", file: file, line: line)
            return nil
        }
        return q
    }

    /// The single SELECT block of a query statement.
    func select(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> Select? {
        guard let q = query(sql, file: file, line: line) else { return nil }
        guard case .select(let s) = q.body else {
            XCTFail("not a single SELECT: \(sql)", file: file, line: line)
            return nil
        }
        return s
    }

    /// The rendering of a query statement.
    func queryShape(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        query(sql, file: file, line: line).map(render) ?? "<none>"
    }

    /// The rendering of the FROM list of `SELECT * FROM <sql>`.
    func fromShape(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        select("SELECT * FROM " + sql, file: file, line: line)?.from.map(render).joined(separator: ", ") ?? "<none>"
    }

    /// The expression of `SELECT <sql>` (so positions are offset by 7).
    func expr(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> Expression? {
        guard let s = select("SELECT " + sql, file: file, line: line), s.items.count == 1,
              case .expression(let e, _) = s.items[0] else {
            XCTFail("not a single expression: \(sql)", file: file, line: line)
            return nil
        }
        return e
    }

    func shape(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        expr(sql, file: file, line: line).map(render) ?? "<none>"
    }

    func error(_ sql: String, file: StaticString = #filePath, line: UInt = #line) -> SQLError? {
        do throws(SQLError) {
            let result = try Parser.parse(sql)
            XCTFail("expected an error for \(sql.prefix(200)), got \(result.count) statement(s)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func assertError(_ sql: String, _ state: String, _ message: String, at position: Int?,
                     file: StaticString = #filePath, line: UInt = #line) {
        guard let e = error(sql, file: file, line: line) else { return }
        XCTAssertEqual(e.sqlState, state, sql, file: file, line: line)
        XCTAssertEqual(e.message, message, sql, file: file, line: line)
        XCTAssertEqual(e.position, position, sql, file: file, line: line)
    }

    func assertSyntaxError(_ sql: String, near: String?, at position: Int,
                           file: StaticString = #filePath, line: UInt = #line) {
        let message = near.map { "syntax error at or near \"\($0)\"" } ?? "syntax error at end of input"
        assertError(sql, "42601", message, at: position, file: file, line: line)
    }
}
