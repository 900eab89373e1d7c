import Core
#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Detects that the current thread's stack is nearly used up. Created only
/// for deeply nested input (looking up the stack bounds is not free), by the
/// thread that parses.
struct StackGuard {
    /// Nesting below which no check is made (and no guard is created).
    static let minimumNesting = 16

    /// The lowest address the parser may reach; nil when the bounds are unknown.
    let limit: UInt?

    init() {
        // Stack kept free: room for the error's construction and for the
        // unwinding that releases partial trees (recursively), a quarter of
        // the stack at most.
        limit = Self.stackBounds().map { $0.low + min(256 * 1024, $0.size / 4) }
    }

    @inline(never)
    func isExhausted() -> Bool {
        guard let limit else { return false }
        var marker: UInt8 = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        return here < limit
    }

    #if !canImport(Darwin) && (canImport(Glibc) || canImport(Musl))
    private typealias GetAttributes = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
    private static let getAttributes: GetAttributes? = dlsym(nil, "pthread_getattr_np").map {
        unsafeBitCast($0, to: GetAttributes.self)
    }
    #endif

    /// The lowest address and the size of the current thread's stack (which grows down).
    private static func stackBounds() -> (low: UInt, size: UInt)? {
        #if canImport(Darwin)
        let thread = pthread_self()
        let top = UInt(bitPattern: pthread_get_stackaddr_np(thread))
        let size = UInt(pthread_get_stacksize_np(thread))
        return (top - size, size)
        #elseif canImport(Glibc) || canImport(Musl)
        // pthread_getattr_np is a GNU extension the Glibc module does not
        // export; it is looked up once by name.
        guard let getAttributes = Self.getAttributes else { return nil }
        var attributes = pthread_attr_t()
        guard getAttributes(pthread_self(), &attributes) == 0 else { return nil }
        defer { pthread_attr_destroy(&attributes) }
        var address: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attributes, &address, &size) == 0, let address else { return nil }
        return (UInt(bitPattern: address), UInt(size))
        #else
        return nil
        #endif
    }
}
