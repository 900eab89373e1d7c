// The binary codec of the write-ahead log and checkpoint segments: a
// `ByteWriter` that appends little-endian integers, LEB128 varints and
// length-prefixed strings and byte strings, a `ByteReader` that reads them
// back and throws `CodecError` (never traps, never allocates more than the
// input could hold) on malformed input, and CRC32C for framing.
//
// Format version 1 (`BinaryCodec.version`):
//
//     u8, bool      1 byte (bool: 0 or 1, anything else is corrupt)
//     u32, u64, i64 fixed width, little-endian (i64 as its bit pattern)
//     double        its bit pattern as u64 (NaN payloads and -0 kept)
//     varint        unsigned LEB128, at most 10 bytes
//     zigzag        a signed integer as a varint of (v << 1) ^ (v >> 63)
//     string        varint byte count, then UTF-8
//     bytes         varint byte count, then the bytes
//     count         varint; never more than the bytes remaining (every
//                   element takes at least one byte)
//     Value         1-byte tag (`ValueTag`), then the payload:
//                   null -; boolean bool; integer zigzag; double double;
//                   text string; date zigzag; timestamp zigzag micros, bool
//                   zoned; interval zigzag months, days, micros; uuid u64
//                   high, u64 low; bytes bytes; json string (the canonical
//                   jsonb text); jsonText string; vector count, then each
//                   element's float4 bit pattern as u32
//     Row, RowKey   count, then each Value
//     TableSchema   see BinaryCodec+Schema.swift
//
// Tags are stable: a new case gets a new tag, an old tag is never reused.

/// The codec's format version, for headers of the files that use it.
public enum BinaryCodec {
    public static let version: UInt8 = 1

    /// Decodes one item that must span all of `bytes` (trailing bytes are corrupt).
    public static func decode<T>(_ bytes: ArraySlice<UInt8>,
                                 _ body: (inout ByteReader) throws(CodecError) -> T) throws(CodecError) -> T {
        var reader = ByteReader(bytes)
        let result = try body(&reader)
        try reader.expectEnd()
        return result
    }

    public static func decode<T>(_ bytes: [UInt8],
                                 _ body: (inout ByteReader) throws(CodecError) -> T) throws(CodecError) -> T {
        try decode(bytes[...], body)
    }
}

/// Binary data that cannot be decoded: truncated, out of range, or not what
/// the format allows. SQLSTATE XX001 (data_corrupted).
public struct CodecError: DatabaseError, Equatable {
    public static let dataCorrupted = "XX001"
    public var sqlState: String
    public var message: String
    /// The byte offset (from the start of the reader's input) where the bad item starts.
    public var offset: Int
    public var position: Int? { nil }

    public init(_ message: String, at offset: Int) {
        self.sqlState = CodecError.dataCorrupted
        self.message = "corrupt binary data at byte \(offset): \(message)"
        self.offset = offset
    }
}

// MARK: - Writer

/// Appends encoded items to a byte array.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        self.bytes = []
        self.bytes.reserveCapacity(max(0, capacity))
    }

    public var count: Int { self.bytes.count }

    public mutating func u8(_ v: UInt8) { self.bytes.append(v) }

    public mutating func u32(_ v: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { self.bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

    public mutating func u64(_ v: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { self.bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    /// Unsigned LEB128 (1 to 10 bytes).
    public mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            self.bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        self.bytes.append(UInt8(v))
    }

    /// A signed integer as a zigzag varint (small magnitudes take few bytes).
    public mutating func zigzag(_ v: Int64) {
        varint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    /// A count or length (non-negative) as a varint.
    public mutating func count(_ n: Int) {
        precondition(n >= 0, "negative count")
        varint(UInt64(n))
    }

    public mutating func bool(_ v: Bool) { self.bytes.append(v ? 1 : 0) }

    /// The exact bit pattern (NaN payloads and the sign of zero kept).
    public mutating func double(_ v: Double) { u64(v.bitPattern) }

    /// Varint UTF-8 length, then the UTF-8 bytes.
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            self.bytes.append(contentsOf: utf8)
        }
    }

    /// Varint length, then the bytes.
    public mutating func bytes(_ b: [UInt8]) {
        varint(UInt64(b.count))
        self.bytes.append(contentsOf: b)
    }

    /// The bytes as they are, with no length (for fixed-size fields and framing).
    public mutating func raw<C: Collection>(_ b: C) where C.Element == UInt8 {
        self.bytes.append(contentsOf: b)
    }

    /// Overwrites 4 bytes at `offset` with `v` (LE): fills in a length or
    /// checksum reserved earlier with `u32(0)`.
    public mutating func setU32(_ v: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= self.bytes.count, "setU32 outside the written bytes")
        for i in 0..<4 { self.bytes[offset + i] = UInt8(truncatingIfNeeded: v >> UInt32(8 * i)) }
    }

    /// Empties the writer, keeping its storage for reuse.
    public mutating func removeAll() { self.bytes.removeAll(keepingCapacity: true) }
}

// MARK: - Reader

/// Reads encoded items from bytes, in the order they were written.
public struct ByteReader: Sendable {
    private let data: ArraySlice<UInt8>
    private var index: Int

    public init(_ bytes: ArraySlice<UInt8>) { data = bytes; index = bytes.startIndex }
    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    public var isAtEnd: Bool { index >= data.endIndex }
    /// Bytes read so far.
    public var offset: Int { index - data.startIndex }
    /// Bytes not yet read.
    public var remaining: Int { data.endIndex - index }

    /// Throws unless every byte has been read.
    public func expectEnd() throws(CodecError) {
        if !isAtEnd { throw CodecError("\(remaining) unexpected trailing bytes", at: offset) }
    }

    private func need(_ n: Int, _ what: String) throws(CodecError) {
        if n > remaining { throw CodecError("truncated \(what): needs \(n) bytes, \(remaining) remain", at: offset) }
    }

    public mutating func u8() throws(CodecError) -> UInt8 {
        try need(1, "u8")
        defer { index += 1 }
        return data[index]
    }

    public mutating func u32() throws(CodecError) -> UInt32 {
        try need(4, "u32")
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(data[index + i]) << UInt32(8 * i) }
        index += 4
        return v
    }

    public mutating func u64() throws(CodecError) -> UInt64 {
        try need(8, "u64")
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(data[index + i]) << UInt64(8 * i) }
        index += 8
        return v
    }

    public mutating func i64() throws(CodecError) -> Int64 { Int64(bitPattern: try u64()) }

    /// Unsigned LEB128: at most 10 bytes, and the 10th may only hold bit 63.
    public mutating func varint() throws(CodecError) -> UInt64 {
        let start = offset
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard !isAtEnd else { throw CodecError("truncated varint", at: start) }
            let b = data[index]
            index += 1
            if shift == 63 && b > 1 { throw CodecError("varint longer than 64 bits", at: start) }
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
    }

    public mutating func zigzag() throws(CodecError) -> Int64 {
        let u = try varint()
        return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }

    /// A count or length: a varint no larger than the bytes remaining after
    /// it (each element or byte it counts takes at least one byte).
    public mutating func count() throws(CodecError) -> Int {
        let start = offset
        let n = try varint()
        guard n <= UInt64(remaining) else {
            throw CodecError("count \(n) exceeds the \(remaining) bytes remaining", at: start)
        }
        return Int(n)
    }

    /// A non-negative `Int` written as a varint (a position or small number).
    public mutating func int() throws(CodecError) -> Int {
        let start = offset
        let n = try varint()
        guard let i = Int(exactly: n) else { throw CodecError("integer \(n) out of range", at: start) }
        return i
    }

    public mutating func bool() throws(CodecError) -> Bool {
        let start = offset
        switch try u8() {
        case 0: return false
        case 1: return true
        case let b: throw CodecError("invalid boolean byte \(b)", at: start)
        }
    }

    public mutating func double() throws(CodecError) -> Double { Double(bitPattern: try u64()) }

    /// `n` bytes as they are (no length prefix).
    public mutating func raw(count n: Int) throws(CodecError) -> ArraySlice<UInt8> {
        guard n >= 0 else { throw CodecError("negative length \(n)", at: offset) }
        try need(n, "bytes")
        defer { index += n }
        return data[index..<index + n]
    }

    public mutating func string() throws(CodecError) -> String {
        let start = offset
        let n = try count()
        let slice = try raw(count: n)
        let text = slice.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
        guard let text else { throw CodecError("invalid UTF-8 in a string of \(n) bytes", at: start) }
        return text
    }

    public mutating func bytes() throws(CodecError) -> [UInt8] {
        Array(try raw(count: try count()))
    }

    /// A sequence written as a count followed by its elements.
    public mutating func array<T>(_ element: (inout ByteReader) throws(CodecError) -> T) throws(CodecError) -> [T] {
        let n = try count()
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try element(&self)) }
        return out
    }
}

// MARK: - Values, rows, keys

/// The stable 1-byte tags of `Value` cases (format version 1).
enum ValueTag: UInt8 {
    case null = 0, boolean = 1, integer = 2, double = 3, text = 4, date = 5, timestamp = 6
    case interval = 7, uuid = 8, bytes = 9, json = 10, jsonText = 11, vector = 12
}

extension ByteWriter {
    public mutating func value(_ v: Value) {
        switch v {
        case .null:
            u8(ValueTag.null.rawValue)
        case .boolean(let b):
            u8(ValueTag.boolean.rawValue); bool(b)
        case .integer(let i):
            u8(ValueTag.integer.rawValue); zigzag(i)
        case .double(let d):
            u8(ValueTag.double.rawValue); double(d)
        case .text(let s):
            u8(ValueTag.text.rawValue); string(s)
        case .date(let d):
            u8(ValueTag.date.rawValue); zigzag(d)
        case let .timestamp(micros, zoned):
            u8(ValueTag.timestamp.rawValue); zigzag(micros); bool(zoned)
        case .interval(let iv):
            u8(ValueTag.interval.rawValue); zigzag(Int64(iv.months)); zigzag(Int64(iv.days)); zigzag(iv.micros)
        case let .uuid(high, low):
            u8(ValueTag.uuid.rawValue); u64(high); u64(low)
        case .bytes(let b):
            u8(ValueTag.bytes.rawValue); bytes(b)
        case .json(let document):
            u8(ValueTag.json.rawValue); string(document.description)
        case .jsonText(let s):
            u8(ValueTag.jsonText.rawValue); string(s)
        case .vector(let v):
            u8(ValueTag.vector.rawValue); count(v.count)
            for x in v { u32(x.bitPattern) }
        }
    }

    public mutating func row(_ r: Row) {
        count(r.count)
        for v in r { value(v) }
    }

    public mutating func rowKey(_ k: RowKey) { row(k.values) }

    /// A presence byte, then the value when present.
    public mutating func optionalValue(_ v: Value?) {
        if let v { bool(true); value(v) } else { bool(false) }
    }

    public mutating func optionalString(_ s: String?) {
        if let s { bool(true); string(s) } else { bool(false) }
    }
}

extension ByteReader {
    public mutating func value() throws(CodecError) -> Value {
        let start = offset
        let byte = try u8()
        guard let tag = ValueTag(rawValue: byte) else { throw CodecError("unknown value tag \(byte)", at: start) }
        switch tag {
        case .null: return .null
        case .boolean: return .boolean(try bool())
        case .integer: return .integer(try zigzag())
        case .double: return .double(try double())
        case .text: return .text(try string())
        case .date: return .date(try zigzag())
        case .timestamp:
            let micros = try zigzag()
            return .timestamp(micros, zoned: try bool())
        case .interval:
            let months = try int32(), days = try int32()
            return .interval(Interval(months: months, days: days, micros: try zigzag()))
        case .uuid:
            let high = try u64()
            return .uuid(high, try u64())
        case .bytes: return .bytes(try bytes())
        case .json:
            let textStart = offset
            let text = try string()
            do throws(JSONSyntaxError) {
                return .json(try JSONDocument.parse(text, allowNUL: true).normalized())
            } catch {
                throw CodecError("invalid jsonb text: \(error.detail)", at: textStart)
            }
        case .jsonText: return .jsonText(try string())
        case .vector: return .vector(try floats())
        }
    }

    /// A vector's elements: a count, then 4 bytes each (checked against the
    /// bytes remaining before anything is allocated).
    private mutating func floats() throws(CodecError) -> [Float] {
        let start = offset
        let n = try count()
        guard n <= remaining / 4 else {
            throw CodecError("vector of \(n) elements exceeds the \(remaining) bytes remaining", at: start)
        }
        var out: [Float] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(Float(bitPattern: try u32())) }
        return out
    }

    private mutating func int32() throws(CodecError) -> Int32 {
        let start = offset
        let v = try zigzag()
        guard let i = Int32(exactly: v) else { throw CodecError("value \(v) out of range for a 32-bit field", at: start) }
        return i
    }

    public mutating func row() throws(CodecError) -> Row {
        try array { (r: inout ByteReader) throws(CodecError) in try r.value() }
    }

    public mutating func rowKey() throws(CodecError) -> RowKey { RowKey(try row()) }

    public mutating func optionalValue() throws(CodecError) -> Value? {
        try bool() ? try value() : nil
    }

    public mutating func optionalString() throws(CodecError) -> String? {
        try bool() ? try string() : nil
    }
}

// MARK: - CRC32C

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8.
/// `checksum("123456789") == 0xE3069283`.
public enum CRC32C {
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { extend(0, bytes) }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { extend(0, $0) } }

    public static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 { bytes.withUnsafeBytes { extend(0, $0) } }

    /// The checksum of the data `crc` is the checksum of, followed by `bytes`:
    /// `extend(checksum(a), b) == checksum(a + b)`.
    public static func extend(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        let n = bytes.count
        table.withUnsafeBufferPointer { t in
            var i = 0
            while n - i >= 8 {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let lo = c ^ UInt32(truncatingIfNeeded: word)
                let hi = UInt32(truncatingIfNeeded: word >> 32)
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                i += 8
            }
            while i < n {
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8)
                i += 1
            }
        }
        return ~c
    }

    /// Eight 256-entry tables: table k maps a byte to its CRC contribution
    /// k bytes further along.
    private static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()
}
