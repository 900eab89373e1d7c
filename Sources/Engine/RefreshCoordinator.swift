#if canImport(Glibc)
import Glibc
#endif
import Core
import Foundation
import Synchronization
import Views

/// Refreshes `auto_refresh` materialized views in the background.
///
/// Every pass looks at each branch's views with `auto_refresh = true` (or
/// `refresh_strategy = 'auto'`). A view is due when it has pending changes
/// (or was never populated) and, if it sets them, its `refresh_interval`
/// (seconds since its last refresh) or `staleness_threshold` (seconds its
/// rows lag behind) has passed. Due views run highest `priority` first, at
/// most `maxConcurrent` at once, each in its own transaction. A failure is
/// recorded in the refresh history and retried with exponential back-off
/// (1 s, 2 s, 4 s… up to 5 minutes).
///
/// `max_cpu_percent` caps the coordinator's CPU: the CPU time its refreshes
/// used since the window started is compared with the wall time since then,
/// and a worker sleeps between refreshes until the share is back under the
/// cap. Off by default (no option, no throttling).
public final class RefreshCoordinator: Sendable {
    public struct Outcome: Sendable, Equatable {
        public var branch: String
        public var view: String
        public var report: RefreshReport?
        public var error: String?
    }

    struct Backoff { var failures: Int; var retryAt: Double }

    struct Accounting {
        var windowStart: Double
        var cpuSeconds = 0.0
        var throttledSeconds = 0.0
    }

    let database: Database
    let maxConcurrent: Int
    private let backoff = Locked<[String: Backoff]>([:])
    private let accounting: Locked<Accounting>
    private let stopping = Atomic<Bool>(false)

    public init(database: Database, maxConcurrent: Int = 2) {
        self.database = database
        self.maxConcurrent = max(1, maxConcurrent)
        accounting = Locked(Accounting(windowStart: TransactionRegistry.now()))
    }

    /// CPU seconds spent in refreshes and seconds slept for the cap, since the window started.
    public var usage: (cpuSeconds: Double, throttledSeconds: Double, wallSeconds: Double) {
        accounting.withLock { ($0.cpuSeconds, $0.throttledSeconds, TransactionRegistry.now() - $0.windowStart) }
    }

    /// The due views, highest priority first.
    func dueViews(now: Double) -> [(branch: String, view: MaterializedViewStatus, priority: Int)] {
        var due: [(branch: String, view: MaterializedViewStatus, priority: Int)] = []
        let retry = backoff.withLock { $0 }
        for branch in database.store.branchNames() {
            guard let views = try? database.materializedViews(branch: branch) else { continue }
            for view in views {
                let auto = view.options["auto_refresh"] == "true" || view.options["refresh_strategy"] == "auto"
                guard auto, view.pendingChanges > 0 || !view.populated else { continue }
                if let wait = retry[branch + "\u{0}" + view.name], wait.retryAt > now { continue }
                let interval = view.options["refresh_interval"].flatMap(Double.init)
                let threshold = view.options["staleness_threshold"].flatMap(Double.init)
                if interval != nil || threshold != nil, let staleness = view.stalenessSeconds {
                    let passed = (interval.map { staleness >= $0 } ?? false) || (threshold.map { staleness >= $0 } ?? false)
                    guard passed else { continue }
                }
                due.append((branch, view, view.options["priority"].flatMap(Int.init) ?? 0))
            }
        }
        return due.sorted { $0.priority > $1.priority }
    }

    /// One pass: refreshes every due view (in priority order, at most
    /// `maxConcurrent` at once) and returns what happened.
    @discardableResult
    public func runOnce() -> [Outcome] {
        let due = dueViews(now: TransactionRegistry.now())
        if due.isEmpty { return [] }
        let queue = Locked(due[...])
        let outcomes = Locked<[Outcome]>([])
        // Each worker takes the next due view until none is left.
        DispatchQueue.concurrentPerform(iterations: min(maxConcurrent, due.count)) { _ in
            while !stopping.load(ordering: .relaxed), let next = queue.withLock({ $0.popFirst() }) {
                let outcome = refresh(next.branch, next.view)
                outcomes.withLock { $0.append(outcome) }
            }
        }
        return outcomes.withLock { $0 }
    }

    private func refresh(_ branch: String, _ view: MaterializedViewStatus) -> Outcome {
        let key = branch + "\u{0}" + view.name
        let cpuStart = Self.threadCPUSeconds()
        var outcome = Outcome(branch: branch, view: view.name)
        do {
            outcome.report = try database.refreshView(view.name, branch: branch, mode: .auto)
            backoff.withLock { $0[key] = nil }
        } catch {
            outcome.error = error.message
            backoff.withLock { table in
                let failures = (table[key]?.failures ?? 0) + 1
                table[key] = Backoff(failures: failures, retryAt: TransactionRegistry.now() + min(300, pow(2, Double(failures - 1))))
            }
        }
        let cpu = Self.threadCPUSeconds() - cpuStart
        // The cap: sleep until the refreshes' CPU share of the window is back under it.
        let cap = view.options["max_cpu_percent"].flatMap(Double.init)
        let pause: Double = accounting.withLock { a in
            a.cpuSeconds += cpu
            guard let cap, cap > 0 else { return 0 }
            let elapsed = TransactionRegistry.now() - a.windowStart
            let needed = a.cpuSeconds / (cap / 100) - elapsed
            if needed > 0 { a.throttledSeconds += needed }
            return max(0, needed)
        }
        if pause > 0 { usleep(useconds_t(min(pause, 60) * 1_000_000)) }
        return outcome
    }

    /// Runs passes every `interval` seconds on a background thread until `stop()`.
    public func start(interval: Double = 0.5) {
        let thread = Thread { [self] in
            while !stopping.load(ordering: .relaxed) {
                runOnce()
                usleep(useconds_t(interval * 1_000_000))
            }
        }
        thread.start()
    }

    public func stop() { stopping.store(true, ordering: .relaxed) }

    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
