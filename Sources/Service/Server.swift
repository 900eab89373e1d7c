import Core
import Engine
import Foundation
import Storage
#if canImport(Glibc)
import Glibc
#endif

/// Runs the service until SIGINT or SIGTERM: the signals are blocked before
/// libmicrohttpd starts its threads (so they inherit the mask), the main
/// thread waits for one with sigwait, then the server stops gracefully.
public enum ServiceRunner {
    public struct Options: Sendable {
        public var http: HTTPServer.Configuration
        public var service: HeliosService.Configuration
        /// Where the write-ahead log lives; nil keeps everything in memory.
        public var dataDirectory: String?
        public var sync: SyncMode
        public init(http: HTTPServer.Configuration, service: HeliosService.Configuration,
                    dataDirectory: String? = nil, sync: SyncMode = .full) {
            self.http = http; self.service = service; self.dataDirectory = dataDirectory; self.sync = sync
        }
    }

    public static func run(_ options: Options, log: @escaping @Sendable (String) -> Void) throws(HTTPServerError) {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)

        let counter = ServerBox()
        let store: MemoryStore
        var checkpointAfterRecovery = false
        if let directory = options.dataDirectory {
            do {
                // A stop asked for while the log replays ends the process at
                // once (as it would unblocked): the log is intact, and a
                // container's stop timeout must not run out meanwhile.
                let watcher = RecoverySignalWatcher(signals: signals, log: log)
                defer { watcher.stop() }
                let (opened, report) = try MemoryStore.open(directory: directory, sync: options.sync)
                store = opened
                // A replay that took a while is not repeated by the next crash.
                checkpointAfterRecovery = report.records > 0 && report.milliseconds > 1_000
                log("recovered \(directory): \(report.records) log record(s) replayed up to SCN \(report.lastSCN) in \(Int(report.milliseconds)) ms (sync \(options.sync.rawValue))")
                if report.truncatedBytes > 0 {
                    log("write-ahead log: cut a torn or corrupt tail of \(report.truncatedBytes) byte(s) at offset \(report.validLength) (the last good record); the bytes are kept in \(report.preservedTail ?? "-")")
                    if report.recordsAfterDamage > 0 {
                        log("write-ahead log: WARNING: \(report.recordsAfterDamage) intact record(s) follow the damaged one and were not replayed: the log was damaged, not torn by a crash")
                    }
                }
            } catch {
                throw HTTPServerError(message: error.message)
            }
        } else {
            store = MemoryStore()
            log("in-memory mode: nothing is written to disk")
        }
        let database = Database(storage: store, transactionIdleTimeout: options.service.transactionIdleTimeout,
                                maxOpenTransactions: options.service.maxOpenTransactions,
                                retentionSeconds: options.service.retentionSeconds)
        let service = HeliosService(database: database, configuration: options.service,
                                    inFlight: { counter.server?.requestsInFlight ?? 0 })
        let limit = options.http.maxBodyBytes
        var http = options.http
        http.clientAddresses = options.service.accessLog
        let server = HTTPServer(configuration: http, handler: { service.answer($0) },
                                tooLarge: { service.payloadTooLarge($0, limit: limit) })
        counter.server = server
        try server.start()
        let replayedAtLength = checkpointAfterRecovery
        let reaper = Thread {
            // Idle transactions every second; history past the retention
            // window every tenth of the window (at least every second, at
            // most every minute).
            let collectEvery = max(1, min(60, Int(options.service.retentionSeconds / 10)))
            var tick = 0
            var lastCheckpointTick = 0
            var checkpointDue = replayedAtLength
            var fraction = 0
            while true {
                usleep(100_000)
                AccessLog.flush()
                if options.sync == .normal { store.flush() }
                fraction += 1
                if fraction < 10 { continue }
                fraction = 0
                tick += 1
                // A checkpoint once the log passes 64 MiB or holds 50,000 new
                // vector index nodes (each costs a graph insertion to replay),
                // or every 10 minutes when anything was logged, bounds recovery time.
                let logged = store.logBytes
                if checkpointDue || logged > 64 << 20 || store.vectorNodesSinceCheckpoint > 50_000
                    || (logged > 0 && tick - lastCheckpointTick >= 600) {
                    lastCheckpointTick = tick
                    checkpointDue = false
                    do throws(StorageError) {
                        if let report = try store.checkpoint() {
                            log("checkpoint \(report.generation): \(report.segments) segment(s), \(report.bytes) bytes at SCN \(report.scn) in \(Int(report.milliseconds)) ms")
                        }
                    } catch {
                        log("checkpoint failed: \(error.message)")
                    }
                }
                let rolledBack = service.database.reapIdleTransactions()
                if rolledBack > 0 { log("rolled back \(rolledBack) idle transaction(s) after \(Int(options.service.transactionIdleTimeout)) s") }
                if tick % collectEvery == 0 {
                    let report = service.database.collectHistory()
                    if report.versionsCollected + report.commitsCollected > 0 {
                        log("history collector: \(report.versionsCollected) version(s) and \(report.commitsCollected) commit(s) older than \(options.service.retentionSeconds) s collected; oldest readable SCN is now \(report.horizonSCN)")
                    }
                }
            }
        }
        reaper.start()
        // auto_refresh materialized views, refreshed in the background.
        let coordinator = RefreshCoordinator(database: database)
        coordinator.start()
        log("helios \(HeliosVersion.version) listening on http://\(options.http.host.contains(":") ? "[\(options.http.host)]" : options.http.host):\(options.http.port) (\(options.http.threads) threads, body limit \(limit) bytes, auth \(options.service.apiKey == nil ? "off" : "on"))")
        var received: Int32 = 0
        sigwait(&signals, &received)
        log("received signal \(received); finishing in-flight requests and stopping")
        coordinator.stop()
        server.stop()
        AccessLog.flush()
        store.flush()
        if options.dataDirectory != nil {
            do throws(StorageError) {
                if let report = try store.checkpoint() {
                    log("checkpoint \(report.generation) on shutdown: \(report.segments) segment(s), \(report.bytes) bytes at SCN \(report.scn) in \(Int(report.milliseconds)) ms")
                }
            } catch {
                log("checkpoint on shutdown failed (the log still holds everything): \(error.message)")
            }
        }
        log("stopped")
    }
}

final class ServerBox: @unchecked Sendable {
    var server: HTTPServer?
}

/// Waits for SIGINT/SIGTERM (blocked, as the server needs them) while the
/// store opens, and exits the process if one comes: recovery writes
/// nothing a crash would not leave, so stopping mid-replay is safe.
final class RecoverySignalWatcher: @unchecked Sendable {
    private final class Flag: Sendable { let running = Locked(true) }
    private let flag = Flag()
    private let thread: Thread

    init(signals: sigset_t, log: @escaping @Sendable (String) -> Void) {
        let flag = self.flag
        thread = Thread {
            var set = signals
            var wait = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            while flag.running.withLock({ $0 }) {
                let received = sigtimedwait(&set, nil, &wait)
                if received > 0 {
                    log("received signal \(received) during recovery; stopping (the log is replayed again on the next start)")
                    exit(128 + received)
                }
            }
        }
        thread.start()
    }

    /// Stops watching; a signal arriving from now on waits for the server's own sigwait.
    func stop() {
        flag.running.withLock { $0 = false }
        while !thread.isFinished { usleep(10_000) }
    }
}
