// swift-tools-version:6.0
// Helios: an HTTP/JSON database service. Targets mirror the pipeline of
// ../shared/DESIGN.md §1; nothing below Service imports JSON or the C shims.
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Helios",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "heliosd", targets: ["heliosd"]),
        .executable(name: "helios-codec", targets: ["helios-codec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd",
                       providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CJansson", pkgConfig: "jansson",
                       providers: [.apt(["libjansson-dev"])]),
        .target(name: "Core", swiftSettings: strict),
        .target(name: "JSON", dependencies: ["CJansson"], swiftSettings: strict),
        // Distance kernels in C, dispatched at run time to AVX-512/AVX2/portable code.
        .target(name: "CVectorKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // The search loops read graph arrays held by classes: dynamic
        // exclusivity checks on every access cost ~10% of a query.
        .target(name: "Vector", dependencies: ["Core", "CVectorKernels"],
                swiftSettings: strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        // Column codecs of checkpoint segments (FSST, ALP/ALP-rd, integer layouts).
        .target(name: "Compression", dependencies: ["Core"], swiftSettings: strict),
        .target(name: "Storage", dependencies: ["Core", "Vector", "Compression"], swiftSettings: strict),
        .target(name: "SQL", dependencies: ["Core", "Vector"], swiftSettings: strict),
        // Materialized views: definitions, refresh (DESIGN §1: Views → SQL, Storage, Core).
        .target(name: "Views", dependencies: ["Core", "SQL"], swiftSettings: strict),
        .target(name: "Engine", dependencies: ["Core", "Storage", "SQL", "Vector", "Views"], swiftSettings: strict),
        .target(name: "Service",
                dependencies: ["Core", "Engine", "Storage", "Vector", "Views", "JSON", "CMicroHTTPD"],
                swiftSettings: strict),
        // jemalloc replaces glibc malloc in the server: the executor and the
        // INSERT path allocate many small rows, and glibc's free-list
        // consolidation cost ~25% of load time (Benchmarks/sql/README.md).
        .executableTarget(name: "heliosd",
                          dependencies: ["Service", "Storage", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: strict,
                          linkerSettings: [.linkedLibrary("jemalloc")]),
        // In-process vector benchmark (Benchmarks/vector/run.sh, release build).
        .executableTarget(name: "vector-bench", dependencies: ["Vector", "Service"], path: "Benchmarks/vector/VectorBench",
                          linkerSettings: [.linkedLibrary("jemalloc")]),
        // The column codecs as a command (Benchmarks/compression, measure.py's --external).
        .executableTarget(name: "helios-codec", dependencies: ["Compression"], swiftSettings: strict),
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "VectorTests", dependencies: ["Vector", "Core"]),
        .testTarget(name: "CompressionTests", dependencies: ["Compression", "Core"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Core", "Vector", "Compression"]),
        .testTarget(name: "SQLTests", dependencies: ["SQL", "Core"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Core", "Storage", "Views", "Vector"]),
        .testTarget(name: "ServiceTests", dependencies: ["Service", "Engine", "JSON", "Core", "TestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport", "JSON"]),
        .testTarget(name: "SQLLogicTests", dependencies: ["Engine", "Core"], resources: [.copy("golden")]),
    ]
)
