import Core
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How hard a commit waits for the disk before it is acknowledged.
public enum SyncMode: String, Sendable {
    /// fsync before acknowledging (default): an acknowledged commit survives
    /// a crash of the process and of the machine.
    case full
    /// write(2) before acknowledging, fsync in the background about every
    /// 100 ms: survives a crash of the process, may lose the last moments of
    /// commits when the machine loses power.
    case normal
    /// No fsync at all: the OS writes when it likes; a power loss may lose
    /// any amount of recent commits (a process crash loses nothing written).
    case off
}

/// An append-only file of records, each framed as
///
///     u32 length (LE) | u32 CRC32C of the payload (LE) | payload
///
/// Records are appended in commit (SCN) order under the store's write lock;
/// durability is awaited outside it, so commits that arrive while one fsync
/// runs share the next one (group commit). Reading stops at the first frame
/// that is short or fails its checksum: that is a torn or corrupt tail.
final class WriteAheadLog: @unchecked Sendable {
    let path: String
    let mode: SyncMode
    private let fd: Int32
    /// Bytes written so far (the end offset of the last appended record).
    private var written: UInt64
    /// The file is grown in zero-filled steps ahead of the records, so an
    /// fsync flushes data only, not a new file size each time (records are
    /// never empty, so a zero length marks the end on reading).
    private var allocated: UInt64
    private static let growth: UInt64 = 16 << 20
    private let state = Mutex<(durable: UInt64, syncing: Bool, failure: String?)>((0, false, nil))
    private let condition = Condition()

    init(path: String, mode: SyncMode, validLength: UInt64) throws(StorageError) {
        self.path = path; self.mode = mode
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw StorageError("58030", "cannot open the write-ahead log \(path): \(Self.errnoText())") }
        // Cut a torn or corrupt tail so new records follow the last good one.
        if ftruncate(fd, off_t(validLength)) != 0 || lseek(fd, off_t(validLength), SEEK_SET) < 0 {
            throw StorageError("58030", "cannot truncate the write-ahead log \(path): \(Self.errnoText())")
        }
        written = validLength
        allocated = validLength
        state.withLock { $0.durable = validLength }
    }

    /// Makes room for `bytes` more (best effort: without fallocate the file simply grows).
    private func reserve(_ bytes: Int) {
        guard written + UInt64(bytes) > allocated else { return }
        let target = max(allocated + Self.growth, written + UInt64(bytes))
        if posix_fallocate(fd, off_t(allocated), off_t(target - allocated)) == 0 {
            allocated = target
            _ = fsync(fd)   // the new size is recorded once per step
        } else {
            allocated = written + UInt64(bytes)
        }
    }

    deinit { close(fd) }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Appends one record (call in commit order, under the store's write
    /// lock). Returns the offset the record ends at, for `waitDurable`.
    func append(_ payload: [UInt8]) throws(StorageError) -> UInt64 {
        if let failure = state.withLock({ $0.failure }) {
            throw StorageError("58030", "the write-ahead log failed earlier (\(failure)); no further commits are accepted")
        }
        var frame = ByteWriter(capacity: payload.count + 8)
        frame.u32(UInt32(payload.count))
        frame.u32(CRC32C.checksum(payload))
        var bytes = frame.bytes
        bytes.append(contentsOf: payload)
        reserve(bytes.count)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let text = Self.errnoText()
                // Take back a partial frame so the log stays a clean prefix.
                _ = ftruncate(fd, off_t(written))
                _ = lseek(fd, off_t(written), SEEK_SET)
                throw StorageError("53100", "could not write the write-ahead log: \(text)")
            }
            offset += n
        }
        written += UInt64(bytes.count)
        return written
    }

    /// Returns once everything up to `offset` is on disk (per the sync mode).
    /// Concurrent callers share fsyncs: one leader syncs, the others wait.
    func waitDurable(_ offset: UInt64) throws(StorageError) {
        guard mode == .full else { return }
        while true {
            let lead: Bool = condition.withLock {
                while true {
                    let s = state.withLock { $0 }
                    if let failure = s.failure { _ = failure; return false }
                    if s.durable >= offset { return false }
                    if !s.syncing {
                        state.withLock { $0.syncing = true }
                        return true
                    }
                    condition.wait()
                }
            }
            if let failure = state.withLock({ $0.failure }) {
                throw StorageError("58030", "the write-ahead log could not be synced: \(failure)")
            }
            if !lead { return }
            let target = lseek(fd, 0, SEEK_CUR)
            let ok = fdatasync(fd) == 0
            let text = ok ? nil : Self.errnoText()
            condition.withLock {
                state.withLock {
                    $0.syncing = false
                    if ok { $0.durable = max($0.durable, UInt64(max(0, target))) } else { $0.failure = text }
                }
                condition.broadcast()
            }
            if let text { throw StorageError("58030", "the write-ahead log could not be synced: \(text)") }
        }
    }

    /// fsync now (the background syncer of `normal`, and clean shutdown).
    func syncNow() {
        _ = fdatasync(fd)
        let end = lseek(fd, 0, SEEK_CUR)
        state.withLock { $0.durable = max($0.durable, UInt64(max(0, end))) }
    }

    /// The records of the log file at `path`, and the length of its valid
    /// prefix (shorter than the file when the tail is torn or corrupt).
    static func read(path: String) throws(StorageError) -> (records: [ArraySlice<UInt8>], validLength: UInt64, fileLength: UInt64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return ([], 0, 0) }
            throw StorageError("58030", "cannot read the write-ahead log \(path): \(errnoText())")
        }
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError("58030", "cannot read the write-ahead log \(path): \(errnoText())")
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        var records: [ArraySlice<UInt8>] = []
        var offset = 0
        while offset + 8 <= data.count {
            let length = Int(UInt32(data[offset]) | UInt32(data[offset + 1]) << 8 | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3]) << 24)
            let crc = UInt32(data[offset + 4]) | UInt32(data[offset + 5]) << 8 | UInt32(data[offset + 6]) << 16 | UInt32(data[offset + 7]) << 24
            let start = offset + 8
            if length == 0 { break }   // the zero-filled room ahead of the records
            guard length <= data.count - start else { break }
            let payload = data[start..<start + length]
            let actual = payload.withUnsafeBytes { CRC32C.checksum($0) }
            guard actual == crc else { break }
            records.append(payload)
            offset = start + length
        }
        // Only zeros after the last record: preallocated room, not a torn tail.
        let tailIsEmpty = data[offset...].allSatisfy { $0 == 0 }
        return (records, UInt64(offset), tailIsEmpty ? UInt64(offset) : UInt64(data.count))
    }
}

/// A condition variable with its mutex (pthread), for the group-commit wait.
final class Condition: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    init() { pthread_mutex_init(&mutex, nil); pthread_cond_init(&cond, nil) }
    deinit { pthread_cond_destroy(&cond); pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
    /// Call inside `withLock`.
    func wait() { pthread_cond_wait(&cond, &mutex) }
    func broadcast() { pthread_cond_broadcast(&cond) }
}
