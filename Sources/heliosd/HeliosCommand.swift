import ArgumentParser
import Service
import Storage
#if canImport(Glibc)
import Glibc
#endif

/// `heliosd` — with no arguments it serves on 127.0.0.1:8080.
struct HeliosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heliosd",
        abstract: "Helios: a SQL database with time travel, branches and vector search, served over HTTP/JSON.",
        version: HeliosVersion.version,
        subcommands: [Serve.self, Import.self],
        defaultSubcommand: Serve.self)
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTTP/JSON API (the default command).")

    @Option(help: "Address to listen on (numeric IPv4/IPv6 or localhost). Use 0.0.0.0 in a container.")
    var host: String = "127.0.0.1"

    @Option(help: "TCP port to listen on.")
    var port: UInt16 = 8080

    @Option(help: "HTTP worker threads (default: two per CPU core, at least 4; a commit waiting for the log's fsync parks its connection, not a thread). Raise it when clients run long queries: a running query holds its thread's other connections.")
    var threads: Int?

    @Option(name: .customLong("api-key"),
            help: "Require this key on every /v1 request (Authorization: Bearer <key> or X-API-Key). Also read from HELIOS_API_KEY.")
    var apiKey: String?

    @Option(name: .customLong("max-body"),
            help: "Largest request body accepted, in bytes (suffixes K, M, G allowed); larger bodies get 413.")
    var maxBody: String = "16M"

    @Option(name: .customLong("connection-timeout"), help: "Seconds an idle connection is kept open.")
    var connectionTimeout: Int = 30

    @Option(name: .customLong("data-dir"),
            help: "Directory of the write-ahead log (created on first start; one server per directory).")
    var dataDirectory: String = "./helios-data"

    @Option(name: .customLong("sync"),
            help: "full: fsync before acknowledging a commit (survives power loss); normal: fsync every 100 ms (survives a process crash); off: never fsync.")
    var sync: String = "full"

    @Flag(name: .customLong("in-memory"), help: "Keep no files at all: data is lost when the server stops.")
    var inMemory: Bool = false

    @Option(name: .customLong("txn-idle-timeout"),
            help: "Seconds after which an idle transaction opened with POST /v1/transactions is rolled back.")
    var transactionIdleTimeout: Double = 60

    @Option(name: .customLong("max-open-transactions"),
            help: "Most transactions open across requests at once; beyond it POST /v1/transactions answers 429.")
    var maxOpenTransactions: Int = 64

    @Option(name: .customLong("retention"),
            help: "How long history is kept for AS OF and branching from the past: seconds, or a number with s, m, h or d (default 7d).")
    var retention: String = "7d"

    @Flag(name: .customLong("access-log"), inversion: .prefixedNo, help: "Write one line per request to standard output.")
    var accessLog: Bool = true

    func validate() throws {
        guard parsedMaxBody != nil else { throw ValidationError("--max-body must be a positive size such as 16777216, 512K or 16M") }
        guard (threads ?? 1) >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard transactionIdleTimeout > 0 else { throw ValidationError("--txn-idle-timeout must be positive") }
        guard maxOpenTransactions >= 1 else { throw ValidationError("--max-open-transactions must be at least 1") }
        guard connectionTimeout >= 1 else { throw ValidationError("--connection-timeout must be at least 1 second") }
        guard SyncMode(rawValue: sync) != nil else { throw ValidationError("--sync must be full, normal or off") }
        guard parsedRetention != nil else { throw ValidationError("--retention must be a positive duration such as 3600, 30m, 12h or 7d") }
    }

    /// `--retention` in seconds.
    var parsedRetention: Double? {
        let text = retention.lowercased()
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let last = text.last, let unit = units[last] {
            return Double(text.dropLast()).flatMap { $0 > 0 ? $0 * unit : nil }
        }
        return Double(text).flatMap { $0 > 0 ? $0 : nil }
    }

    var parsedMaxBody: Int? {
        let text = maxBody.uppercased().replacingSuffix("IB", with: "").replacingSuffix("B", with: "")
        let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        if let last = text.last, let multiplier = multipliers[last] {
            return Int(text.dropLast()).flatMap { $0 > 0 ? $0 * multiplier : nil }
        }
        return Int(text).flatMap { $0 > 0 ? $0 : nil }
    }

    func run() throws {
        let key = apiKey ?? getenv("HELIOS_API_KEY").map { String(cString: $0) }
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let options = ServiceRunner.Options(
            http: .init(host: host, port: port, threads: threads ?? max(4, 2 * cores),
                        maxBodyBytes: parsedMaxBody!, connectionTimeoutSeconds: connectionTimeout),
            service: .init(apiKey: key, accessLog: accessLog, transactionIdleTimeout: transactionIdleTimeout,
                           maxOpenTransactions: maxOpenTransactions, retentionSeconds: parsedRetention!),
            dataDirectory: inMemory ? nil : dataDirectory, sync: SyncMode(rawValue: sync)!)
        do {
            try ServiceRunner.run(options) { line in
                var text = Array("heliosd: \(line)\n".utf8)
                _ = text.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
            }
        } catch {
            var text = Array("heliosd: error: \(error.message)\n".utf8)
            _ = text.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
            throw ExitCode.failure
        }
    }
}

/// `heliosd import FILE`: a HeliosDB Nano SQL dump into a data directory.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a HeliosDB Nano SQL dump into a data directory (no server may be running on it).")

    @Argument(help: "The dump: SQL text written by HeliosDB Nano (\\dump or dump_sql), or - for standard input.")
    var file: String

    @Option(name: .customLong("data-dir"), help: "The data directory to import into (created if missing).")
    var dataDirectory: String = "./helios-data"

    @Option(help: "The branch to import into.")
    var branch: String = "main"

    func run() throws {
        let name = file == "-" ? "standard input" : file
        let fd = file == "-" ? 0 : open(file, O_RDONLY)
        guard fd >= 0 else { fail("cannot read \(file): \(String(cString: strerror(errno)))") }
        defer { if fd != 0 { close(fd) } }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { fail("cannot read \(name): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { fail("\(name) is not valid UTF-8") }
        do {
            print(try DumpImporter.run(dump: text, dataDirectory: dataDirectory, branch: branch, sync: .full))
        } catch {
            fail(error.message)
        }
    }

    private func fail(_ message: String) -> Never {
        var text = Array("heliosd import: error: \(message)\n".utf8)
        _ = text.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        Import.exit(withError: ExitCode.failure)
    }
}

extension String {
    fileprivate func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self
    }
}
