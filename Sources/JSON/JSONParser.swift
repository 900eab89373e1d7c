import CJansson

extension JSONValue {
    /// Parses `bytes` as one JSON value (any type at top level). An
    /// integer beyond int64 (which jansson refuses) makes the document read
    /// again with every number as a double; integers then come back as
    /// integers where a double holds them exactly (up to 2^53), and the
    /// larger ones stay doubles.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var error = json_error_t()
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        var root = if let base { helios_json_loadb(base, bytes.count, &error) } else { helios_json_loadb("", 0, &error) }
        var reals = false
        if root == nil, let base, Self.errorText(&error).hasPrefix("too big") {
            var second = json_error_t()
            root = helios_json_loadb_reals(base, bytes.count, &second)
            reals = true
            if root == nil { error = second }  // the document's other fault, or a number beyond a double
        }
        guard let root else {
            throw JSONParseError(message: Self.errorText(&error), line: Int(error.line),
                                 column: Int(error.column), position: Int(error.position))
        }
        defer { helios_json_decref(root) }
        return convert(root, integralReals: reals)
    }

    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parse(buffer) }
        }
        return try result.get()
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private static func errorText(_ error: inout json_error_t) -> String {
        withUnsafeBytes(of: &error.text) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
    }

    /// Converts a jansson tree. jansson bounds nesting depth while parsing,
    /// so this recursion is bounded too.
    private static func convert(_ node: UnsafeMutablePointer<json_t>, integralReals: Bool = false) -> JSONValue {
        switch json_type(rawValue: UInt32(helios_json_typeof(node))) {
        case JSON_OBJECT:
            var members: [(String, JSONValue)] = []
            members.reserveCapacity(json_object_size(node))
            var iterator = json_object_iter(node)
            while let current = iterator {
                let keyPointer = json_object_iter_key(current)!
                let keyLength = json_object_iter_key_len(current)
                let key = String(decoding: UnsafeRawBufferPointer(start: keyPointer, count: keyLength),
                                 as: UTF8.self)
                members.append((key, convert(json_object_iter_value(current), integralReals: integralReals)))
                iterator = json_object_iter_next(node, current)
            }
            return .object(members)
        case JSON_ARRAY:
            let count = json_array_size(node)
            var items: [JSONValue] = []
            items.reserveCapacity(count)
            for i in 0..<count { items.append(convert(json_array_get(node, i), integralReals: integralReals)) }
            return .array(items)
        case JSON_STRING:
            let text = UnsafeRawBufferPointer(start: json_string_value(node), count: json_string_length(node))
            return .string(String(decoding: text, as: UTF8.self))
        case JSON_INTEGER: return .integer(Int64(json_integer_value(node)))
        case JSON_REAL:
            let d = json_real_value(node)
            if integralReals, d.rounded() == d, abs(d) <= 9_007_199_254_740_992 { return .integer(Int64(d)) }
            return .double(d)
        case JSON_TRUE: return .bool(true)
        case JSON_FALSE: return .bool(false)
        default: return .null
        }
    }
}
