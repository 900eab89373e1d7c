import Core

// Compression: the column codecs of checkpoint segments, pure algorithms
// with no I/O. Each codec has the same three steps as DuckDB's
// `src/storage/compression/`: analyze (estimate the encoded size on a
// sample), compress, and decompress (which throws `CompressionError` on
// malformed input; it never traps and never allocates more than the input
// could describe).
//
//   BitPacking        values of a fixed bit width packed LSB-first; frame of
//                     reference (minimum + packed offsets) for integers.
//   IntegerCodecs     Int64 columns: frame of reference + bit-packing per
//                     block of 1024, run-length, dictionary.
//   FSST              strings: a table of up to 255 symbols of 1-8 bytes
//                     learnt from a sample, each value encoded on its own so
//                     any one decodes alone (Boncz, Neumann, Leis 2020).
//   StringCodecs      string columns: plain, FSST, dictionary of FSST strings.
//   ALP               doubles and floats that are decimals at heart: each
//                     vector of 1024 as integers d·10^e·10^-f with
//                     exceptions; ALP-rd for the rest, splitting the bits in
//                     a dictionary-coded front and a packed tail (Afroozeh,
//                     Kuffo, Boncz 2023).
//   ColumnCodec       the codec chooser: every candidate estimates its size
//                     on a sample, the smallest is used; the chunk starts
//                     with its codec's tag, so it decodes by itself.
//
// Formats are little-endian and versioned by the tags; a new layout gets a
// new tag, an old tag is never reused.

/// Bytes that are not a valid encoding of the codec that reads them:
/// truncated, out of range, or inconsistent. SQLSTATE XX001 (data_corrupted).
public struct CompressionError: DatabaseError, Equatable {
    public var sqlState: String
    public var message: String
    public var position: Int? { nil }

    public init(_ message: String) {
        self.sqlState = "XX001"
        self.message = "corrupt compressed data: \(message)"
    }

    /// Input a compressor cannot take (not the corrupt data of a decoder):
    /// SQLSTATE 22023 (invalid_parameter_value).
    public init(invalidInput message: String) {
        self.sqlState = "22023"
        self.message = message
    }
}

/// Appends a chunk's fields (little-endian, LEB128 varints).
struct ChunkWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func count(_ n: Int) { varint(UInt64(n)) }

    mutating func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
    }

    mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func raw<C: Collection>(_ b: C) where C.Element == UInt8 { bytes.append(contentsOf: b) }
}

/// Reads a chunk's fields back; every read checks what remains.
struct ChunkReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    func need(_ n: Int, _ what: String) throws(CompressionError) {
        if n < 0 || n > remaining {
            throw CompressionError("truncated \(what) at byte \(offset): needs \(n) bytes, \(remaining) remain")
        }
    }

    mutating func u8(_ what: String = "byte") throws(CompressionError) -> UInt8 {
        try need(1, what)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16(_ what: String = "u16") throws(CompressionError) -> UInt16 {
        try need(2, what)
        defer { offset += 2 }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    mutating func u64(_ what: String = "u64") throws(CompressionError) -> UInt64 {
        try need(8, what)
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    mutating func varint(_ what: String = "varint") throws(CompressionError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8(what)
            if shift == 63 && byte > 1 { throw CompressionError("\(what) overflows 64 bits at byte \(offset - 1)") }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { throw CompressionError("\(what) longer than 10 bytes at byte \(offset - 1)") }
        }
    }

    mutating func zigzag(_ what: String = "zigzag") throws(CompressionError) -> Int64 {
        let v = try varint(what)
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    /// A count no larger than `limit` (what the caller can afford to allocate for it).
    mutating func count(_ what: String, limit: Int) throws(CompressionError) -> Int {
        let v = try varint(what)
        guard v <= UInt64(max(0, limit)) else { throw CompressionError("\(what) \(v) exceeds \(limit)") }
        return Int(v)
    }

    /// `n` bytes, borrowed from the input.
    mutating func raw(_ n: Int, _ what: String) throws(CompressionError) -> UnsafeRawBufferPointer {
        try need(n, what)
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n])
    }

    func expectEnd() throws(CompressionError) {
        if !isAtEnd { throw CompressionError("\(remaining) trailing bytes") }
    }
}

/// Runs `body` over the bytes of `data` as a reader that must consume them all.
func readingAll<T>(_ data: [UInt8], _ body: (inout ChunkReader) throws(CompressionError) -> T) throws(CompressionError) -> T {
    let result: Result<T, CompressionError> = data.withUnsafeBytes { raw in
        var reader = ChunkReader(raw)
        do throws(CompressionError) {
            let value = try body(&reader)
            try reader.expectEnd()
            return .success(value)
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}
