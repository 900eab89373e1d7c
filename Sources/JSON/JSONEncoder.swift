/// Writes JSON text into a byte buffer. Used directly by the service to
/// stream result rows without building an intermediate tree.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// Text that is already valid JSON, copied as is.
    public mutating func append(utf8 text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public mutating func null() { raw("null") }
    public mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    public mutating func integer(_ value: Int64) {
        if value >= 0 && value < 10 { bytes.append(UInt8(48 + value)); return }
        append(utf8: String(value))
    }

    /// Shortest round-trip form; NaN and ±Infinity (not JSON numbers) are
    /// written as the strings "NaN", "Infinity", "-Infinity".
    public mutating func double(_ value: Double) {
        if value.isNaN { raw("\"NaN\""); return }
        if value.isInfinite { value < 0 ? raw("\"-Infinity\"") : raw("\"Infinity\""); return }
        // Double's `write(to:)` formats into a stack buffer and hands the
        // ASCII to `_writeASCII` below: the digits of `description`
        // (tested) without building a String for each number.
        value.write(to: &self)
    }

    /// The number written at `range` again with its sign flipped (`-x`
    /// for `x`, `x` for `-x`): the digits of a negation without formatting
    /// the double twice.
    public mutating func negated(numberAt range: Range<Int>) {
        precondition(range.upperBound <= bytes.count && !range.isEmpty, "no number written there")
        var start = range.lowerBound
        if bytes[start] == UInt8(ascii: "-") { start += 1 } else { bytes.append(UInt8(ascii: "-")) }
        bytes.reserveCapacity(bytes.count + range.upperBound - start)
        for i in start..<range.upperBound { bytes.append(bytes[i]) }
    }

    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for i in 0..<utf8.count {
                let c = utf8[i]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
                escape(c)
                start = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ c: UInt8) {
        switch c {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        case 0x08: raw("\\b")
        case 0x0C: raw("\\f")
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            raw("\\u00")
            bytes.append(hex[Int(c >> 4)])
            bytes.append(hex[Int(c & 0xF)])
        }
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .integer(let i): integer(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let items):
            byte(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                self.value(item)
            }
            byte(UInt8(ascii: "]"))
        case .object(let members):
            byte(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                string(member.0)
                byte(UInt8(ascii: ":"))
                self.value(member.1)
            }
            byte(UInt8(ascii: "}"))
        }
    }
}

extension JSONValue {
    /// The compact JSON text of this value.
    public func encoded() -> [UInt8] {
        var writer = JSONWriter()
        writer.value(self)
        return writer.bytes
    }

    public var jsonText: String { String(decoding: encoded(), as: UTF8.self) }
}

/// As a text stream, the writer takes text as is (callers write only valid
/// JSON this way: numbers' own digits).
extension JSONWriter: TextOutputStream {
    public mutating func write(_ string: String) { append(utf8: string) }

    /// The standard library's customization point for ASCII text (numbers
    /// write their digits through it from a stack buffer).
    public mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
    }
}
