import Core

/// An expression with names resolved to input-row slots and its result type
/// known. `type` nil means "unknown" (a NULL literal), which PostgreSQL
/// reports as text.
indirect enum BoundExpression {
    case constant(Value)
    /// A literal or parameter whose type may still adapt to its context
    /// (PostgreSQL's "unknown"-typed literal: `id = '5'` compares as integer).
    case untypedConstant(Value)
    case slot(Int)
    /// A column of an enclosing query's current row (correlated subqueries):
    /// `depth` 1 is the immediately enclosing query.
    case outerSlot(depth: Int, slot: Int)
    case negate(BoundExpression)
    case not(BoundExpression)
    case arithmetic(BinaryOperator, BoundExpression, BoundExpression, DataType)
    case concat(BoundExpression, BoundExpression)
    case compare(BinaryOperator, BoundExpression, BoundExpression)
    case and(BoundExpression, BoundExpression)
    case or(BoundExpression, BoundExpression)
    case isNull(BoundExpression, negated: Bool)
    case like(BoundExpression, pattern: BoundExpression, negated: Bool, caseInsensitive: Bool)
    case inList(BoundExpression, [BoundExpression], negated: Bool)
    case cast(BoundExpression, DataType)
    case caseWhen([(condition: BoundExpression, result: BoundExpression)], elseResult: BoundExpression?)
    case scalar(ScalarFunction, [BoundExpression])
    case isDistinct(BoundExpression, BoundExpression, negated: Bool)
    /// `IS [NOT] TRUE|FALSE|UNKNOWN` (`value` nil = UNKNOWN).
    case isTruth(BoundExpression, value: Bool?, negated: Bool)
    case subquery(SubqueryExpression)
    /// Element-wise row comparison `(a, b) < (c, d)`.
    case rowCompare(BinaryOperator, [BoundExpression], [BoundExpression])

    /// Whether evaluation reads the row or an enclosing row (false for constants,
    /// parameters and uncorrelated subqueries' inputs).
    var isConstant: Bool {
        switch self {
        case .constant, .untypedConstant: true
        default: false
        }
    }

    var isUntypedText: Bool {
        if case .untypedConstant(.text) = self { return true }
        return false
    }

    /// The value when the expression needs no row (constants only).
    var constantValue: Value? {
        switch self {
        case .constant(let v), .untypedConstant(let v): v
        default: nil
        }
    }
}

/// Built-in scalar functions.
enum ScalarFunction: String {
    case lower, upper, length, abs, coalesce, nullif, round, floor, ceil, greatest, least
    case concat, substr, trim, replace, mod, sqrt, power
    case now, dateTrunc = "date_trunc", datePart = "date_part", extract, genRandomUUID = "gen_random_uuid"
    case ltrim, rtrim, position, left, right, repeatText = "repeat", reverse, sign, exp, ln, trunc, random
    case currentSCN = "current_scn", currentSetting = "current_setting"
    // JSON functions (JSONFunctions.swift).
    case jsonbBuildObject = "jsonb_build_object", jsonBuildObject = "json_build_object"
    case jsonbBuildArray = "jsonb_build_array", jsonBuildArray = "json_build_array"
    case toJsonb = "to_jsonb", toJson = "to_json", jsonbTypeof = "jsonb_typeof", jsonTypeof = "json_typeof"
    case jsonbArrayLength = "jsonb_array_length", jsonArrayLength = "json_array_length"
    case jsonbExtractPath = "jsonb_extract_path", jsonbExtractPathText = "jsonb_extract_path_text"
    case jsonExtractPath = "json_extract_path", jsonExtractPathText = "json_extract_path_text"
    // JSON operators, bound as functions: (document, isList, operand...).
    case jsonGet = "->", jsonGetText = "->>", jsonPath = "#>", jsonPathText = "#>>"
    case jsonContains = "@>", jsonContainedBy = "<@", jsonHasKey = "?", jsonHasAnyKey = "?|", jsonHasAllKeys = "?&"
    case jsonConcat = "||", jsonDelete = "-"
    // Vector functions; `<->` `<=>` `<#>` are bound as the first three (VectorFunctions.swift).
    case l2Distance = "l2_distance", cosineDistance = "cosine_distance"
    case negativeInnerProduct = "vector_negative_inner_product", innerProduct = "inner_product"
    case cosineSimilarity = "cosine_similarity", vectorDims = "vector_dims", vectorNorm = "vector_norm"
    case l1Distance = "l1_distance"
    // Vector functions returning vectors (VectorArithmetic.swift); `+` `-` `*` `||` on vectors bind as the first four.
    case vectorAdd = "vector_add", vectorSubtract = "vector_sub", vectorMultiply = "vector_mul", vectorConcat = "vector_concat"
    case l2Normalize = "l2_normalize", subvector

    var isJSON: Bool {
        switch self {
        case .jsonbBuildObject, .jsonBuildObject, .jsonbBuildArray, .jsonBuildArray, .toJsonb, .toJson,
             .jsonbTypeof, .jsonTypeof, .jsonbArrayLength, .jsonArrayLength, .jsonbExtractPath,
             .jsonbExtractPathText, .jsonExtractPath, .jsonExtractPathText, .jsonGet, .jsonGetText, .jsonPath,
             .jsonPathText, .jsonContains, .jsonContainedBy, .jsonHasKey, .jsonHasAnyKey, .jsonHasAllKeys, .jsonConcat, .jsonDelete: true
        default: false
        }
    }

    static func named(_ name: String) -> ScalarFunction? {
        switch name {
        case "char_length", "character_length": .length
        case "ceiling": .ceil
        case "substring": .substr
        case "pow": .power
        case "btrim": .trim
        case "current_timestamp", "transaction_timestamp", "statement_timestamp", "clock_timestamp", "localtimestamp": .now
        case "strpos": .position
        case "log": .ln
        case "l2_norm": .vectorNorm
        default: ScalarFunction(rawValue: name)
        }
    }
}

/// Aggregate functions, computed by the aggregation stage.
enum AggregateFunction: String {
    case count, sum, avg, min, max
    case stringAgg = "string_agg", arrayAgg = "array_agg", boolAnd = "bool_and", boolOr = "bool_or"
    case jsonbAgg = "jsonb_agg", jsonbObjectAgg = "jsonb_object_agg"

    static func named(_ name: String) -> AggregateFunction? {
        switch name {
        case "every": .boolAnd
        case "total": nil
        default: AggregateFunction(rawValue: name)
        }
    }

    func resultType(_ argument: DataType?, name: String, position: Int) throws(SQLError) -> DataType {
        switch self {
        case .count: return .bigint
        case .avg, .sum:
            // pgvector: the element-wise sum or mean, a vector of the same dimensions.
            if let argument, argument.isVector { return argument }
            if let argument, !argument.isNumeric {
                throw SQLError(SQLState.undefinedFunction,
                               "function \(name)(\(argument.description.lowercased())) does not exist", position: position)
            }
            return self == .avg || argument == .double ? .double : .bigint
        case .min, .max:
            // (pgvector orders vectors for ORDER BY and btree, but defines no min or max.)
            if let argument, argument == .boolean || argument.isVector {
                throw SQLError(SQLState.undefinedFunction, "function \(name)(\(argument.isVector ? "vector" : "boolean")) does not exist",
                               position: position)
            }
            return argument ?? .text
        case .stringAgg:
            if let argument, argument != .text {
                throw SQLError(SQLState.undefinedFunction,
                               "function string_agg(\(argument.description.lowercased()), unknown) does not exist", position: position)
            }
            return .text
        case .arrayAgg: return .text
        case .jsonbAgg, .jsonbObjectAgg: return .jsonb
        case .boolAnd, .boolOr:
            if let argument, argument != .boolean {
                throw SQLError(SQLState.undefinedFunction,
                               "function \(name)(\(argument.description.lowercased())) does not exist", position: position)
            }
            return .boolean
        }
    }
}

/// One aggregate call of a query, e.g. `count(DISTINCT x)`.
struct AggregateCall {
    var function: AggregateFunction
    /// nil for `count(*)`.
    var argument: BoundExpression?
    var distinct: Bool
    var resultType: DataType
    /// The separator of string_agg.
    var extra: BoundExpression?
    /// `ORDER BY` inside the call: the order rows are fed in.
    var orderBy: [PlanSortKey] = []
    /// `FILTER (WHERE …)`: the rows fed in.
    var filter: BoundExpression?

    var fingerprint: String {
        let order = orderBy.map { "\($0.expression.fingerprint)\($0.descending ? " desc" : "")\($0.nullsFirst.map { $0 ? " nf" : " nl" } ?? "")" }
        return "\(function.rawValue)(\(distinct ? "distinct " : "")\(argument?.fingerprint ?? "*")\(extra.map { "," + $0.fingerprint } ?? "")"
            + (order.isEmpty ? "" : " order " + order.joined(separator: ",")) + ")" + (filter.map { " filter(\($0.fingerprint))" } ?? "")
    }
}

extension BoundExpression {
    /// A structural rendering used to match expressions (GROUP BY keys,
    /// repeated aggregates, ORDER BY items already in the select list).
    var fingerprint: String {
        switch self {
        case .constant(let v), .untypedConstant(let v): return "c(\(v.fingerprint))"
        case .slot(let i): return "$\(i)"
        case let .outerSlot(d, i): return "^\(d).\(i)"
        case .negate(let e): return "-(\(e.fingerprint))"
        case .not(let e): return "not(\(e.fingerprint))"
        case let .arithmetic(op, l, r, _): return "(\(l.fingerprint)\(op.rawValue)\(r.fingerprint))"
        case let .concat(l, r): return "(\(l.fingerprint)||\(r.fingerprint))"
        case let .compare(op, l, r): return "(\(l.fingerprint)\(op.rawValue)\(r.fingerprint))"
        case let .and(l, r): return "(\(l.fingerprint) and \(r.fingerprint))"
        case let .or(l, r): return "(\(l.fingerprint) or \(r.fingerprint))"
        case let .isNull(e, n): return "isnull\(n)(\(e.fingerprint))"
        case let .like(e, p, n, c): return "like\(n)\(c)(\(e.fingerprint),\(p.fingerprint))"
        case let .inList(e, items, n): return "in\(n)(\(e.fingerprint);\(items.map(\.fingerprint).joined(separator: ",")))"
        case let .cast(e, t): return "cast(\(e.fingerprint) as \(t))"
        case let .caseWhen(branches, e):
            return "case(\(branches.map { $0.condition.fingerprint + "=>" + $0.result.fingerprint }.joined(separator: ";"))else \(e?.fingerprint ?? ""))"
        case let .scalar(f, args): return "\(f.rawValue)(\(args.map(\.fingerprint).joined(separator: ",")))"
        case let .isDistinct(l, r, n): return "distinct\(n)(\(l.fingerprint),\(r.fingerprint))"
        case let .isTruth(e, v, n): return "is\(String(describing: v))\(n)(\(e.fingerprint))"
        case .subquery(let s): return "subquery(\(ObjectIdentifier(s).hashValue))"
        case let .rowCompare(op, l, r):
            return "row(\(l.map(\.fingerprint).joined(separator: ","))\(op.rawValue)\(r.map(\.fingerprint).joined(separator: ",")))"
        }
    }

    /// The input slots this expression reads, or nil when it contains a
    /// correlated subquery (whose reads cannot be seen from here).
    func slotsIfLocal() -> Set<Int>? {
        var slots = Set<Int>()
        func walk(_ e: BoundExpression) -> Bool {
            switch e {
            case .constant, .untypedConstant, .outerSlot: return true
            case .slot(let i): slots.insert(i); return true
            case .negate(let x), .not(let x), .isNull(let x, _), .cast(let x, _), .isTruth(let x, _, _): return walk(x)
            case let .arithmetic(_, l, r, _), let .concat(l, r), let .compare(_, l, r), let .and(l, r), let .or(l, r),
                 let .like(l, r, _, _), let .isDistinct(l, r, _):
                return walk(l) && walk(r)
            case let .inList(x, items, _): return walk(x) && items.allSatisfy(walk)
            case let .caseWhen(branches, e):
                return branches.allSatisfy { walk($0.condition) && walk($0.result) } && (e.map(walk) ?? true)
            case let .scalar(_, args): return args.allSatisfy(walk)
            case let .rowCompare(_, l, r): return l.allSatisfy(walk) && r.allSatisfy(walk)
            case .subquery(let s):
                guard !s.correlated else { return false }
                switch s.kind {
                case .scalar, .exists: return true
                case .membership(let probe, _), .quantified(_, let probe, _): return walk(probe)
                }
            }
        }
        return walk(self) ? slots : nil
    }
}

extension Value {
    /// Distinguishes types, so 1 and '1' do not match.
    var fingerprint: String {
        switch self {
        case .null: "null"
        case .boolean(let b): "b\(b)"
        case .integer(let i): "i\(i)"
        case .double(let d): "d\(d)"
        case .text(let s): "t\(s.debugDescription)"
        case .date(let d): "D\(d)"
        case let .timestamp(t, z): "T\(t)\(z)"
        case .interval(let v): "I\(v.months),\(v.days),\(v.micros)"
        case let .uuid(a, b): "U\(a),\(b)"
        case .bytes(let b): "B\(Value.formatHex(b))"
        case .json(let j): "J\(j.description.debugDescription)"
        case .jsonText(let t): "j\(t.debugDescription)"
        case .vector(let v): "V\(Value.formatVector(v))"
        }
    }
}
