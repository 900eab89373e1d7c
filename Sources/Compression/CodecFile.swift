/// The file layout of `helios-codec`: "HXC1", the kind byte, a flags byte
/// (bit 0: the last line had no '\n'), then chunks of at most
/// `chunkValues` values, each as a u64 byte length and a `ColumnCodec` chunk.
/// Input: strings one per '\n'-terminated line, or raw little-endian f64/f32.
public enum CodecFile {
    public enum Kind: String, Sendable {
        case strings, f64, f32

        var width: Int { self == .f64 ? 8 : 4 }
        var tag: UInt8 { self == .strings ? 1 : self == .f64 ? 2 : 3 }
    }


    static let magic: [UInt8] = Array("HXC1".utf8)
    static let chunkValues = 1 << 20

    public static func compress(_ input: [UInt8], kind: Kind) throws(CompressionError) -> [UInt8] {
        var out = magic + [kind.tag]
        switch kind {
        case .strings:
            let unterminated = !input.isEmpty && input.last != UInt8(ascii: "\n")
            out.append(unterminated ? 1 : 0)
            var lines = ByteStrings()
            var start = 0
            for (i, byte) in input.enumerated() where byte == UInt8(ascii: "\n") {
                lines.append(input[start..<i])
                start = i + 1
                if lines.count == chunkValues { append(ColumnCodec.compress(strings: lines), to: &out); lines = ByteStrings() }
            }
            if unterminated { lines.append(input[start...]) }
            if !lines.isEmpty { append(ColumnCodec.compress(strings: lines), to: &out) }
        case .f64, .f32:
            guard input.count % kind.width == 0 else {
                throw CompressionError(invalidInput: "\(input.count) bytes are not whole \(kind.width)-byte values")
            }
            out.append(0)
            let count = input.count / kind.width
            for start in stride(from: 0, to: count, by: chunkValues) {
                let range = start..<min(count, start + chunkValues)
                let chunk = input.withUnsafeBytes { raw in
                    kind == .f64
                        ? ColumnCodec.compress(doubles: range.map {
                            Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))
                        })
                        : ColumnCodec.compress(floats: range.map {
                            Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
                        })
                }
                append(chunk, to: &out)
            }
        }
        return out
    }

    public static func decompress(_ input: [UInt8], kind: Kind) throws(CompressionError) -> [UInt8] {
        guard input.count >= 6, Array(input[0..<4]) == magic else { throw CompressionError("not a helios-codec file") }
        guard input[4] == kind.tag else { throw CompressionError("the file holds kind \(input[4]), not \(kind)") }
        let unterminated = input[5] & 1 == 1
        var out: [UInt8] = []
        var offset = 6
        while offset < input.count {
            guard offset + 8 <= input.count else { throw CompressionError("truncated chunk length") }
            var length = 0
            for i in 0..<8 { length |= Int(input[offset + i]) << (8 * i) }
            offset += 8
            guard length >= 0, length <= input.count - offset else { throw CompressionError("truncated chunk") }
            let chunk = Array(input[offset..<offset + length])
            offset += length
            switch kind {
            case .strings:
                let lines = try ColumnCodec.decompressStrings(chunk)
                for i in 0..<lines.count {
                    out.append(contentsOf: lines[i])
                    out.append(UInt8(ascii: "\n"))
                }
            case .f64:
                for v in try ColumnCodec.decompressDoubles(chunk) {
                    withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
                }
            case .f32:
                for v in try ColumnCodec.decompressFloats(chunk) {
                    withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
                }
            }
        }
        if unterminated && out.last == UInt8(ascii: "\n") { out.removeLast() }
        return out
    }

    private static func append(_ chunk: [UInt8], to out: inout [UInt8]) {
        withUnsafeBytes(of: UInt64(chunk.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: chunk)
    }
}
