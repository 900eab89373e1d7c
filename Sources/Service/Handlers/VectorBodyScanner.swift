import JSON

/// The fast path for the number-heavy bodies. Parsing `{"vector":[384
/// numbers], …}` with jansson costs more than the graph search itself (a
/// node and a strtod per element), and an upsert of 500 such vectors more
/// than writing them. So the number arrays are read here straight into
/// float4s, and only the rest of the body — each array replaced by its
/// index — goes through jansson, which validates it (or, when it is a small
/// flat object, through `FlatObjectReader`, which reads it the same way).
///
/// Anything unusual (no array where expected, a repeated key, an element
/// that is not a plain number, a number whose conversion could round
/// differently from strtod's) answers nil, and the caller takes the
/// ordinary path, whose answers and error messages stay authoritative.
enum VectorBodyScanner {
    /// Where the number arrays are.
    enum Layout {
        /// `{"vector": [ … ], …}`: one array, under a top-level key.
        case search
        /// `{"vectors": [{"values": [ … ], …}, …], …}`: one per element.
        case upsert
    }

    /// A search body as JSON (its `vector` member replaced by `0`) and the vector.
    static func searchBody(_ body: [UInt8]) -> (json: JSONValue, vector: [Float])? {
        guard let (json, arrays) = scan(body, .search), arrays.count == 1, json["vector"] == .integer(0) else { return nil }
        return (json, arrays[0])
    }

    /// An upsert body as JSON, each `values` array replaced by its index
    /// into `arrays` (0, 1, 2… in order; checked, so no client-sent integer
    /// can pass for one).
    static func upsertBody(_ body: [UInt8]) -> (json: JSONValue, arrays: [[Float]])? {
        guard let (json, arrays) = scan(body, .upsert), case .array(let items)? = json["vectors"] else { return nil }
        var next = 0
        for item in items {
            guard case .integer(let k)? = item["values"] else { continue }
            guard k == next else { return nil }
            next += 1
        }
        guard next == arrays.count else { return nil }
        return (json, arrays)
    }

    /// The arrays at the layout's places, and the body with the k-th of them replaced by k, as JSON.
    private static func scan(_ body: [UInt8], _ layout: Layout) -> (JSONValue, [[Float]])? {
        body.withUnsafeBufferPointer { bytes -> (JSONValue, [[Float]])? in
            guard let found = findArrays(bytes, layout), !found.isEmpty else { return nil }
            var reduced = [UInt8]()
            reduced.reserveCapacity(body.count - found.reduce(0) { $0 + $1.range.count } + 8 * found.count)
            var last = 0
            for (k, array) in found.enumerated() {
                reduced.append(contentsOf: bytes[last..<array.range.lowerBound])
                reduced.append(contentsOf: String(k).utf8)
                last = array.range.upperBound
            }
            reduced.append(contentsOf: bytes[last...])
            guard let json = FlatObjectReader.read(reduced) ?? (try? JSONValue.parse(reduced)), case .object = json else { return nil }
            return (json, found.map(\.values))
        }
    }

    private static let vectorKey = Array("\"vector\"".utf8)
    private static let vectorsKey = Array("\"vectors\"".utf8)
    private static let valuesKey = Array("\"values\"".utf8)

    /// The number arrays at the layout's places, in document order.
    private static func findArrays(_ bytes: UnsafeBufferPointer<UInt8>, _ layout: Layout) -> [(range: Range<Int>, values: [Float])]? {
        var i = 0
        var frames: [UInt8] = []          // the open containers, "{" or "["
        var expectKey = false             // the next string is a key of the object on top
        var lastKeyIsVectors = false      // the last top-level key was "vectors"
        var inVectorsArray = false        // frames[1] is the array of top-level "vectors"
        var found: [(range: Range<Int>, values: [Float])] = []
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                let start = i
                var escaped = false
                i += 1
                while i < bytes.count && bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\") { escaped = true; i += 2 } else { i += 1 }
                }
                guard i < bytes.count else { return nil }
                i += 1
                guard expectKey else { continue }
                expectKey = false
                // A key spelled with escapes could decode to one looked for.
                guard !escaped else { return nil }
                let key = bytes[start..<i], depth = frames.count
                let wanted: Bool
                switch layout {
                case .search: wanted = depth == 1 && key.elementsEqual(vectorKey)
                case .upsert:
                    if depth == 1 { lastKeyIsVectors = key.elementsEqual(vectorsKey) }
                    wanted = depth == 3 && inVectorsArray && key.elementsEqual(valuesKey)
                }
                if wanted {
                    guard let array = afterKey(bytes, from: i, expected: found.last?.values.count ?? 64) else { return nil }
                    found.append(array)
                    i = array.range.upperBound
                }
                continue
            case UInt8(ascii: "{"):
                frames.append(UInt8(ascii: "{"))
                expectKey = true
            case UInt8(ascii: "["):
                frames.append(UInt8(ascii: "["))
                if frames.count == 2 && frames[0] == UInt8(ascii: "{") && lastKeyIsVectors { inVectorsArray = true }
                expectKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard frames.popLast() != nil else { return nil }
                if frames.count < 2 { inVectorsArray = false }
                expectKey = false
            case UInt8(ascii: ","):
                expectKey = frames.last == UInt8(ascii: "{")
            default:
                break
            }
            i += 1
        }
        return found
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    /// After the key: `: [ number (, number)* ]` (or `[]`), parsed, and
    /// followed by `,` or `}` (so the index put in its place cannot run
    /// into what follows); `expected` elements (the previous array's
    /// count) are reserved.
    private static func afterKey(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int,
                                 expected: Int) -> (range: Range<Int>, values: [Float])? {
        guard let (range, values) = array(bytes, from: start, expected: expected) else { return nil }
        var i = range.upperBound
        while i < bytes.count && isSpace(bytes[i]) { i += 1 }
        guard i < bytes.count, bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: "}") else { return nil }
        return (range, values)
    }

    private static func array(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int,
                              expected: Int) -> (range: Range<Int>, values: [Float])? {
        var i = start
        while i < bytes.count && isSpace(bytes[i]) { i += 1 }
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        while i < bytes.count && isSpace(bytes[i]) { i += 1 }
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else { return nil }
        let arrayStart = i
        i += 1
        var values: [Float] = []
        values.reserveCapacity(min(expected, 16_000))
        while i < bytes.count && isSpace(bytes[i]) { i += 1 }
        if i < bytes.count && bytes[i] == UInt8(ascii: "]") { return (arrayStart..<(i + 1), values) }
        while true {
            guard let (value, end) = number(bytes, from: i) else { return nil }
            values.append(value)
            i = end
            while i < bytes.count && isSpace(bytes[i]) { i += 1 }
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "]") { return (arrayStart..<(i + 1), values) }
            guard bytes[i] == UInt8(ascii: ",") else { return nil }
            i += 1
            while i < bytes.count && isSpace(bytes[i]) { i += 1 }
        }
    }

    /// Powers of ten (exact up to 10^22) and their reciprocals (correctly
    /// rounded), as literals so that reading them needs no lazy initialization.
    private static let powers: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
                                           1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]
    private static let reciprocals: [Double] = [1e-0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12,
                                                1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22]

    /// One JSON number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`) as
    /// the float4 that strtod-then-narrowing gives; nil when unsure.
    @inline(__always)
    static func number(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (Float, Int)? {
        plainDecimal(bytes, from: start) ?? anyNumber(bytes, from: start)
    }

    /// The common shape, `-?D.F` with one to seven integer digits and at
    /// most nineteen digits in all, read without a loop: the integer part
    /// is one word, the fraction the next three, each digit count taken
    /// from its own word (so the loads do not wait on one another). Nil
    /// for anything else, and where fewer than 33 bytes are left to read;
    /// `anyNumber` then decides. Same mantissa and scale as `anyNumber`,
    /// so the same float.
    @inline(__always)
    static func plainDecimal(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (Float, Int)? {
        guard let base = bytes.baseAddress, start + 33 <= bytes.count else { return nil }
        @inline(__always) func word(_ p: UnsafePointer<UInt8>) -> UInt64 { UnsafeRawPointer(p).loadUnaligned(as: UInt64.self) }
        let negative = base[start] == UInt8(ascii: "-")
        let p = base + start + (negative ? 1 : 0)
        let integer = word(p)
        let k = leadingDigitCount(integer)
        let a = word(p + k + 1), b = word(p + k + 9), c = word(p + k + 17)
        let ka = leadingDigitCount(a), kb = leadingDigitCount(b), kc = leadingDigitCount(c)
        let cb = ka == 8 ? kb : 0, cc = ka == 8 && kb == 8 ? kc : 0
        let fraction = ka + cb + cc
        // Integer digits (no leading zero before another), a dot, fraction
        // digits ending inside the three words, no exponent after them.
        guard k >= 1 && k <= 7, (UInt64(littleEndian: integer) >> UInt64(8 * k)) & 0xFF == UInt64(UInt8(ascii: ".")),
              k == 1 || p[0] != UInt8(ascii: "0"), ka >= 1, cc < 8, k + fraction <= 19,
              p[k + 1 + fraction] | 0x20 != UInt8(ascii: "e") else { return nil }
        var mantissa = digitsValue(integer, count: k)
        mantissa = mantissa &* decimalScale[ka] &+ digitsValue(a, count: ka)
        mantissa = mantissa &* decimalScale[cb] &+ digitsValue(b, count: cb)
        mantissa = mantissa &* decimalScale[cc] &+ digitsValue(c, count: cc)
        guard let value = narrow(mantissa, scale: -fraction) else { return nil }
        return (negative ? -value : value, start + (negative ? 1 : 0) + k + 1 + fraction)
    }

    /// Any JSON number, digit by digit (eight at a time where it can).
    static func anyNumber(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (Float, Int)? {
        guard let p = bytes.baseAddress, start < bytes.count else { return nil }
        let end = bytes.count
        var i = start
        /// The digit at k, or 10 or more when there is none.
        @inline(__always) func digit(_ k: Int) -> UInt64 { k < end ? UInt64(p[k] &- UInt8(ascii: "0")) : 10 }
        let negative = p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, scale = 0
        let first = digit(i)
        guard first < 10 else { return nil }
        if first == 0 {
            i += 1
            if digit(i) < 10 { return nil }
        } else {
            guard readDigits(p, end, &i, &mantissa, &digits) else { return nil }
        }
        var isInteger = true
        if i < end && p[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard digit(i) < 10 else { return nil }
            if mantissa == 0 { while digit(i) == 0 { scale -= 1; i += 1 } }
            let before = digits
            guard readDigits(p, end, &i, &mantissa, &digits) else { return nil }
            scale -= digits - before
        }
        if i < end && (p[i] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            i += 1
            var exponentNegative = false
            if i < end && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) {
                exponentNegative = p[i] == UInt8(ascii: "-"); i += 1
            }
            var d = digit(i)
            guard d < 10 else { return nil }
            var exponent = 0
            repeat {
                guard exponent < 10_000 else { return nil }
                exponent = exponent * 10 + Int(d); i += 1
                d = digit(i)
            } while d < 10
            scale += exponentNegative ? -exponent : exponent
        }
        if isInteger {
            // jansson reads integers as int64 (refusing larger ones); the
            // vector takes Float(int64), so -0 is 0.
            guard mantissa <= UInt64(Int64.max) else { return nil }
            let value = Float(mantissa)
            return (negative && mantissa != 0 ? -value : value, i)
        }
        guard let value = narrow(mantissa, scale: scale) else { return nil }
        return (negative ? -value : value, i)
    }

    /// Appends the digits from i on to the mantissa, up to eight at a
    /// time; false when they pass 19 significant digits (< 2^64).
    @inline(__always)
    private static func readDigits(_ p: UnsafePointer<UInt8>, _ end: Int, _ i: inout Int,
                                   _ mantissa: inout UInt64, _ digits: inout Int) -> Bool {
        while i + 8 <= end {
            let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            let k = leadingDigitCount(word)
            if k == 0 { return true }
            guard digits + k <= 19 else { return false }
            mantissa = mantissa &* decimalScale[k] &+ digitsValue(word, count: k)
            digits += k; i += k
            if k < 8 { return true }
        }
        while i < end, case let d = UInt64(p[i] &- UInt8(ascii: "0")), d < 10 {
            guard digits < 19 else { return false }
            mantissa = mantissa &* 10 &+ d; digits += 1; i += 1
        }
        return true
    }

    /// 10^k for k in 0...8.
    private static let decimalScale: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]

    /// How many of the word's bytes, in memory order (little-endian), are
    /// ASCII digits before the first that is not.
    @inline(__always)
    static func leadingDigitCount(_ word: UInt64) -> Int {
        let word = UInt64(littleEndian: word)
        // Each byte reads 0x33 exactly when it is a digit (simdjson's test).
        let marks = (word & 0xF0F0_F0F0_F0F0_F0F0) | (((word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)
        let misses = marks ^ 0x3333_3333_3333_3333
        return misses == 0 ? 8 : misses.trailingZeroBitCount / 8
    }

    /// The value of the word's first `count` (0...8) bytes, all digits:
    /// shifted up so the bytes after them fall off and zeros lead (a shift
    /// by 64 leaves 0).
    @inline(__always)
    static func digitsValue(_ word: UInt64, count: Int) -> UInt64 {
        var v = (UInt64(littleEndian: word) & 0x0F0F_0F0F_0F0F_0F0F) << UInt64(8 * (8 - count))
        v = (v &* 2561) >> 8
        v = ((v & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16
        return ((v & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32
    }

    /// mantissa × 10^scale as a float4, when the double computed on the way
    /// is surely on the same side of every float4 rounding boundary as
    /// strtod's double (so the result equals strtod's double narrowed).
    private static func narrow(_ mantissa: UInt64, scale: Int) -> Float? {
        if mantissa == 0 { return 0 }
        guard scale >= -88 && scale <= 88 else { return nil }
        // The mantissa's conversion rounds once (above 2^53), and each
        // multiply rounds once more by an inexact reciprocal: at most four
        // steps (|scale| <= 88), so d ends within 9 ulps of the exact value,
        // and strtod's double within half an ulp of it (multiplying by a
        // reciprocal spares a division).
        var d = Double(mantissa), rest = scale
        while rest < -22 { d *= reciprocals[22]; rest += 22 }
        while rest > 22 { d *= powers[22]; rest -= 22 }
        d *= rest < 0 ? reciprocals[-rest] : powers[rest]
        // Float4 subnormals and the top of the range (whose next neighbour
        // is infinity) are left to strtod.
        guard d >= Double(Float.leastNormalMagnitude) && d < Double(Float.greatestFiniteMagnitude) else { return nil }
        // A double has 29 bits below a normal float4's last one; the float4
        // rounding midpoint is where they read 2^28. Farther than 16 ulps
        // from it, d and strtod's double narrow to the same float4.
        let low = d.bitPattern & (1 << 29 - 1), half: UInt64 = 1 << 28
        guard (low > half ? low - half : half - low) > 16 else { return nil }
        return Float(d)
    }
}
