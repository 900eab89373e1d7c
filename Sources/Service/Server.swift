import Engine
import Foundation
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
        public init(http: HTTPServer.Configuration, service: HeliosService.Configuration) {
            self.http = http; self.service = service
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
        let service = HeliosService(configuration: options.service, inFlight: { counter.server?.requestsInFlight ?? 0 })
        let limit = options.http.maxBodyBytes
        let server = HTTPServer(configuration: options.http, handler: { service.handle($0) },
                                tooLarge: { service.payloadTooLarge($0, limit: limit) })
        counter.server = server
        try server.start()
        let reaper = Thread {
            // Idle transactions every second; history past the retention
            // window every tenth of the window (at least every second, at
            // most every minute).
            let collectEvery = max(1, min(60, Int(options.service.retentionSeconds / 10)))
            var tick = 0
            while true {
                sleep(1)
                tick += 1
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
        log("helios \(HeliosVersion.version) listening on http://\(options.http.host):\(options.http.port) (\(options.http.threads) threads, body limit \(limit) bytes, auth \(options.service.apiKey == nil ? "off" : "on"))")
        var received: Int32 = 0
        sigwait(&signals, &received)
        log("received signal \(received); finishing in-flight requests and stopping")
        server.stop()
        log("stopped")
    }
}

final class ServerBox: @unchecked Sendable {
    var server: HTTPServer?
}
