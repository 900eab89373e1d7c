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
        // One pass: the null flags and the non-null values in their own type.
        var nulls = [Int64](repeating: 0, count: values.count)
        var integers: [Int64] = [], doubles: [Double] = [], text = ByteStrings()
        var lengths: [Int64] = [], elements: [Float] = [], zoned = false
        for (i, value) in values.enumerated() {
            switch value {
            case .integer(let v), .date(let v): integers.append(v)
            case .boolean(let b): integers.append(b ? 1 : 0)
            case .timestamp(let v, let z): integers.append(v); zoned = z
            case .double(let v): doubles.append(v)
            case .text(let v): text.append(v)
            case .vector(let v): lengths.append(Int64(v.count)); elements.append(contentsOf: v)
            default: nulls[i] = 1
            }
        }
        w.bytes(ColumnCodec.compress(integers: nulls))
        var pieces: [[[UInt8]]] = []
        switch encoding {
        case .integers, .dates, .booleans, .timestamps:
            pieces = slices(integers.count).map { range in
                let chunk = ColumnCodec.compress(integers: Array(integers[range]))
                return encoding == .timestamps ? [[zoned ? 1 : 0], chunk] : [chunk]
            }
        case .doubles:
            pieces = slices(doubles.count).map { [ColumnCodec.compress(doubles: Array(doubles[$0]))] }
        case .text:
            pieces = slices(text.count).map { range in
                range == 0..<text.count ? [ColumnCodec.compress(strings: text)]
                    : [ColumnCodec.compress(strings: ByteStrings(range.map { text[$0] }))]
            }
        case .vectors:
            pieces = slices(lengths.count).map { range in
                let start = lengths[..<range.lowerBound].reduce(0) { $0 + Int($1) }
                let end = start + lengths[range].reduce(0) { $0 + Int($1) }
                return vectorChunks(Array(lengths[range]), elements[start..<end])
            }
        case .plain:
            break
        }
        w.count(pieces.count)
        var codecs: [String] = []
        for chunk in pieces.joined() {
            w.bytes(chunk)
            if let codec = ColumnCodec.describe(chunk) { codecs.append(codec) }
        }
        return (encoding, codecs)
    }

    /// The ranges of the pieces of `count` values.
    private static func slices(_ count: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: pieceValues).map { $0..<min(count, $0 + pieceValues) }
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

    /// A piece of vectors: an integer chunk of the lengths, then float
    /// chunks of the elements (each at most ColumnCodec.maxValues). Vectors
    /// are read whole at every start: embeddings' random mantissas stay raw
    /// unless the codecs save a fifth.
    private static func vectorChunks(_ lengths: [Int64], _ elements: ArraySlice<Float>) -> [[UInt8]] {
        var parts = [ColumnCodec.compress(integers: lengths)]
        for start in stride(from: elements.startIndex, to: max(elements.startIndex + 1, elements.endIndex), by: ColumnCodec.maxValues) {
            let part = elements[start..<min(elements.endIndex, start + ColumnCodec.maxValues)]
            parts.append(ColumnCodec.compress(floats: Array(part), rawAbove: 0.8))
        }
        return parts
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
