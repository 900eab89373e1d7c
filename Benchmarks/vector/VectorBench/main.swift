// In-process vector benchmark: builds Helios's HNSW index (with and without
// product quantization) on a data set of ../shared/bench/vector and sweeps
// ef_search, printing recall@10, single-thread QPS, p50/p99 latency, build
// time and index bytes per vector. Benchmarks/vector/run.sh runs the peers
// (hnswlib, FAISS, usearch) in the same run and prints ratios.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(BenchRunner.usage)
    exit(0)
}
do {
    try BenchRunner(arguments: arguments).run()
} catch {
    FileHandle.standardError.write(Data("vector-bench: \(error)\n\n\(BenchRunner.usage)\n".utf8))
    exit(2)
}
