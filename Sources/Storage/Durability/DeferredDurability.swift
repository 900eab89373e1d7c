import Core
import Synchronization
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
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passUnretained(scope).toOpaque())
        defer { pthread_setspecific(key, previous) }
        let result = try withExtendedLifetime(scope) { try body() }
        return (result, scope.position.map { PendingDurability(log: $0.log, offset: $0.offset) })
    }

    /// The innermost scope on this thread, if any.
    static var current: Scope? {
        pthread_getspecific(key).map { Unmanaged<Scope>.fromOpaque($0).takeUnretainedValue() }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// What one `run` has deferred: the furthest record (a store has one log,
    /// synced in order, so the last position covers the earlier ones).
    final class Scope {
        var position: LogPosition?
        func record(_ position: LogPosition) {
            if let current = self.position, current.log === position.log, current.offset >= position.offset { return }
            self.position = position
        }
    }
}

/// Log records a request appended and has not yet seen synced.
public struct PendingDurability: Sendable {
    let log: WriteAheadLog
    let offset: UInt64

    /// Blocks until the records are synced (or the sync fails).
    public func wait() throws(StorageError) {
        try log.waitDurable(offset)
    }

    /// Calls `done` once the records are synced, with nil, or with the
    /// error when the sync failed: at once when that is already known,
    /// otherwise on the log's syncer thread.
    public func notify(_ done: @escaping @Sendable (StorageError?) -> Void) {
        log.notifyWhenDurable(offset, done)
    }
}

extension WriteAheadLog {
    /// The syncer behind `notifyWhenDurable`: takes every waiter queued so
    /// far, syncs up to the furthest of them (sharing the leader protocol of
    /// `waitDurable` with threads that wait themselves), answers them, and
    /// repeats; after a second with nothing to do the thread ends (the next
    /// waiter starts another), so an idle or dropped log holds no thread.
    final class Syncer: @unchecked Sendable {
        private let condition = Condition()
        private var waiters: [(offset: UInt64, done: @Sendable (StorageError?) -> Void)] = []
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
            if start { startThread { self.loop(log) } }
        }

        /// A detached thread running `body` (Storage does without Foundation).
        private func startThread(_ body: @escaping @Sendable () -> Void) {
            final class Box: @unchecked Sendable {
                let body: @Sendable () -> Void
                init(_ body: @escaping @Sendable () -> Void) { self.body = body }
            }
            let box = Unmanaged.passRetained(Box(body)).toOpaque()
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { raw in
                Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, box)
            if started == 0 { pthread_detach(thread) } else { Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body() }
        }

        private func loop(_ log: WriteAheadLog) {
            while true {
                let batch: [(offset: UInt64, done: @Sendable (StorageError?) -> Void)] = condition.withLock {
                    if waiters.isEmpty { condition.wait(seconds: 1) }
                    if waiters.isEmpty { running = false }
                    defer { waiters.removeAll(keepingCapacity: true) }
                    return waiters
                }
                if batch.isEmpty { return }
                let target = batch.reduce(0) { max($0, $1.offset) }
                var failure: StorageError?
                do { try log.waitDurable(target) } catch { failure = error }
                for waiter in batch { waiter.done(failure) }
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
