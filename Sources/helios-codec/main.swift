// helios-codec: Helios's column codecs on files, for measuring them beside
// DuckDB, zstd and lz4 (../shared/bench/compression/measure.py --external).
//
//   helios-codec compress   --kind strings|f64|f32 IN OUT
//   helios-codec decompress --kind strings|f64|f32 IN OUT
//
// IN for compress: strings, one value per '\n'-terminated line; f64/f32,
// raw little-endian values. decompress writes exactly that back. The file
// layout is `CodecFile`'s.
import Compression
import Foundation

let usage = "usage: helios-codec compress|decompress --kind strings|f64|f32 IN OUT"

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 5, ["compress", "decompress"].contains(arguments[0]), arguments[1] == "--kind",
      let kind = CodecFile.Kind(rawValue: arguments[2]) else {
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
do {
    let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: arguments[3])))
    let output = arguments[0] == "compress"
        ? try CodecFile.compress(input, kind: kind)
        : try CodecFile.decompress(input, kind: kind)
    try Data(output).write(to: URL(fileURLWithPath: arguments[4]))
} catch {
    FileHandle.standardError.write(Data("helios-codec: \(error)\n".utf8))
    exit(1)
}
