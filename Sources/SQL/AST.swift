import Core

/// The syntax tree the parser produces and the planner consumes. Every node
/// that can be wrong on its own carries `position`: the 1-based character
/// offset of its first token in the SQL text (PostgreSQL's error position).

public indirect enum Statement: Sendable, Equatable {
    case createTable(CreateTable)
    case dropTable(DropTable)
    case createView(CreateView)
    /// `DROP VIEW [IF EXISTS] a, b`.
    case dropView(DropObjects)
    case createIndex(CreateIndex)
    /// `DROP INDEX [IF EXISTS] a, b`.
    case dropIndex(DropObjects)
    case alterTable(AlterTable)
    /// `TRUNCATE [TABLE] a, b`.
    case truncate([String], position: Int)
    case insert(Insert)
    case select(Query)
    case update(Update)
    case delete(Delete)
    /// `EXPLAIN [ANALYZE] statement`.
    case explain(Statement, analyze: Bool)
    case begin
    case commit
    case rollback
    case savepoint(String)
    case releaseSavepoint(String)
    case rollbackToSavepoint(String)
    /// `SET [LOCAL] name = value` / `SET name TO value` (value as written:
    /// literal or identifier); `local`: only until the transaction ends.
    case set(name: String, value: Expression, local: Bool = false, position: Int)
    /// `CREATE [DATABASE] BRANCH …`.
    case createBranch(CreateBranch)
    /// `DROP [DATABASE] BRANCH [IF EXISTS] name`.
    case dropBranch(name: String, ifExists: Bool, position: Int)
    /// `MERGE [DATABASE] BRANCH source INTO target [WITH (…)]`.
    case mergeBranch(MergeBranch)
    /// `USE [DATABASE] BRANCH name`: the branch for the rest of the request.
    case useBranch(name: String, position: Int)
    /// `SHOW [DATABASE] BRANCHES`.
    case showBranches
    /// `SHOW name`: a setting's value.
    case showSetting(name: String, position: Int)
    /// `RESET name` or `RESET ALL` (name nil).
    case resetSetting(name: String?, position: Int)
    /// `VACUUM [table]`: collect versions older than the retention window.
    case vacuum(table: String?, position: Int)
    /// `CREATE MATERIALIZED VIEW …`.
    case createMaterializedView(CreateMaterializedView)
    /// `REFRESH MATERIALIZED VIEW [CONCURRENTLY] v [INCREMENTALLY]`.
    case refreshMaterializedView(RefreshMaterializedView)
    /// `ALTER MATERIALIZED VIEW [IF EXISTS] v SET (k = v, …)`.
    case alterMaterializedView(AlterMaterializedView)
    /// `DROP MATERIALIZED VIEW [IF EXISTS] a, b`.
    case dropMaterializedView(DropObjects)

    /// The tag reported as `statement_type` (PostgreSQL command tags).
    public var tag: String {
        switch self {
        case .createTable: "CREATE TABLE"
        case .dropTable: "DROP TABLE"
        case .createView: "CREATE VIEW"
        case .dropView: "DROP VIEW"
        case .createIndex: "CREATE INDEX"
        case .dropIndex: "DROP INDEX"
        case .alterTable: "ALTER TABLE"
        case .truncate: "TRUNCATE TABLE"
        case .insert: "INSERT"
        case .select: "SELECT"
        case .update: "UPDATE"
        case .delete: "DELETE"
        case .explain: "EXPLAIN"
        case .begin: "BEGIN"
        case .commit: "COMMIT"
        case .rollback: "ROLLBACK"
        case .savepoint: "SAVEPOINT"
        case .releaseSavepoint: "RELEASE"
        case .rollbackToSavepoint: "ROLLBACK"
        case .set: "SET"
        case .createBranch: "CREATE BRANCH"
        case .dropBranch: "DROP BRANCH"
        case .mergeBranch: "MERGE BRANCH"
        case .useBranch: "USE BRANCH"
        case .showBranches: "SHOW BRANCHES"
        case .showSetting: "SHOW"
        case .resetSetting: "RESET"
        case .vacuum: "VACUUM"
        case .createMaterializedView: "CREATE MATERIALIZED VIEW"
        case .refreshMaterializedView: "REFRESH MATERIALIZED VIEW"
        case .alterMaterializedView: "ALTER MATERIALIZED VIEW"
        case .dropMaterializedView: "DROP MATERIALIZED VIEW"
        }
    }
}

// MARK: Branches and time travel

/// A point in the commit history.
public enum TemporalPoint: Sendable, Equatable {
    /// `NOW`: the latest commit visible to the statement.
    case now
    /// `SCN n` (an expression: a literal or a parameter).
    case scn(Expression)
    /// `TRANSACTION n`: the state right after transaction n committed.
    case transaction(Expression)
    /// `TIMESTAMP '…'`: the last commit at or before that wall-clock time.
    case timestamp(Expression)
}

/// Time travel on one table reference.
public enum TemporalClause: Sendable, Equatable {
    /// `AS OF point`.
    case asOf(TemporalPoint)
    /// `VERSIONS BETWEEN SCN a AND b` or `VERSIONS BETWEEN TIMESTAMP a AND b`:
    /// every version of every row committed in that range.
    case versionsBetween(TemporalPoint, TemporalPoint)
}

/// `name = value` inside `WITH (…)` of branch statements.
public struct StatementOption: Sendable, Equatable {
    public var name: String
    public var value: Expression
    public var position: Int
    public init(name: String, value: Expression, position: Int) {
        self.name = name; self.value = value; self.position = position
    }
}

public struct CreateBranch: Sendable, Equatable {
    public var name: String
    public var ifNotExists: Bool
    /// The parent named by `FROM`; nil for no FROM or `FROM CURRENT` (the current branch).
    public var parent: String?
    /// nil = `AS OF NOW`.
    public var asOf: TemporalPoint?
    /// `WITH (replication_factor = n, region = '…')`.
    public var options: [StatementOption]
    public var position: Int
    public init(name: String, ifNotExists: Bool = false, parent: String? = nil, asOf: TemporalPoint? = nil,
                options: [StatementOption] = [], position: Int) {
        self.name = name; self.ifNotExists = ifNotExists; self.parent = parent; self.asOf = asOf
        self.options = options; self.position = position
    }
}

public struct MergeBranch: Sendable, Equatable {
    public var source: String
    public var target: String
    /// `WITH (strategy = 'theirs', delete_branch_after = true)`; also `conflict_resolution`.
    public var options: [StatementOption]
    public var position: Int
    public init(source: String, target: String, options: [StatementOption] = [], position: Int) {
        self.source = source; self.target = target; self.options = options; self.position = position
    }
}

// MARK: DDL

public struct ForeignKeyReference: Sendable, Equatable {
    public enum Action: Sendable, Equatable { case noAction, restrict, cascade, setNull, setDefault }
    public var table: String
    /// Referenced columns; empty = the referenced table's primary key.
    public var columns: [String]
    public var onDelete: Action
    public var onUpdate: Action
    public init(table: String, columns: [String], onDelete: Action = .noAction, onUpdate: Action = .noAction) {
        self.table = table; self.columns = columns; self.onDelete = onDelete; self.onUpdate = onUpdate
    }
}

public struct ColumnDefinition: Sendable, Equatable {
    public var name: String
    public var type: DataType
    public var notNull: Bool
    public var primaryKey: Bool
    public var unique: Bool
    public var defaultValue: Expression?
    public var check: Expression?
    public var references: ForeignKeyReference?
    /// SERIAL / BIGSERIAL / SMALLSERIAL: an integer filled from a sequence.
    public var serial: Bool
    public var position: Int
    public init(name: String, type: DataType, notNull: Bool = false, primaryKey: Bool = false, unique: Bool = false,
                defaultValue: Expression? = nil, check: Expression? = nil, references: ForeignKeyReference? = nil,
                serial: Bool = false, position: Int) {
        self.name = name; self.type = type; self.notNull = notNull; self.primaryKey = primaryKey
        self.unique = unique; self.defaultValue = defaultValue; self.check = check
        self.references = references; self.serial = serial; self.position = position
    }
}

/// A table-level constraint: `[CONSTRAINT name] PRIMARY KEY (…) | UNIQUE (…) | CHECK (…) | FOREIGN KEY (…) REFERENCES …`.
public enum TableConstraint: Sendable, Equatable {
    case primaryKey([String], position: Int)
    case unique([String], position: Int)
    case check(Expression, position: Int)
    case foreignKey([String], ForeignKeyReference, position: Int)
}

public struct CreateTable: Sendable, Equatable {
    public var name: String
    public var ifNotExists: Bool
    public var columns: [ColumnDefinition]
    /// Columns of a table-level `PRIMARY KEY (a, b)` clause, if any.
    public var primaryKey: [String]?
    /// Other table-level constraints (UNIQUE, CHECK, FOREIGN KEY), in order.
    public var constraints: [TableConstraint]
    /// Names given with `CONSTRAINT name`, by index into `constraints`.
    public var constraintNames: [Int: String] = [:]
    /// `CREATE TABLE t AS query`.
    public var asQuery: Query?
    public var position: Int
    public init(name: String, ifNotExists: Bool, columns: [ColumnDefinition], primaryKey: [String]?,
                constraints: [TableConstraint] = [], asQuery: Query? = nil, position: Int) {
        self.name = name; self.ifNotExists = ifNotExists; self.columns = columns
        self.primaryKey = primaryKey; self.constraints = constraints; self.asQuery = asQuery; self.position = position
    }
}

/// `DROP TABLE [IF EXISTS] a, b [CASCADE]` has the shape of every other DROP.
public typealias DropTable = DropObjects

public struct DropObjects: Sendable, Equatable {
    public var names: [String]
    public var ifExists: Bool
    public var cascade: Bool
    public var position: Int
    public init(names: [String], ifExists: Bool, cascade: Bool = false, position: Int) {
        self.names = names; self.ifExists = ifExists; self.cascade = cascade; self.position = position
    }
}

public struct CreateView: Sendable, Equatable {
    public var name: String
    public var columns: [String]?
    public var query: Query
    public var orReplace: Bool
    public var ifNotExists: Bool
    /// The SQL text of the query, as written (for catalogs and re-planning).
    public var queryText: String
    public var position: Int
    public init(name: String, columns: [String]?, query: Query, orReplace: Bool = false, ifNotExists: Bool = false,
                queryText: String, position: Int) {
        self.name = name; self.columns = columns; self.query = query; self.orReplace = orReplace
        self.ifNotExists = ifNotExists; self.queryText = queryText; self.position = position
    }
}

/// `CREATE MATERIALIZED VIEW [IF NOT EXISTS] v [(c, …)] [WITH (…)] AS query
/// [WITH (…)] [WITH [NO] DATA]`: options may come before or after the
/// query (both lists are kept, in order).
public struct CreateMaterializedView: Sendable, Equatable {
    public var name: String
    public var columns: [String]?
    public var query: Query
    /// The SQL text of the query, as written (kept in the catalog).
    public var queryText: String
    public var options: [IndexOption]
    public var ifNotExists: Bool
    /// False for `WITH NO DATA`: created unpopulated.
    public var withData: Bool
    public var position: Int
    public init(name: String, columns: [String]? = nil, query: Query, queryText: String, options: [IndexOption] = [],
                ifNotExists: Bool = false, withData: Bool = true, position: Int) {
        self.name = name; self.columns = columns; self.query = query; self.queryText = queryText; self.options = options
        self.ifNotExists = ifNotExists; self.withData = withData; self.position = position
    }
}

public struct RefreshMaterializedView: Sendable, Equatable {
    public var name: String
    public var concurrently: Bool
    public var incrementally: Bool
    public var position: Int
    public init(name: String, concurrently: Bool = false, incrementally: Bool = false, position: Int) {
        self.name = name; self.concurrently = concurrently; self.incrementally = incrementally; self.position = position
    }
}

public struct AlterMaterializedView: Sendable, Equatable {
    public var name: String
    public var ifExists: Bool
    public var options: [IndexOption]
    public var position: Int
    public init(name: String, ifExists: Bool = false, options: [IndexOption], position: Int) {
        self.name = name; self.ifExists = ifExists; self.options = options; self.position = position
    }
}

public struct IndexOption: Sendable, Equatable {
    public var name: String
    public var value: Expression
    public init(name: String, value: Expression) { self.name = name; self.value = value }
}

public struct IndexColumn: Sendable, Equatable {
    public var name: String
    public var descending: Bool
    /// Operator class as written (`vector_l2_ops`), lower-cased.
    public var operatorClass: String?
    public init(name: String, descending: Bool = false, operatorClass: String? = nil) {
        self.name = name; self.descending = descending; self.operatorClass = operatorClass
    }
}

public struct CreateIndex: Sendable, Equatable {
    /// nil when unnamed (`CREATE INDEX ON t (a)`).
    public var name: String?
    public var table: String
    public var columns: [IndexColumn]
    public var unique: Bool
    public var ifNotExists: Bool
    /// `USING method`, lower-cased (`btree`, `hash`, `hnsw`); nil = default.
    public var method: String?
    /// `WITH (k = v, …)`.
    public var options: [IndexOption]
    public var position: Int
    public init(name: String?, table: String, columns: [IndexColumn], unique: Bool = false, ifNotExists: Bool = false,
                method: String? = nil, options: [IndexOption] = [], position: Int) {
        self.name = name; self.table = table; self.columns = columns; self.unique = unique
        self.ifNotExists = ifNotExists; self.method = method; self.options = options; self.position = position
    }
}

public struct AlterTable: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case addColumn(ColumnDefinition, ifNotExists: Bool)
        case dropColumn(String, ifExists: Bool)
        case renameColumn(from: String, to: String)
        case renameTable(to: String)
        case addConstraint(TableConstraint, name: String?)
    }
    public var table: String
    public var ifExists: Bool
    public var action: Action
    public var position: Int
    public init(table: String, ifExists: Bool = false, action: Action, position: Int) {
        self.table = table; self.ifExists = ifExists; self.action = action; self.position = position
    }
}

// MARK: DML

public struct Assignment: Sendable, Equatable {
    public var column: String
    /// `.defaultValue` for `SET c = DEFAULT`.
    public var value: Expression
    public var position: Int
    public init(column: String, value: Expression, position: Int) {
        self.column = column; self.value = value; self.position = position
    }
}

public struct OnConflict: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case doNothing
        case doUpdate([Assignment], whereClause: Expression?)
    }
    /// Conflict target columns; empty = any unique constraint (DO NOTHING only).
    public var columns: [String]
    public var action: Action
    public init(columns: [String], action: Action) { self.columns = columns; self.action = action }
}

public enum InsertSource: Sendable, Equatable {
    /// `VALUES (…), (…)`; an item may be `.defaultValue`.
    case values([[Expression]])
    case query(Query)
    case defaultValues
}

public struct Insert: Sendable, Equatable {
    public var table: String
    /// Explicit column list, nil when omitted (all columns in order).
    public var columns: [String]?
    public var source: InsertSource
    public var onConflict: OnConflict?
    public var returning: [SelectItem]?
    public var position: Int
    public init(table: String, columns: [String]?, source: InsertSource, onConflict: OnConflict? = nil,
                returning: [SelectItem]? = nil, position: Int) {
        self.table = table; self.columns = columns; self.source = source; self.onConflict = onConflict
        self.returning = returning; self.position = position
    }
}

public struct Update: Sendable, Equatable {
    public var table: String
    public var alias: String?
    public var assignments: [Assignment]
    /// `UPDATE … FROM other` (PostgreSQL's join-update), empty when absent.
    public var from: [FromItem]
    public var whereClause: Expression?
    public var returning: [SelectItem]?
    public var position: Int
    public init(table: String, alias: String? = nil, assignments: [Assignment], from: [FromItem] = [],
                whereClause: Expression?, returning: [SelectItem]? = nil, position: Int) {
        self.table = table; self.alias = alias; self.assignments = assignments; self.from = from
        self.whereClause = whereClause; self.returning = returning; self.position = position
    }
}

public struct Delete: Sendable, Equatable {
    public var table: String
    public var alias: String?
    public var whereClause: Expression?
    public var returning: [SelectItem]?
    public var position: Int
    public init(table: String, alias: String? = nil, whereClause: Expression?, returning: [SelectItem]? = nil, position: Int) {
        self.table = table; self.alias = alias; self.whereClause = whereClause; self.returning = returning; self.position = position
    }
}

// MARK: Queries

/// A complete query: optional WITH, a body (one SELECT or a set operation
/// tree), then ORDER BY / LIMIT / OFFSET over the whole body.
public struct Query: Sendable, Equatable {
    public var with: [CommonTableExpression]
    public var recursive: Bool
    public var body: QueryBody
    public var orderBy: [OrderItem]
    public var limit: Expression?
    public var offset: Expression?
    /// `FETCH FIRST n ROWS WITH TIES`: rows equal to the last one in the
    /// ORDER BY keys come along.
    public var withTies = false
    public var position: Int
    public init(with: [CommonTableExpression] = [], recursive: Bool = false, body: QueryBody,
                orderBy: [OrderItem] = [], limit: Expression? = nil, offset: Expression? = nil, position: Int) {
        self.with = with; self.recursive = recursive; self.body = body; self.orderBy = orderBy
        self.limit = limit; self.offset = offset; self.position = position
    }
}

public struct CommonTableExpression: Sendable, Equatable {
    public var name: String
    public var columns: [String]?
    public var query: Query
    public var position: Int
    public init(name: String, columns: [String]?, query: Query, position: Int) {
        self.name = name; self.columns = columns; self.query = query; self.position = position
    }
}

public enum SetOperator: String, Sendable, Equatable {
    case union = "UNION", intersect = "INTERSECT", except = "EXCEPT"
}

public indirect enum QueryBody: Sendable, Equatable {
    case select(Select)
    /// `VALUES (…), (…)` as a query.
    case values([[Expression]], position: Int)
    /// INTERSECT binds tighter than UNION/EXCEPT; all are left-associative.
    case setOperation(SetOperator, all: Bool, QueryBody, QueryBody)
    /// A parenthesized query with its own ORDER BY/LIMIT: `(SELECT … LIMIT 1) UNION …`.
    case nested(Query)
}

/// `name [AS alias [(c1, c2)]]`.
public struct TableReference: Sendable, Equatable {
    public var name: String
    public var alias: String?
    public var columnAliases: [String]?
    /// `AS OF …` / `VERSIONS BETWEEN …` written after the name (before the alias).
    public var temporal: TemporalClause?
    public var position: Int
    public init(name: String, alias: String?, columnAliases: [String]? = nil, temporal: TemporalClause? = nil,
                position: Int) {
        self.name = name; self.alias = alias; self.columnAliases = columnAliases; self.temporal = temporal
        self.position = position
    }
}

public enum JoinKind: String, Sendable, Equatable {
    case inner = "INNER", left = "LEFT", right = "RIGHT", full = "FULL", cross = "CROSS"
}

public enum JoinCondition: Sendable, Equatable {
    /// CROSS JOIN (or a comma).
    case none
    case on(Expression)
    case using([String])
    case natural
}

public indirect enum FromItem: Sendable, Equatable {
    case table(TableReference)
    /// `(query) [AS] alias [(c1, …)]` (alias required, as in PostgreSQL < 16; accept it missing too).
    case subquery(Query, alias: String?, columnAliases: [String]?, position: Int)
    /// `name(args) [AS] alias` — set-returning or system functions (`generate_series`, `pg_snapshots()`).
    case function(name: String, arguments: [Expression], alias: String?, position: Int)
    case join(FromItem, FromItem, kind: JoinKind, condition: JoinCondition, position: Int)
    /// `LATERAL (query) alias` or `LATERAL name(args)`: may read the
    /// columns of the FROM items before it (evaluated once per their row).
    case lateral(FromItem, position: Int)
}

public enum SelectItem: Sendable, Equatable {
    /// `*` or `t.*`.
    case wildcard(table: String?, position: Int)
    case expression(Expression, alias: String?)
}

/// What an aggregate call may add to its arguments: `ORDER BY` inside the
/// parentheses (the order its rows are fed in) and `FILTER (WHERE …)` after
/// them (which rows it sees).
public struct AggregateClauses: Sendable, Equatable {
    public var orderBy: [OrderItem]
    public var filter: Expression?
    public init(orderBy: [OrderItem] = [], filter: Expression? = nil) {
        self.orderBy = orderBy; self.filter = filter
    }
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

/// One SELECT block (no ORDER BY / LIMIT: those belong to `Query`).
public struct Select: Sendable, Equatable {
    public var distinct: Bool
    /// `DISTINCT ON (e, …)`; empty otherwise.
    public var distinctOn: [Expression]
    public var items: [SelectItem]
    /// Comma-separated FROM items (each may be a join tree); empty = no FROM.
    public var from: [FromItem]
    public var whereClause: Expression?
    public var groupBy: [Expression]
    public var having: Expression?
    /// `WINDOW w AS (…)` definitions.
    public var windows: [NamedWindow]
    public var position: Int
    public init(distinct: Bool = false, distinctOn: [Expression] = [], items: [SelectItem], from: [FromItem] = [],
                whereClause: Expression? = nil, groupBy: [Expression] = [], having: Expression? = nil,
                windows: [NamedWindow] = [], position: Int) {
        self.distinct = distinct; self.distinctOn = distinctOn; self.items = items; self.from = from
        self.whereClause = whereClause; self.groupBy = groupBy; self.having = having
        self.windows = windows; self.position = position
    }
}

public struct NamedWindow: Sendable, Equatable {
    public var name: String
    public var window: WindowSpecification
    public init(name: String, window: WindowSpecification) { self.name = name; self.window = window }
}

public struct WindowSpecification: Sendable, Equatable {
    /// `OVER w` or `OVER (w ORDER BY …)`: the named window this one extends.
    public var baseName: String?
    public var partitionBy: [Expression]
    public var orderBy: [OrderItem]
    public var frame: WindowFrame?
    public init(baseName: String? = nil, partitionBy: [Expression] = [], orderBy: [OrderItem] = [], frame: WindowFrame? = nil) {
        self.baseName = baseName; self.partitionBy = partitionBy; self.orderBy = orderBy; self.frame = frame
    }
}

public struct WindowFrame: Sendable, Equatable {
    public enum Units: String, Sendable, Equatable { case rows = "ROWS", range = "RANGE", groups = "GROUPS" }
    public enum Bound: Sendable, Equatable {
        case unboundedPreceding
        case preceding(Expression)
        case currentRow
        case following(Expression)
        case unboundedFollowing
    }
    public var units: Units
    public var start: Bound
    /// `BETWEEN start AND end`; a single bound means `AND CURRENT ROW`.
    public var end: Bound
    public init(units: Units, start: Bound, end: Bound) { self.units = units; self.start = start; self.end = end }
}

// MARK: Expressions

public enum UnaryOperator: String, Sendable, Equatable {
    case minus = "-", plus = "+", not = "NOT"
}

public enum BinaryOperator: String, Sendable, Equatable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
    case concat = "||"
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case and = "AND", or = "OR"
    /// JSON operators: `->`, `->>`, `#>`, `#>>`, `@>`, `<@`, `?`, `?|`, `?&`.
    case jsonGet = "->", jsonGetText = "->>", jsonPath = "#>", jsonPathText = "#>>"
    case contains = "@>", containedBy = "<@", hasKey = "?", hasAnyKey = "?|", hasAllKeys = "?&"
    /// Vector distances: `<->` L2, `<=>` cosine, `<#>` negative inner product, `<+>` L1.
    case l2Distance = "<->", cosineDistance = "<=>", negativeInnerProduct = "<#>", l1Distance = "<+>"
    /// Regular expressions: `~`, `~*`, `!~`, `!~*`.
    case regexMatch = "~", regexMatchInsensitive = "~*", regexNotMatch = "!~", regexNotMatchInsensitive = "!~*"
    /// Bitwise and exponent: `&`, `|`, `#`, `<<`, `>>`, `^`.
    case bitAnd = "&", bitOr = "|", bitXor = "#", shiftLeft = "<<", shiftRight = ">>", power = "^"
}

public enum Quantifier: String, Sendable, Equatable { case any = "ANY", all = "ALL" }

public struct WhenClause: Sendable, Equatable {
    public var condition: Expression
    public var result: Expression
    public init(condition: Expression, result: Expression) { self.condition = condition; self.result = result }
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
    /// `e IS [NOT] TRUE|FALSE|UNKNOWN` (`value` nil = UNKNOWN).
    case isTruth(Expression, value: Bool?, negated: Bool, position: Int)
    /// `a IS [NOT] DISTINCT FROM b`.
    case isDistinctFrom(Expression, Expression, negated: Bool, position: Int)
    /// `e [NOT] LIKE|ILIKE pattern [ESCAPE c]`.
    case like(Expression, pattern: Expression, negated: Bool, caseInsensitive: Bool, position: Int)
    /// `e [NOT] IN (a, b, …)`.
    case inList(Expression, [Expression], negated: Bool, position: Int)
    /// `e [NOT] IN (SELECT …)`.
    case inSubquery(Expression, Query, negated: Bool, position: Int)
    /// `[NOT] EXISTS (SELECT …)` (NOT arrives as a unary NOT).
    case exists(Query, position: Int)
    /// A scalar subquery `(SELECT …)`.
    case subquery(Query, position: Int)
    /// `e op ANY|ALL (SELECT …)` or `e op ANY|ALL (ARRAY[…])`/`(list)`.
    case quantified(BinaryOperator, Expression, Quantifier, QuantifiedSource, position: Int)
    /// `e [NOT] BETWEEN low AND high`.
    case between(Expression, low: Expression, high: Expression, negated: Bool, position: Int)
    /// `CAST(e AS type)` and `e::type`.
    case cast(Expression, DataType, position: Int)
    /// `CASE [operand] WHEN … THEN … [ELSE …] END`.
    case caseWhen(operand: Expression?, branches: [WhenClause], elseResult: Expression?, position: Int)
    /// A function call; `name` is lower-cased. `count(*)` has `star: true` and no arguments.
    /// `clauses`: an aggregate's `ORDER BY` (`string_agg(x, ',' ORDER BY y)`) and `FILTER (WHERE …)`.
    case function(name: String, arguments: [Expression], distinct: Bool, star: Bool, clauses: AggregateClauses? = nil,
                  position: Int)
    /// `name(args) OVER (…)` — window function or aggregate used as one.
    case window(name: String, arguments: [Expression], star: Bool, over: WindowSpecification, position: Int)
    /// `(a, b, …)` row constructor (also `ROW(a, b)`), compared element-wise.
    case row([Expression], position: Int)
    /// `ARRAY[a, b]`.
    case array([Expression], position: Int)
    /// `DEFAULT` inside VALUES or SET.
    case defaultValue(position: Int)
    /// Niladic SQL functions written without parentheses: CURRENT_DATE,
    /// CURRENT_TIMESTAMP, CURRENT_TIME, LOCALTIMESTAMP (lower-cased name).
    case special(String, position: Int)

    public var position: Int {
        switch self {
        case .literal(_, let p), .parameter(_, let p), .column(_, _, let p), .unary(_, _, let p),
             .binary(_, _, _, let p), .isNull(_, _, let p), .isTruth(_, _, _, let p), .isDistinctFrom(_, _, _, let p),
             .like(_, _, _, _, let p), .inList(_, _, _, let p), .inSubquery(_, _, _, let p), .exists(_, let p),
             .subquery(_, let p), .quantified(_, _, _, _, let p), .between(_, _, _, _, let p), .cast(_, _, let p),
             .caseWhen(_, _, _, let p), .function(_, _, _, _, _, let p), .window(_, _, _, _, let p),
             .row(_, let p), .array(_, let p), .defaultValue(let p), .special(_, let p):
            return p
        }
    }
}

public enum QuantifiedSource: Sendable, Equatable {
    case subquery(Query)
    case list([Expression])
}

extension FromItem {
    public var position: Int {
        switch self {
        case .table(let t): t.position
        case .subquery(_, _, _, let p), .function(_, _, _, let p), .join(_, _, _, _, let p), .lateral(_, let p): p
        }
    }
}
