import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts the real `heliosd` binary on a free loopback port for integration
/// tests, and stops it. The binary is the one built next to the test bundle
/// (`swift build --build-tests` builds both), or `HELIOSD_BINARY`.
public final class HeliosProcess: @unchecked Sendable {
    public let port: UInt16
    public let process: Process
    public let logURL: URL

    public static func binaryPath() -> String {
        if let override = ProcessInfo.processInfo.environment["HELIOSD_BINARY"] { return override }
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("heliosd").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/heliosd").path
    }

    /// Launches `heliosd serve --port <free> <arguments>` and waits for /health.
    /// Without `--data-dir` in `arguments`, the server gets a fresh data
    /// directory under the temporary directory (`dataDirectory`), removed
    /// by `removeDataDirectory()`; pass `dataDirectory` to reopen one.
    public init(arguments: [String] = [], environment: [String: String] = [:], dataDirectory: String? = nil) throws {
        port = try Self.freePort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaryPath())
        var arguments = arguments
        if let i = arguments.firstIndex(of: "--data-dir"), i + 1 < arguments.count {
            self.dataDirectory = arguments[i + 1]
            ownsDataDirectory = false
        } else {
            ownsDataDirectory = dataDirectory == nil
            let directory = dataDirectory ?? FileManager.default.temporaryDirectory
                .appendingPathComponent("helios-test-\(UUID().uuidString)").path
            self.dataDirectory = directory
            arguments += ["--data-dir", directory]
        }
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port)] + arguments
        var env = ProcessInfo.processInfo.environment
        env["HELIOS_API_KEY"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("heliosd-\(port)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let response = try? client().send(method: "GET", path: "/health"), response.status == 200 { return }
            if !process.isRunning { break }
            usleep(20_000)
        }
        stop()
        throw HeliosProcessError(message: "heliosd did not become healthy; log:\n\(self.log)")
    }

    public func client() -> HTTPTestClient { HTTPTestClient(port: port) }

    /// The server's data directory.
    public let dataDirectory: String
    private let ownsDataDirectory: Bool

    /// Deletes the data directory (after `stop()`).
    public func removeDataDirectory() { try? FileManager.default.removeItem(atPath: dataDirectory) }

    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM and waits for the process to exit; returns its status.
    @discardableResult
    /// `keepData` keeps the data directory for a restart; otherwise a
    /// directory this object created is deleted.
    public func stop(signal: Int32 = SIGTERM, keepData: Bool = false) -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
        }
        if !keepData && ownsDataDirectory { removeDataDirectory() }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: logURL)
    }

    public static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw HeliosProcessError(message: "no free port") }
        return UInt16(bigEndian: address.sin_port)
    }
}

public struct HeliosProcessError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
