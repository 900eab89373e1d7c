#if canImport(Glibc)
import Glibc
#endif

/// A value behind a plain pthread mutex, with `Mutex`'s `withLock` shape.
///
/// For state that every request touches (metrics, the access log, scratch
/// pools). The standard library's `Mutex` spins before it sleeps, and on
/// Linux sleeps on a priority-inheritance futex: when there are more busy
/// threads than cores and the holder is preempted, the waiters spin away
/// their time slices. With 8 HTTP workers on 2 cores that spinning took a
/// third of the CPU and cut `/health` at 64 connections from ~110k to
/// ~20k requests/s. A glibc mutex sleeps at once on contention.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<T, E: Error>(_ body: (inout Value) throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

/// A small per-thread number (0, 1, 2… in order of first use), for
/// spreading per-request state over shards so threads do not share a lock
/// or a cache line.
public enum ThreadSlot {
    private static let slot = ThreadLocalPointer()
    private static let next = Locked(0)

    /// This thread's slot (assigned on its first call, never reused).
    public static var current: Int {
        if let stored = slot.value { return Int(bitPattern: stored) - 1 }
        let number = next.withLock { n -> Int in defer { n += 1 }; return n }
        slot.value = UnsafeMutableRawPointer(bitPattern: number + 1)
        return number
    }
}

/// One pointer per thread (a pthread key; nil until the thread sets it).
public final class ThreadLocalPointer: @unchecked Sendable {
    private var key = pthread_key_t()
    public init() { pthread_key_create(&key, nil) }
    public var value: UnsafeMutableRawPointer? {
        get { pthread_getspecific(key) }
        set { pthread_setspecific(key, newValue) }
    }
}
