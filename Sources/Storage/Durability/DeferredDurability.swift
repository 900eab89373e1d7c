import Core
#if canImport(Glibc)
import Glibc
#endif

/// Deferred durability: a request's commits return as soon as their records
/// are appended, and the caller waits for the fsync once, at the end.
///
/// Under `--sync full` a commit is acknowledged only after its log record is
/// synced. Waiting inside the commit holds the HTTP worker thread for the
/// whole fsync, so the server needed many more threads than cores to let
/// commits share one fsync, and those extra threads cost every other request
/// context switches. With `DurabilityDeferral.run` the service runs a request,
/// then parks the *connection* (not the thread) until `PendingDurability`
/// reports the records synced: a background syncer per log makes one fsync
/// for every commit waiting at that moment (group commit).
///
/// Visibility is unchanged: a commit was already visible to other sessions
/// before its fsync (the wait happens outside the store's lock); only the
/// acknowledgement waits, as before.
public enum DurabilityDeferral {
    /// Runs `body` with the durability waits of this thread's commits
    /// deferred. Returns its result and what is left to wait for: nil when
    /// nothing is (no commit, or a log that does not sync before acknowledging).
    public static func run<T>(_ body: () throws -> T) rethrows -> (T, PendingDurability?) {
        let scope = Scope()
        let previous = innermost.value
        innermost.value = Unmanaged.passUnretained(scope).toOpaque()
        defer { innermost.value = previous }
        let result: T
        do {
            result = try withExtendedLifetime(scope) { try body() }
        } catch {
            // Whatever committed before the failure is still acknowledged by
            // the caller's error answer: wait for it as the commit would have.
            try? scope.pending?.wait()
            throw error
        }
        return (result, scope.pending)
    }

    /// The innermost scope on this thread, if any.
    static var current: Scope? {
        innermost.value.map { Unmanaged<Scope>.fromOpaque($0).takeUnretainedValue() }
    }

    private static let innermost = ThreadLocalPointer()

    /// What one `run` has deferred: the furthest record of each log. A log
    /// syncs in order, so its last position covers the earlier ones; a
    /// checkpoint may start a new log between two commits of one request.
    final class Scope {
        private var positions: [LogPosition] = []
        func record(_ position: LogPosition) {
            if let i = positions.firstIndex(where: { $0.log === position.log }) {
                if positions[i].offset < position.offset { positions[i] = position }
            } else {
                positions.append(position)
            }
        }
        var pending: PendingDurability? { positions.isEmpty ? nil : PendingDurability(positions: positions) }
    }
}

/// Log records a request appended and has not yet seen synced.
public struct PendingDurability: Sendable {
    let positions: [LogPosition]

    /// Whether the records are already synced (another commit's fsync may
    /// have covered them), so there is nothing to wait for.
    public var isSynced: Bool {
        positions.allSatisfy { if case .durable = $0.log.durabilityState(of: $0.offset) { true } else { false } }
    }

    /// Blocks until the records are synced (or a sync fails).
    public func wait() throws(StorageError) {
        for position in positions { try position.log.waitDurable(position.offset) }
    }

    /// Calls `done` once every record is synced, with nil, or with the
    /// first error when a sync failed: at once when that is already known,
    /// otherwise on a log's syncer thread.
    public func notify(_ done: @escaping @Sendable (StorageError?) -> Void) {
        guard positions.count > 1 else {
            positions[0].log.notifyWhenDurable(positions[0].offset, done)
            return
        }
        let remaining = Locked<(count: Int, error: StorageError?)>((positions.count, nil))
        for position in positions {
            position.log.notifyWhenDurable(position.offset) { error in
                let finished: (Bool, StorageError?) = remaining.withLock {
                    $0.count -= 1
                    if $0.error == nil { $0.error = error }
                    return ($0.count == 0, $0.error)
                }
                if finished.0 { done(finished.1) }
            }
        }
    }
}

extension WriteAheadLog {
    /// The syncer behind `notifyWhenDurable`: takes every waiter queued so
    /// far, syncs up to the furthest of them (sharing the leader protocol of
    /// `waitDurable` with threads that wait themselves), answers them, and
    /// repeats; after a second with nothing to do the thread ends (the next
    /// waiter starts another), so an idle or dropped log holds no thread.
    final class Syncer: @unchecked Sendable {
        typealias Waiter = (offset: UInt64, done: @Sendable (StorageError?) -> Void)
        private let condition = Condition()
        private var waiters: [Waiter] = []
        private var running = false

        /// Queues a waiter; starts the thread when none runs.
        func enqueue(_ offset: UInt64, _ done: @escaping @Sendable (StorageError?) -> Void, log: WriteAheadLog) {
            let start: Bool = condition.withLock {
                waiters.append((offset, done))
                condition.broadcast()
                if running { return false }
                running = true
                return true
            }
            guard start else { return }
            if let thread = NativeThread.start({ self.loop(log) }) {
                pthread_detach(thread)
            } else {
                // No thread to be had: sync on this one, once.
                condition.withLock { running = false }
                answer(take(waiting: false), log)
            }
        }

        /// The waiters queued so far (waiting up to a second for one when
        /// asked); with none, the syncer counts as no longer running.
        private func take(waiting: Bool) -> [Waiter] {
            condition.withLock {
                if waiting && waiters.isEmpty { condition.wait(seconds: 1) }
                if waiters.isEmpty { running = false }
                defer { waiters.removeAll(keepingCapacity: true) }
                return waiters
            }
        }

        /// Syncs up to the furthest waiter and answers them all.
        private func answer(_ batch: [Waiter], _ log: WriteAheadLog) {
            guard !batch.isEmpty else { return }
            let target = batch.reduce(0) { max($0, $1.offset) }
            var failure: StorageError?
            do { try log.waitDurable(target) } catch { failure = error }
            for waiter in batch { waiter.done(failure) }
        }

        private func loop(_ log: WriteAheadLog) {
            while true {
                let batch = take(waiting: true)
                if batch.isEmpty { return }
                answer(batch, log)
            }
        }
    }

    func notifyWhenDurable(_ offset: UInt64, _ done: @escaping @Sendable (StorageError?) -> Void) {
        switch durabilityState(of: offset) {
        case .durable: done(nil)
        case .failed(let error): done(error)
        case .pending: syncer.enqueue(offset, done, log: self)
        }
    }
}
