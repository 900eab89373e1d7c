/// A column of byte strings held flat: every value's bytes one after
/// another in `bytes`, value i spanning `ends[i-1] ..< ends[i]` (from 0 for
/// the first). The codecs read and write strings in this form, so a column
/// of many short values costs two arrays, not one allocation per value.
public struct ByteStrings: Sendable, Equatable {
    public private(set) var bytes: [UInt8]
    public private(set) var ends: [Int]

    public init() { bytes = []; ends = [] }

    public init<S: Sequence>(_ values: S) where S.Element: Collection, S.Element.Element == UInt8 {
        self.init()
        for value in values { append(value) }
    }

    public init(strings: [String]) {
        self.init()
        for s in strings { append(s) }
    }

    /// From prepared parts; `ends` must be non-decreasing and end at `bytes.count`.
    init(bytes: [UInt8], ends: [Int]) {
        self.bytes = bytes
        self.ends = ends
    }

    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }
    public var totalBytes: Int { bytes.count }

    public mutating func append<C: Collection>(_ value: C) where C.Element == UInt8 {
        bytes.append(contentsOf: value)
        ends.append(bytes.count)
    }

    /// A string's UTF-8 bytes (copied from its contiguous storage: the
    /// generic `append` is not specialized across modules).
    public mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { bytes.append(contentsOf: $0) }
        ends.append(bytes.count)
    }

    public mutating func reserve(values: Int, bytes byteCount: Int) {
        ends.reserveCapacity(values)
        bytes.reserveCapacity(byteCount)
    }

    @inline(__always)
    public func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : ends[i - 1])..<ends[i] }

    public subscript(i: Int) -> ArraySlice<UInt8> { bytes[range(i)] }

    public func string(_ i: Int) -> String { String(decoding: self[i], as: UTF8.self) }

    public var strings: [String] { (0..<count).map(string) }
}
