/// The text form of VECTOR values, as pgvector's vector_out writes it:
/// `[1,2.5,3]`, each element in float4out's form. Built byte by byte (a
/// result of many 1536-dimension rows prints millions of elements): the
/// shortest round-trip digits come from Swift's `Float.description`, which
/// fits a small string and so allocates nothing.
extension Value {
    /// A vector as pgvector prints it: `[1,2.5,3]`.
    public static func formatVector(_ v: [Float]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(2 + v.count * 11)
        appendVector(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `[e1,e2,…]` to `out`.
    public static func appendVector(_ v: [Float], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, x) in v.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendFloat4(x, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// float4out's text of one element (pgvector uses the same routine).
    public static func formatFloat4(_ f: Float) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        appendFloat4(f, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The shortest digits that read back exactly, in fixed notation when
    /// the decimal exponent is in -4 ..< 6 and as `d.ddde±XX` otherwise
    /// (`1e+06`, `1e-05`); `NaN`, `Infinity`, `-Infinity`, `-0`.
    public static func appendFloat4(_ f: Float, to out: inout [UInt8]) {
        if f.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if f.sign == .minus { out.append(UInt8(ascii: "-")) }
        if f.isInfinite { out.append(contentsOf: "Infinity".utf8); return }
        if f == 0 { out.append(UInt8(ascii: "0")); return }
        var text = abs(f).description
        text.withUTF8 { s in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: s.count) { digits in
                let (first, end, exponent) = shortestDigits(s, into: digits)
                layout(UnsafeBufferPointer(rebasing: digits[first..<end]), exponent, into: &out)
            }
        }
    }

    /// Reads a positive number's description (`123.5`, `0.001`, `1e-05`,
    /// `1.2345679e+08`) into its significant digits (the range `first..<end`
    /// of `digits`) and the decimal exponent of the first one.
    private static func shortestDigits(_ s: UnsafeBufferPointer<UInt8>,
                                       into digits: UnsafeMutableBufferPointer<UInt8>) -> (Int, Int, Int) {
        var n = 0, pointAfter = -1, exponent = 0, i = 0
        while i < s.count {
            let c = s[i]
            if c == UInt8(ascii: ".") {
                pointAfter = n
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                var j = i + 1, negative = false
                if j < s.count, s[j] == UInt8(ascii: "-") || s[j] == UInt8(ascii: "+") { negative = s[j] == UInt8(ascii: "-"); j += 1 }
                while j < s.count { exponent = exponent * 10 + Int(s[j] &- 48); j += 1 }
                if negative { exponent = -exponent }
                break
            } else {
                digits[n] = c
                n += 1
            }
            i += 1
        }
        if pointAfter < 0 { pointAfter = n }
        var first = 0
        while first < n - 1, digits[first] == UInt8(ascii: "0") { first += 1; pointAfter -= 1 }
        while n - first > 1, digits[n - 1] == UInt8(ascii: "0") { n -= 1 }
        return (first, n, exponent + pointAfter - 1)
    }

    private static func layout(_ digits: UnsafeBufferPointer<UInt8>, _ exponent: Int, into out: inout [UInt8]) {
        let zero = UInt8(ascii: "0")
        if exponent < -4 || exponent >= 6 {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            out.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let magnitude = abs(exponent)
            if magnitude < 10 { out.append(zero) }
            out.append(contentsOf: String(magnitude).utf8)
        } else if exponent < 0 {
            out.append(zero)
            out.append(UInt8(ascii: "."))
            for _ in 0..<(-exponent - 1) { out.append(zero) }
            out.append(contentsOf: digits)
        } else if digits.count <= exponent + 1 {
            out.append(contentsOf: digits)
            for _ in 0..<(exponent + 1 - digits.count) { out.append(zero) }
        } else {
            out.append(contentsOf: digits[0...exponent])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[(exponent + 1)...])
        }
    }
}
