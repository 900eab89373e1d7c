import Core

/// The set-returning JSON functions usable in FROM: `jsonb_array_elements`,
/// `jsonb_array_elements_text`, `jsonb_each`, `jsonb_each_text`,
/// `jsonb_object_keys` (and their `json_` forms), planned like
/// generate_series as `.generated` plans.
extension TableFunctions {
    static let jsonFunctionNames: Set<String> = [
        "jsonb_array_elements", "jsonb_array_elements_text", "jsonb_each", "jsonb_each_text", "jsonb_object_keys",
        "json_array_elements", "json_array_elements_text", "json_each", "json_each_text", "json_object_keys",
    ]

    /// Whether the function's columns have names of their own (OUT
    /// parameters), which a table alias does not rename.
    static func hasNamedColumns(_ name: String) -> Bool {
        jsonFunctionNames.contains(name) && !name.hasSuffix("object_keys")
    }

    static func planJSON(_ name: String, _ arguments: [Expression], binder: Binder,
                         position: Int) throws(SQLError) -> (Plan, [ScopeColumn]) {
        guard arguments.count == 1 else {
            throw SQLError(SQLState.undefinedFunction, "function \(name) with \(arguments.count) arguments does not exist", position: position)
        }
        var (bound, type) = try binder.bind(arguments[0])
        let isJSON = name.hasPrefix("json_")
        if case .untypedConstant(let v) = bound {
            bound = .constant(try Casts.cast(v, to: isJSON ? .json : .jsonb)); type = isJSON ? .json : .jsonb
        }
        if let type, type != (isJSON ? .json : .jsonb) {
            throw SQLError(SQLState.undefinedFunction,
                           "function \(name)(\(type.description.lowercased())) does not exist", position: position)
        }
        let base = name.dropFirst(isJSON ? 5 : 6)
        let valueType: DataType = base.hasSuffix("_text") ? .text : (isJSON ? .json : .jsonb)
        let columns: [ScopeColumn] = switch base {
        case "each", "each_text": [ScopeColumn(table: nil, name: "key", type: .text), ScopeColumn(table: nil, name: "value", type: valueType)]
        case "object_keys": [ScopeColumn(table: nil, name: name, type: .text)]
        default: [ScopeColumn(table: nil, name: "value", type: valueType)]
        }
        let plan = Plan.generated(name: name) { (env) throws(SQLError) -> [Row] in
            let source = try bound.evaluate([], env)
            if case .jsonText(let text) = source { return try rawRows(name, base, JSONFunctions.rawJSON(text), textValues: valueType == .text) }
            guard let document = try Casts.document(source) else { return [] }
            func value(_ d: JSONDocument) -> Value {
                if valueType == .text { return d.unquotedText.map(Value.text) ?? .null }
                return JSONFunctions.wrap(d, like: source)
            }
            switch (base, document) {
            case ("array_elements", .array(let items)), ("array_elements_text", .array(let items)):
                return items.map { [value($0)] }
            case ("array_elements", _), ("array_elements_text", _):
                throw SQLError(SQLState.invalidParameterValue,
                               "cannot extract elements from \(document.typeName == "object" ? "an object" : "a scalar")")
            case (_, .object(let members)):
                if base == "object_keys" { return members.map { [.text($0.key)] } }
                return members.map { [.text($0.key), value($0.value)] }
            case ("object_keys", _):
                throw SQLError(SQLState.invalidParameterValue,
                               "cannot call \(name) on \(document.typeName == "array" ? "an array" : "a scalar")")
            default:
                throw SQLError(SQLState.invalidParameterValue, "cannot call \(name) on a non-object")
            }
        }
        return (plan, columns)
    }

    /// The json (not jsonb) forms: parts as written, keys in input order with duplicates.
    private static func rawRows(_ name: String, _ base: Substring, _ raw: RawJSON, textValues: Bool) throws(SQLError) -> [Row] {
        func value(_ r: RawJSON) -> Value { textValues ? (r.unquotedText.map(Value.text) ?? .null) : .jsonText(r.text) }
        switch (base, raw) {
        case ("array_elements", .array(let items, _)), ("array_elements_text", .array(let items, _)):
            return items.map { [value($0)] }
        case ("array_elements", .object), ("array_elements_text", .object):
            throw SQLError(SQLState.invalidParameterValue, "cannot call \(name) on a non-array")
        case ("array_elements", _), ("array_elements_text", _):
            throw SQLError(SQLState.invalidParameterValue, "cannot extract elements from a scalar")
        case ("object_keys", .object(let members, _)):
            return members.map { [.text($0.key)] }
        case (_, .object(let members, _)):
            return members.map { [.text($0.key), value($0.value)] }
        case ("object_keys", .array):
            throw SQLError(SQLState.invalidParameterValue, "cannot call \(name) on an array")
        case ("object_keys", _):
            throw SQLError(SQLState.invalidParameterValue, "cannot call \(name) on a scalar")
        default:
            throw SQLError(SQLState.invalidParameterValue, "cannot call \(name) on a non-object")
        }
    }
}
