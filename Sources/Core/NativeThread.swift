#if canImport(Glibc)
import Glibc
#endif

/// A POSIX thread running a Swift closure, for the layers that do without
/// Foundation (the log's syncer) and for threads that must be joined (the
/// server's accepting thread).
public enum NativeThread {
    /// Starts `body` on a new joinable thread; nil when none could be created.
    public static func start(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
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
        if started != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            return nil
        }
        return thread
    }
}
