import Compression
import Core

/// One column of a checkpoint segment (format 2): the values of every row
/// that has the column, compressed by the column codecs when all of them
/// that are not null are of one kind, written plain otherwise.
///
///     u8 encoding (`SegmentColumn.Encoding`)
///     plain:  each Value (BinaryCodec)
///     typed:  bytes: the null flags (an integer chunk of 0/1; runs when
///             there are none), then per piece of at most `pieceValues`
///             non-null values: bytes: the chunk
///             (integers, booleans, dates: integer chunk; doubles: double
///             chunk; text: string chunk; timestamps: a zoned byte, then
///             an integer chunk; vectors: an integer chunk of the lengths,
///             then float chunks of all their elements, raw unless
///             compression saves a fifth)
///
/// The chunks come from `ColumnCodec`, which tries its layouts and keeps
/// the smallest: FSST or a dictionary for text, ALP / ALP-rd for doubles,
/// frame of reference, deltas, runs or a dictionary for integers.
public enum SegmentColumn {
    public enum Encoding: UInt8, Sendable {
        case plain = 0, integers = 1, doubles = 2, text = 3, booleans = 4, dates = 5, timestamps = 6, vectors = 7
    }

    static let pieceValues = 1 << 20

    /// The typed encoding the values allow, if any.
    static func encoding(of values: [Value]) -> Encoding {
        var found: Encoding?
        var zoned: Bool?
        for value in values {
            let kind: Encoding
            switch value {
            case .null: continue
            case .integer: kind = .integers
            case .double: kind = .doubles
            case .text: kind = .text
            case .boolean: kind = .booleans
            case .date: kind = .dates
            case .timestamp(_, let z):
                if let zoned, zoned != z { return .plain }
                zoned = z
                kind = .timestamps
            case .vector: kind = .vectors
            default: return .plain
            }
            if let found, found != kind { return .plain }
            found = kind
        }
        return found ?? .plain
    }

    /// Writes `values`; returns the encoding and, for typed ones, the
    /// chunks' codecs (e.g. "strings/fsst").
    @discardableResult
    public static func write(_ values: [Value], into w: inout ByteWriter) -> (encoding: Encoding, codecs: [String]) {
        let encoding = encoding(of: values)
        w.u8(encoding.rawValue)
        guard encoding != .plain else {
            for value in values { w.value(value) }
            return (.plain, [])
        }
        w.bytes(ColumnCodec.compress(integers: values.map { $0 == .null ? 1 : 0 }))
        let present = values.filter { $0 != .null }
        var codecs: [String] = []
        w.count((present.count + pieceValues - 1) / pieceValues)
        for start in stride(from: 0, to: present.count, by: pieceValues) {
            for chunk in chunks(present[start..<min(present.count, start + pieceValues)], encoding) {
                w.bytes(chunk)
                codecs.append(ColumnCodec.describe(chunk) ?? "?")
            }
        }
        return (encoding, codecs)
    }

    /// What a checkpoint would store for `values` now: the encoding, the
    /// chunks' codecs, and the bytes plain (format 1) and as written.
    public static func measure(_ values: [Value]) -> (encoding: Encoding, codecs: [String], plainBytes: Int, bytes: Int) {
        var plain = ByteWriter(capacity: 1024)
        for value in values { plain.value(value) }
        var written = ByteWriter(capacity: 1024)
        let (encoding, codecs) = write(values, into: &written)
        return (encoding, codecs, plain.count, written.count)
    }

    private static func chunks(_ values: ArraySlice<Value>, _ encoding: Encoding) -> [[UInt8]] {
        switch encoding {
        case .integers, .dates, .booleans:
            return [ColumnCodec.compress(integers: values.map { value -> Int64 in
                switch value {
                case .integer(let v), .date(let v): v
                case .boolean(let b): b ? 1 : 0
                default: 0
                }
            })]
        case .doubles:
            return [ColumnCodec.compress(doubles: values.map { if case .double(let v) = $0 { v } else { 0 } })]
        case .text:
            var strings = ByteStrings()
            for case .text(let s) in values { strings.append(s.utf8) }
            return [ColumnCodec.compress(strings: strings)]
        case .timestamps:
            var zoned = false
            let micros = values.map { value -> Int64 in
                if case .timestamp(let v, let z) = value { zoned = z; return v }
                return 0
            }
            return [[zoned ? 1 : 0], ColumnCodec.compress(integers: micros)]
        case .vectors:
            var lengths: [Int64] = [], elements: [Float] = []
            for case .vector(let v) in values { lengths.append(Int64(v.count)); elements.append(contentsOf: v) }
            // A float chunk holds at most ColumnCodec.maxValues elements.
            // Vectors are read whole at every start: embeddings' random
            // mantissas stay raw unless the codecs save a fifth.
            var parts = [ColumnCodec.compress(integers: lengths)]
            for start in stride(from: 0, to: max(1, elements.count), by: ColumnCodec.maxValues) {
                parts.append(ColumnCodec.compress(floats: Array(elements[start..<min(elements.count, start + ColumnCodec.maxValues)]),
                                                  rawAbove: 0.8))
            }
            return parts
        case .plain:
            return []
        }
    }

    /// Reads `count` values written by `write`.
    static func read(count: Int, from r: inout ByteReader) throws -> [Value] {
        let tag = try r.u8()
        guard let encoding = Encoding(rawValue: tag) else { throw CompressionError("unknown column encoding \(tag)") }
        guard encoding != .plain else {
            var values: [Value] = []
            values.reserveCapacity(min(count, r.remaining))
            for _ in 0..<count { values.append(try r.value()) }
            return values
        }
        let nulls = try ColumnCodec.decompressIntegers(try r.bytes())
        guard nulls.count == count else { throw CompressionError("\(nulls.count) null flags for \(count) values") }
        let presentCount = nulls.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
        var present: [Value] = []
        present.reserveCapacity(presentCount)
        let pieces = try r.count()
        for _ in 0..<pieces { present.append(contentsOf: try readPiece(encoding, from: &r)) }
        guard present.count == presentCount else {
            throw CompressionError("\(present.count) values for \(presentCount) non-null rows")
        }
        var next = 0
        return nulls.map { flag in
            guard flag == 0 else { return .null }
            defer { next += 1 }
            return present[next]
        }
    }

    private static func readPiece(_ encoding: Encoding, from r: inout ByteReader) throws -> [Value] {
        switch encoding {
        case .integers: return try ColumnCodec.decompressIntegers(try r.bytes()).map(Value.integer)
        case .dates: return try ColumnCodec.decompressIntegers(try r.bytes()).map(Value.date)
        case .booleans: return try ColumnCodec.decompressIntegers(try r.bytes()).map { .boolean($0 != 0) }
        case .doubles: return try ColumnCodec.decompressDoubles(try r.bytes()).map(Value.double)
        case .text:
            let strings = try ColumnCodec.decompressStrings(try r.bytes())
            return (0..<strings.count).map { .text(strings.string($0)) }
        case .timestamps:
            let zoned = try r.bytes()
            guard zoned.count == 1, zoned[0] <= 1 else { throw CompressionError("timestamp zone flag") }
            return try ColumnCodec.decompressIntegers(try r.bytes()).map { .timestamp($0, zoned: zoned[0] == 1) }
        case .vectors:
            let lengths = try ColumnCodec.decompressIntegers(try r.bytes())
            let total = lengths.reduce(0) { $0 &+ max(0, $1) }
            var elements: [Float] = []
            repeat {
                elements.append(contentsOf: try ColumnCodec.decompressFloats(try r.bytes()))
            } while elements.count < total
            guard lengths.allSatisfy({ $0 >= 0 }), elements.count == total else {
                throw CompressionError("vector lengths add up to \(total), \(elements.count) elements stored")
            }
            var start = 0
            return lengths.map { n in
                defer { start += Int(n) }
                return .vector(Array(elements[start..<start + Int(n)]))
            }
        case .plain:
            return []
        }
    }
}
