import Compression
import Core

/// One column of a checkpoint segment (format 2): the values of every row
/// that has the column, compressed by the column codecs when all of them
/// that are not null are of one kind, written plain otherwise (and plain
/// also when that is smaller, as for a few rows).
///
///     u8 encoding (`SegmentColumn.Encoding`)
///     plain:  each Value (BinaryCodec)
///     typed:  count of pieces, then per piece of at most `pieceValues`
///             rows: bytes: the null flags (an integer chunk of 0/1; runs
///             when there are none), then bytes per chunk of the piece's
///             non-null values
///             (integers, booleans, dates: integer chunk; doubles: double
///             chunk; text: string chunk; timestamps: a zoned byte, then
///             an integer chunk; vectors: an integer chunk of the lengths,
///             then float chunks of all their elements, raw unless
///             compression saves a fifth)
///
/// The chunks come from `ColumnCodec`, which tries its layouts and keeps
/// the smallest: FSST or a dictionary for text, ALP / ALP-rd for doubles,
/// frame of reference, deltas, runs or a dictionary for integers. A column
/// of NULLs alone is typed (integers) with no values: its flags are one run.
public enum SegmentColumn {
    public enum Encoding: UInt8, Sendable {
        case plain = 0, integers = 1, doubles = 2, text = 3, booleans = 4, dates = 5, timestamps = 6, vectors = 7
    }

    static let pieceValues = 1 << 20

    /// The typed encoding the values allow, if any.
    static func encoding(of values: ArraySlice<Value>) -> Encoding {
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
        return found ?? (values.isEmpty ? .plain : .integers)
    }

    /// Writes `values` (a checkpoint's column); returns the encoding.
    @discardableResult
    public static func write(_ values: [Value], into w: inout ByteWriter) -> (encoding: Encoding, codecs: [String]) {
        write(values, pieceValues: pieceValues, describing: false, into: &w)
    }

    /// With `describing`, also the codecs of the value chunks (e.g.
    /// "strings/fsst"; naming every row group's float scheme decodes the
    /// chunk, so only statistics ask for it).
    static func write(_ values: [Value], pieceValues: Int, describing: Bool = true,
                      into w: inout ByteWriter) -> (encoding: Encoding, codecs: [String]) {
        let encoding = encoding(of: values[...])
        guard encoding != .plain else {
            writePlain(values, into: &w)
            return (.plain, [])
        }
        var typed = ByteWriter(capacity: 256)
        typed.u8(encoding.rawValue)
        let ranges = stride(from: 0, to: values.count, by: pieceValues).map { $0..<min(values.count, $0 + pieceValues) }
        typed.count(ranges.count)
        var codecs: [String] = []
        for range in ranges {
            for (n, chunk) in piece(values[range], encoding).enumerated() {
                typed.bytes(chunk)
                // (The first chunk holds the null flags, not values.)
                if describing && n > 0 { codecs.append(contentsOf: ColumnCodec.describeAll(chunk)) }
            }
        }
        // A few rows: headers can outweigh the values.
        if values.count <= 256 {
            var plain = ByteWriter(capacity: 256)
            writePlain(values, into: &plain)
            if plain.count <= typed.count {
                w.raw(plain.bytes)
                return (.plain, [])
            }
        }
        w.raw(typed.bytes)
        return (encoding, codecs)
    }

    private static func writePlain(_ values: [Value], into w: inout ByteWriter) {
        w.u8(Encoding.plain.rawValue)
        for value in values { w.value(value) }
    }

    /// One piece: its null flags, then its values' chunks.
    private static func piece(_ values: ArraySlice<Value>, _ encoding: Encoding) -> [[UInt8]] {
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
        let flags = ColumnCodec.compress(integers: nulls)
        switch encoding {
        case .integers, .dates, .booleans: return [flags, ColumnCodec.compress(integers: integers)]
        case .timestamps: return [flags, [zoned ? 1 : 0], ColumnCodec.compress(integers: integers)]
        case .doubles: return [flags, ColumnCodec.compress(doubles: doubles)]
        case .text: return [flags, ColumnCodec.compress(strings: text)]
        case .vectors: return [flags] + vectorChunks(lengths, elements[...])
        case .plain: return []
        }
    }

    /// What a checkpoint would store for `values` now: the encoding, the
    /// chunks' codecs, and the bytes plain (format 1) and as written.
    public static func measure(_ values: [Value]) -> (encoding: Encoding, codecs: [String], plainBytes: Int, bytes: Int) {
        var plain = ByteWriter(capacity: 1024)
        for value in values { plain.value(value) }
        var written = ByteWriter(capacity: 1024)
        let (encoding, codecs) = write(values, pieceValues: pieceValues, describing: true, into: &written)
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
        var values: [Value] = []
        values.reserveCapacity(min(count, r.remaining * 64))
        guard encoding != .plain else {
            for _ in 0..<count { values.append(try r.value()) }
            return values
        }
        let pieces = try r.count()
        for _ in 0..<pieces {
            let nulls = try ColumnCodec.decompressIntegers(try r.bytes())
            let present = try readPiece(encoding, from: &r)
            guard present.count == nulls.reduce(0, { $0 + ($1 == 0 ? 1 : 0) }) else {
                throw CompressionError("\(present.count) values for the non-null rows of \(nulls.count)")
            }
            var next = 0
            for flag in nulls {
                if flag == 0 { values.append(present[next]); next += 1 } else { values.append(.null) }
            }
            guard values.count <= count else { throw CompressionError("more than the \(count) values of the column") }
        }
        guard values.count == count else { throw CompressionError("\(values.count) values for a column of \(count)") }
        return values
    }

    /// Reads a column of format 2 (builds of 2026-11-29 before pieces
    /// carried their own null flags): one null-flags chunk for the whole
    /// column (up to 2^24), then pieces of the non-null values.
    static func readFormat2(count: Int, from r: inout ByteReader) throws -> [Value] {
        let tag = try r.u8()
        guard let encoding = Encoding(rawValue: tag) else { throw CompressionError("unknown column encoding \(tag)") }
        guard encoding != .plain else {
            var values: [Value] = []
            for _ in 0..<count { values.append(try r.value()) }
            return values
        }
        let nulls = try ColumnCodec.decompressIntegers(try r.bytes(), maxValues: 1 << 24)
        guard nulls.count == count else { throw CompressionError("\(nulls.count) null flags for \(count) values") }
        var present: [Value] = []
        let pieces = try r.count()
        for _ in 0..<pieces { present.append(contentsOf: try readPiece(encoding, from: &r)) }
        guard present.count == nulls.reduce(0, { $0 + ($1 == 0 ? 1 : 0) }) else {
            throw CompressionError("\(present.count) values for the non-null rows of \(count)")
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
            var total = 0
            for n in lengths {
                guard n >= 0, n <= Int64(Int32.max) else { throw CompressionError("a vector of \(n) elements") }
                let (sum, overflow) = total.addingReportingOverflow(Int(n))
                guard !overflow else { throw CompressionError("vector lengths overflow") }
                total = sum
            }
            var elements: [Float] = []
            repeat {
                elements.append(contentsOf: try ColumnCodec.decompressFloats(try r.bytes()))
            } while elements.count < total
            guard elements.count == total else {
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
