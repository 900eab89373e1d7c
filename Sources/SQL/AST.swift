import Core

/// The syntax tree the parser produces and the planner consumes. Every node
/// that can be wrong on its own carries `position`: the 1-based character
/// offset of its first token in the SQL text (PostgreSQL's error position).

public enum Statement: Sendable, Equatable {
    case createTable(CreateTable)
    case dropTable(DropTable)
    case insert(Insert)
    case select(Select)
    case update(Update)
    case delete(Delete)
    case begin
    case commit
    case rollback

    /// The tag reported as `statement_type` (PostgreSQL command tags).
    public var tag: String {
        switch self {
        case .createTable: "CREATE TABLE"
        case .dropTable: "DROP TABLE"
        case .insert: "INSERT"
        case .select: "SELECT"
        case .update: "UPDATE"
        case .delete: "DELETE"
        case .begin: "BEGIN"
        case .commit: "COMMIT"
        case .rollback: "ROLLBACK"
        }
    }
}

public struct ColumnDefinition: Sendable, Equatable {
    public var name: String
    public var type: DataType
    public var notNull: Bool
    public var primaryKey: Bool
    public var defaultValue: Expression?
    public var position: Int
    public init(name: String, type: DataType, notNull: Bool = false, primaryKey: Bool = false,
                defaultValue: Expression? = nil, position: Int) {
        self.name = name; self.type = type; self.notNull = notNull
        self.primaryKey = primaryKey; self.defaultValue = defaultValue; self.position = position
    }
}

public struct CreateTable: Sendable, Equatable {
    public var name: String
    public var ifNotExists: Bool
    public var columns: [ColumnDefinition]
    /// Columns of a table-level `PRIMARY KEY (a, b)` clause, if any.
    public var primaryKey: [String]?
    public var position: Int
    public init(name: String, ifNotExists: Bool, columns: [ColumnDefinition], primaryKey: [String]?, position: Int) {
        self.name = name; self.ifNotExists = ifNotExists; self.columns = columns
        self.primaryKey = primaryKey; self.position = position
    }
}

public struct DropTable: Sendable, Equatable {
    public var names: [String]
    public var ifExists: Bool
    public var position: Int
    public init(names: [String], ifExists: Bool, position: Int) {
        self.names = names; self.ifExists = ifExists; self.position = position
    }
}

public struct Insert: Sendable, Equatable {
    public var table: String
    /// Explicit column list, nil when omitted (all columns in order).
    public var columns: [String]?
    /// One entry per `VALUES (…)` tuple.
    public var rows: [[Expression]]
    public var returning: [SelectItem]?
    public var position: Int
    public init(table: String, columns: [String]?, rows: [[Expression]], returning: [SelectItem]? = nil, position: Int) {
        self.table = table; self.columns = columns; self.rows = rows
        self.returning = returning; self.position = position
    }
}

public struct Update: Sendable, Equatable {
    public var table: String
    public var assignments: [(column: String, value: Expression, position: Int)]
    public var whereClause: Expression?
    public var returning: [SelectItem]?
    public var position: Int
    public init(table: String, assignments: [(column: String, value: Expression, position: Int)],
                whereClause: Expression?, returning: [SelectItem]? = nil, position: Int) {
        self.table = table; self.assignments = assignments; self.whereClause = whereClause
        self.returning = returning; self.position = position
    }
    public static func == (a: Update, b: Update) -> Bool {
        a.table == b.table && a.whereClause == b.whereClause && a.returning == b.returning
            && a.position == b.position && a.assignments.count == b.assignments.count
            && zip(a.assignments, b.assignments).allSatisfy {
                $0.column == $1.column && $0.value == $1.value && $0.position == $1.position
            }
    }
}

public struct Delete: Sendable, Equatable {
    public var table: String
    public var whereClause: Expression?
    public var returning: [SelectItem]?
    public var position: Int
    public init(table: String, whereClause: Expression?, returning: [SelectItem]? = nil, position: Int) {
        self.table = table; self.whereClause = whereClause; self.returning = returning; self.position = position
    }
}

public struct TableReference: Sendable, Equatable {
    public var name: String
    public var alias: String?
    public var position: Int
    public init(name: String, alias: String?, position: Int) {
        self.name = name; self.alias = alias; self.position = position
    }
}

public enum SelectItem: Sendable, Equatable {
    /// `*` or `t.*`.
    case wildcard(table: String?, position: Int)
    case expression(Expression, alias: String?)
}

public struct OrderItem: Sendable, Equatable {
    public var expression: Expression
    public var descending: Bool
    /// Explicit NULLS FIRST (true) / NULLS LAST (false); nil = PostgreSQL default
    /// (NULLs last ascending, first descending).
    public var nullsFirst: Bool?
    public init(expression: Expression, descending: Bool, nullsFirst: Bool?) {
        self.expression = expression; self.descending = descending; self.nullsFirst = nullsFirst
    }
}

public struct Select: Sendable, Equatable {
    public var distinct: Bool
    public var items: [SelectItem]
    public var from: TableReference?
    public var whereClause: Expression?
    public var groupBy: [Expression]
    public var having: Expression?
    public var orderBy: [OrderItem]
    public var limit: Expression?
    public var offset: Expression?
    public var position: Int
    public init(distinct: Bool = false, items: [SelectItem], from: TableReference? = nil,
                whereClause: Expression? = nil, groupBy: [Expression] = [], having: Expression? = nil,
                orderBy: [OrderItem] = [], limit: Expression? = nil, offset: Expression? = nil, position: Int) {
        self.distinct = distinct; self.items = items; self.from = from; self.whereClause = whereClause
        self.groupBy = groupBy; self.having = having; self.orderBy = orderBy
        self.limit = limit; self.offset = offset; self.position = position
    }
}

public enum UnaryOperator: String, Sendable, Equatable {
    case minus = "-", plus = "+", not = "NOT"
}

public enum BinaryOperator: String, Sendable, Equatable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
    case concat = "||"
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case and = "AND", or = "OR"
}

public indirect enum Expression: Sendable, Equatable {
    case literal(Value, position: Int)
    /// `$n`, 1-based.
    case parameter(Int, position: Int)
    /// `name` or `table.name` (identifiers already case-folded unless quoted).
    case column(table: String?, name: String, position: Int)
    case unary(UnaryOperator, Expression, position: Int)
    case binary(BinaryOperator, Expression, Expression, position: Int)
    /// `e IS [NOT] NULL`.
    case isNull(Expression, negated: Bool, position: Int)
    /// `e [NOT] LIKE|ILIKE pattern`.
    case like(Expression, pattern: Expression, negated: Bool, caseInsensitive: Bool, position: Int)
    /// `e [NOT] IN (a, b, …)`.
    case inList(Expression, [Expression], negated: Bool, position: Int)
    /// `e [NOT] BETWEEN low AND high`.
    case between(Expression, low: Expression, high: Expression, negated: Bool, position: Int)
    /// `CAST(e AS type)` and `e::type`.
    case cast(Expression, DataType, position: Int)
    /// `CASE [operand] WHEN … THEN … [ELSE …] END`.
    case caseWhen(operand: Expression?, branches: [(condition: Expression, result: Expression)],
                  elseResult: Expression?, position: Int)
    /// A function call; `name` is lower-cased. `count(*)` has `star: true` and no arguments.
    case function(name: String, arguments: [Expression], distinct: Bool, star: Bool, position: Int)

    public var position: Int {
        switch self {
        case .literal(_, let p), .parameter(_, let p), .column(_, _, let p), .unary(_, _, let p),
             .binary(_, _, _, let p), .isNull(_, _, let p), .like(_, _, _, _, let p),
             .inList(_, _, _, let p), .between(_, _, _, _, let p), .cast(_, _, let p),
             .caseWhen(_, _, _, let p), .function(_, _, _, _, let p):
            return p
        }
    }

    public static func == (a: Expression, b: Expression) -> Bool {
        switch (a, b) {
        case let (.literal(x, p), .literal(y, q)): return x == y && p == q
        case let (.parameter(x, p), .parameter(y, q)): return x == y && p == q
        case let (.column(t, n, p), .column(u, m, q)): return t == u && n == m && p == q
        case let (.unary(o, x, p), .unary(r, y, q)): return o == r && x == y && p == q
        case let (.binary(o, x1, x2, p), .binary(r, y1, y2, q)): return o == r && x1 == y1 && x2 == y2 && p == q
        case let (.isNull(x, n, p), .isNull(y, m, q)): return x == y && n == m && p == q
        case let (.like(x, px, n, c, p), .like(y, py, m, d, q)):
            return x == y && px == py && n == m && c == d && p == q
        case let (.inList(x, xs, n, p), .inList(y, ys, m, q)): return x == y && xs == ys && n == m && p == q
        case let (.between(x, l1, h1, n, p), .between(y, l2, h2, m, q)):
            return x == y && l1 == l2 && h1 == h2 && n == m && p == q
        case let (.cast(x, t, p), .cast(y, u, q)): return x == y && t == u && p == q
        case let (.caseWhen(o1, b1, e1, p), .caseWhen(o2, b2, e2, q)):
            return o1 == o2 && e1 == e2 && p == q && b1.count == b2.count
                && zip(b1, b2).allSatisfy { $0.condition == $1.condition && $0.result == $1.result }
        case let (.function(n1, a1, d1, s1, p), .function(n2, a2, d2, s2, q)):
            return n1 == n2 && a1 == a2 && d1 == d2 && s1 == s2 && p == q
        default: return false
        }
    }
}
