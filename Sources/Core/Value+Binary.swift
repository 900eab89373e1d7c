/// Text forms of UUID and BYTEA values (PostgreSQL's uuid_in/out, byteaout).
extension Value {
    /// `a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11`, lower case.
    public static func formatUUID(_ high: UInt64, _ low: UInt64) -> String {
        let hex = hexDigits(high, 16) + hexDigits(low, 16)
        var out = ""
        for (i, c) in hex.enumerated() {
            if i == 8 || i == 12 || i == 16 || i == 20 { out += "-" }
            out.append(c)
        }
        return out
    }

    private static func hexDigits(_ v: UInt64, _ count: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: count - s.count) + s
    }

    /// Reads a UUID as uuid_in does: 32 hex digits, optionally in braces,
    /// with a hyphen allowed after any group of four digits; any case.
    public static func parseUUID(_ text: String) -> (UInt64, UInt64)? {
        var chars = Array(text.unicodeScalars)
        if chars.first == "{" {
            guard chars.last == "}" else { return nil }
            chars = Array(chars.dropFirst().dropLast())
        }
        var digits: [UInt8] = []
        var i = 0
        while i < chars.count {
            guard let d = hexValue(chars[i]) else { return nil }
            digits.append(d)
            i += 1
            if digits.count % 4 == 0 && digits.count < 32 && i < chars.count && chars[i] == "-" { i += 1 }
        }
        guard digits.count == 32 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for d in digits[0..<16] { high = high << 4 | UInt64(d) }
        for d in digits[16..<32] { low = low << 4 | UInt64(d) }
        return (high, low)
    }

    static func hexValue(_ c: Unicode.Scalar) -> UInt8? {
        switch c {
        case "0"..."9": UInt8(c.value - 48)
        case "a"..."f": UInt8(c.value - 87)
        case "A"..."F": UInt8(c.value - 55)
        default: nil
        }
    }

    /// BYTEA's hex output: `\x0102ff`.
    public static func formatHex(_ bytes: [UInt8]) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var out = "\\x"
        out.reserveCapacity(2 + bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return out
    }

    /// Reads BYTEA text: `\x` followed by hex pairs (whitespace between pairs
    /// allowed), or the escape format (`\\`, `\ooo` octal, other bytes as is).
    public static func parseBytea(_ text: String) -> [UInt8]? {
        let scalars = Array(text.unicodeScalars)
        if scalars.count >= 2 && scalars[0] == "\\" && scalars[1] == "x" {
            var out: [UInt8] = []
            var i = 2
            while i < scalars.count {
                if scalars[i] == " " || scalars[i] == "\t" || scalars[i] == "\n" || scalars[i] == "\r" { i += 1; continue }
                guard i + 1 < scalars.count, let hi = hexValue(scalars[i]), let lo = hexValue(scalars[i + 1]) else { return nil }
                out.append(hi << 4 | lo)
                i += 2
            }
            return out
        }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "\\") else { out.append(bytes[i]); i += 1; continue }
            if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\\") { out.append(bytes[i]); i += 2; continue }
            guard i + 3 < bytes.count,
                  (48...51).contains(bytes[i + 1]), (48...55).contains(bytes[i + 2]), (48...55).contains(bytes[i + 3]) else { return nil }
            out.append((bytes[i + 1] - 48) << 6 | (bytes[i + 2] - 48) << 3 | (bytes[i + 3] - 48))
            i += 4
        }
        return out
    }
}
