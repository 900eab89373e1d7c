import Foundation

/// A 2-d array read from a `.npy` file (NumPy format 1.0/2.0, little-endian
/// float32, float64, int32 or int64, C order).
struct NumpyArray {
    let rows: Int
    let columns: Int
    let floats: [Float]
    let integers: [Int]

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = [UInt8](data)
        guard bytes.count > 10, bytes[0] == 0x93, String(decoding: bytes[1...5], as: UTF8.self) == "NUMPY" else {
            throw BenchError("\(path): not a .npy file")
        }
        let major = bytes[6]
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        let start = major == 1 ? 10 : 12
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        guard let descr = header.firstMatch(of: /'descr':\s*'([<|>][a-z]\d)'/)?.1,
              let shape = header.firstMatch(of: /'shape':\s*\(([^)]*)\)/)?.1 else { throw BenchError("\(path): bad header") }
        let dims = shape.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        rows = dims.first ?? 0
        columns = dims.count > 1 ? dims[1] : 1
        let body = start + headerLength
        let n = rows * columns
        var floats: [Float] = [], integers: [Int] = []
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + body
            switch descr {
            case "<f4": floats = (0..<n).map { base.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
            case "<f8": floats = (0..<n).map { Float(base.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self)) }
            case "<i4": integers = (0..<n).map { Int(base.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
            case "<i8": integers = (0..<n).map { Int(base.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
            default: break
            }
        }
        guard !floats.isEmpty || !integers.isEmpty else { throw BenchError("\(path): unsupported dtype \(descr)") }
        self.floats = floats; self.integers = integers
    }

    func row(_ i: Int) -> [Float] { Array(floats[(i * columns)..<((i + 1) * columns)]) }
    func integerRow(_ i: Int) -> [Int] { Array(integers[(i * columns)..<((i + 1) * columns)]) }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
