/// The codec chooser and the one entry point for column chunks. A chunk
/// is a kind byte, then that kind's layout byte and body:
///
///     1 integers  IntegerCodecs (frame, delta, runs, dictionary)
///     2 doubles   FloatCodec (ALP / ALP-rd per row group)
///     3 floats    FloatCodec on 32-bit values
///     4 strings   StringCodecs (plain, FSST, dictionary)
///
/// Within each kind the layouts are tried (on a sample where a full try
/// would cost too much) and the smallest kept.
public enum ColumnCodec {
    /// The most values one chunk may hold; decoders refuse larger counts
    /// instead of allocating for them. (Runs and dictionaries can describe
    /// that many values in a few bytes: this also bounds what a forged
    /// chunk can make a decoder produce.)
    public static let maxValues = 1 << 20

    public enum Kind: UInt8, Sendable {
        case integers = 1, doubles = 2, floats = 3, strings = 4
    }

    public static func compress(integers: [Int64]) -> [UInt8] {
        precondition(integers.count <= maxValues, "a chunk holds at most \(maxValues) values")
        var out = ChunkWriter(capacity: integers.count + 16)
        out.u8(Kind.integers.rawValue)
        IntegerCodecs.compress(integers, into: &out)
        return out.bytes
    }

    public static func compress(doubles: [Double]) -> [UInt8] {
        precondition(doubles.count <= maxValues, "a chunk holds at most \(maxValues) values")
        var out = ChunkWriter(capacity: doubles.count * 4 + 16)
        out.u8(Kind.doubles.rawValue)
        FloatCodec.compress(FloatColumn(doubles: doubles), into: &out)
        return out.bytes
    }

    /// `rawAbove`: row groups whose estimated size is at least this share
    /// of their raw size are stored raw (faster to read back).
    public static func compress(floats: [Float], rawAbove: Double = 1) -> [UInt8] {
        precondition(floats.count <= maxValues, "a chunk holds at most \(maxValues) values")
        var out = ChunkWriter(capacity: floats.count * 2 + 16)
        out.u8(Kind.floats.rawValue)
        FloatCodec.compress(FloatColumn(floats: floats), rawAbove: rawAbove, into: &out)
        return out.bytes
    }

    public static func compress(strings: ByteStrings) -> [UInt8] {
        precondition(strings.count <= maxValues, "a chunk holds at most \(maxValues) values")
        var out = ChunkWriter(capacity: strings.totalBytes / 2 + 16)
        out.u8(Kind.strings.rawValue)
        StringCodecs.compress(strings, into: &out)
        return out.bytes
    }

    /// `maxValues` above the limit reads chunks of earlier writers that
    /// allowed more (checkpoint segments of format 2: 2^24).
    public static func decompressIntegers(_ chunk: [UInt8], maxValues: Int = maxValues) throws(CompressionError) -> [Int64] {
        try readingAll(chunk) { (reader) throws(CompressionError) in
            try expect(.integers, &reader)
            return try IntegerCodecs.decompress(&reader, maxValues: maxValues)
        }
    }

    public static func decompressDoubles(_ chunk: [UInt8]) throws(CompressionError) -> [Double] {
        try readingAll(chunk) { (reader) throws(CompressionError) in
            try expect(.doubles, &reader)
            return try FloatCodec.decompress(&reader, isFloat: false).map { Double(bitPattern: $0) }
        }
    }

    public static func decompressFloats(_ chunk: [UInt8]) throws(CompressionError) -> [Float] {
        try readingAll(chunk) { (reader) throws(CompressionError) in
            try expect(.floats, &reader)
            return try FloatCodec.decompress(&reader, isFloat: true).map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }
        }
    }

    public static func decompressStrings(_ chunk: [UInt8]) throws(CompressionError) -> ByteStrings {
        try readingAll(chunk) { (reader) throws(CompressionError) in
            try expect(.strings, &reader)
            return try StringCodecs.decompress(&reader)
        }
    }

    /// The codec a chunk was written with, e.g. "strings/fsst" (for stats);
    /// nil when the first bytes name none.
    public static func describe(_ chunk: [UInt8]) -> String? {
        guard chunk.count >= 2, let kind = Kind(rawValue: chunk[0]) else { return nil }
        let layout = chunk[1]
        switch kind {
        case .integers:
            return IntegerCodecs.Layout(rawValue: layout).map { "integers/\($0)" }
        case .doubles, .floats:
            // The scheme byte follows the count varint.
            var i = 1
            while i < chunk.count && chunk[i] >= 0x80 { i += 1 }
            let name = "\(kind == .doubles ? "doubles" : "floats")"
            guard i + 1 < chunk.count else { return name }
            return FloatCodec.Scheme(rawValue: chunk[i + 1]).map { "\(name)/\($0.name)" }
        case .strings:
            return StringCodecs.Layout(rawValue: layout).map { "strings/\($0)" }
        }
    }

    /// Every codec a chunk uses: float chunks name each row group's scheme
    /// (decoding the chunk to find them), others their one layout.
    public static func describeAll(_ chunk: [UInt8]) -> [String] {
        guard let first = describe(chunk) else { return [] }
        guard chunk[0] == Kind.doubles.rawValue || chunk[0] == Kind.floats.rawValue else { return [first] }
        let name = chunk[0] == Kind.doubles.rawValue ? "doubles" : "floats"
        var schemes: Set<FloatCodec.Scheme> = []
        let decoded: Result<[UInt64], CompressionError> = chunk.withUnsafeBytes { raw in
            var reader = ChunkReader(raw)
            reader.offset = 1
            return Result { () throws(CompressionError) in
                try FloatCodec.decompress(&reader, isFloat: chunk[0] == Kind.floats.rawValue, schemes: &schemes)
            }
        }
        guard case .success = decoded else { return [first] }
        return schemes.sorted { $0.rawValue < $1.rawValue }.map { "\(name)/\($0.name)" }
    }

    private static func expect(_ kind: Kind, _ reader: inout ChunkReader) throws(CompressionError) {
        let tag = try reader.u8("chunk kind")
        guard tag == kind.rawValue else {
            throw CompressionError("a chunk of kind \(tag) read as \(kind) (kind \(kind.rawValue))")
        }
    }
}
