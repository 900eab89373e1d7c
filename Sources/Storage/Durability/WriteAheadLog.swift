import Core
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
    /// Logical end of the log: every record appended so far.
    private var written: UInt64
    /// The file is grown in zero-filled steps ahead of the records, so an
    /// fsync flushes data only, not a new file size each time (records are
    /// never empty, so a zero length marks the end on reading). Reserving
    /// the room when a record is appended also surfaces a full disk before
    /// the change applies.
    private var allocated: UInt64
    private static let growth: UInt64 = 16 << 20
    /// `full` mode: frames appended but not yet written; the next group
    /// leader writes them with one call, then syncs once for all of them.
    private let pending = Locked<(bytes: [UInt8], end: UInt64)>(([], 0))
    /// File offset up to which records are written (leader only).
    private var flushed: UInt64
    private let state = Locked<(durable: UInt64, syncing: Bool, failure: String?)>((0, false, nil))
    private let condition = Condition()
    /// Syncs for waiters that do not block (`notifyWhenDurable`).
    let syncer = Syncer()

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
        flushed = validLength
        pending.withLock { $0.end = validLength }
        state.withLock { $0.durable = validLength }
    }

    deinit { close(fd) }

    /// Fault injection for tests: the errno each kind of file call fails
    /// with while set (empty in normal operation).
    static let injectedFaults = Locked<[FileFault: Int32]>([:])

    private static func fault(_ call: FileFault) -> Int32? {
        injectedFaults.withLock { $0.isEmpty ? nil : $0[call] }
    }

    /// Bytes of records appended to this file.
    var length: UInt64 { written }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Makes room for `bytes` more. Without fallocate support the file
    /// simply grows; a full disk is an error.
    private func reserve(_ bytes: Int) throws(StorageError) {
        guard written + UInt64(bytes) > allocated else { return }
        let target = max(allocated + Self.growth, written + UInt64(bytes))
        let result = Self.fault(.reserve) ?? posix_fallocate(fd, off_t(allocated), off_t(target - allocated))
        if result == 0 {
            allocated = target
            _ = fsync(fd)   // the new size is recorded once per step
        } else if result == ENOSPC {
            throw StorageError("53100", "could not extend the write-ahead log: no space left on device")
        } else {
            allocated = written + UInt64(bytes)
        }
    }

    /// Appends one record (call in commit order, under the store's write
    /// lock). Returns the offset the record ends at, for `waitDurable`.
    func append(_ payload: [UInt8]) throws(StorageError) -> UInt64 {
        if let failure = state.withLock({ $0.failure }) {
            throw StorageError("58030", "the write-ahead log failed earlier (\(failure)); no further commits are accepted")
        }
        var frame = ByteWriter(capacity: payload.count + 8)
        frame.u32(UInt32(payload.count))
        frame.u32(CRC32C.checksum(payload))
        try reserve(payload.count + 8)
        if mode == .full {
            written += UInt64(payload.count + 8)
            let end = written
            pending.withLock {
                $0.bytes.append(contentsOf: frame.bytes)
                $0.bytes.append(contentsOf: payload)
                $0.end = end
            }
            return end
        }
        var bytes = frame.bytes
        bytes.append(contentsOf: payload)
        try writeAll(bytes, at: written)
        written += UInt64(bytes.count)
        flushed = written
        return written
    }

    /// Writes `bytes` at `offset` (retrying short writes).
    private func writeAll(_ bytes: [UInt8], at offset: UInt64) throws(StorageError) {
        if let injected = Self.fault(.write) {
            throw StorageError(injected == ENOSPC ? "53100" : "58030",
                               "could not write the write-ahead log: \(String(cString: strerror(injected)))")
        }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset) + off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError("58030", "could not write the write-ahead log: \(Self.errnoText())")
            }
            done += n
        }
    }

    /// Returns once everything up to `offset` is on disk (per the sync mode).
    /// Concurrent callers share writes and fsyncs: one leader writes every
    /// pending record and syncs, the others wait for it.
    func waitDurable(_ offset: UInt64) throws(StorageError) {
        guard mode == .full else { return }
        while true {
            let lead: Bool = condition.withLock {
                while true {
                    let s = state.withLock { $0 }
                    if s.failure != nil || s.durable >= offset { return false }
                    if !s.syncing {
                        state.withLock { $0.syncing = true }
                        return true
                    }
                    condition.wait()
                }
            }
            if let failure = state.withLock({ $0.failure }) {
                throw Self.syncFailure(failure)
            }
            if !lead { return }
            var failure: String?
            let (bytes, end) = pending.withLock { p in
                let taken = (p.bytes, p.end)
                p.bytes.removeAll(keepingCapacity: true)
                return taken
            }
            do {
                if !bytes.isEmpty { try writeAll(bytes, at: flushed) }
                flushed = end
                if let injected = Self.fault(.sync) {
                    failure = String(cString: strerror(injected))
                } else if fdatasync(fd) != 0 {
                    failure = Self.errnoText()
                }
            } catch {
                failure = error.message
            }
            condition.withLock {
                state.withLock {
                    $0.syncing = false
                    if let failure { $0.failure = failure } else { $0.durable = max($0.durable, end) }
                }
                condition.broadcast()
            }
            if let failure { throw Self.syncFailure(failure) }
        }
    }

    enum Durability { case durable, pending, failed(StorageError) }

    static func syncFailure(_ failure: String) -> StorageError {
        StorageError("58030", "the write-ahead log could not be synced: \(failure)")
    }

    /// Whether the records up to `offset` are synced, without waiting.
    func durabilityState(of offset: UInt64) -> Durability {
        if mode != .full { return .durable }
        let s = state.withLock { $0 }
        if let failure = s.failure { return .failed(Self.syncFailure(failure)) }
        return s.durable >= offset ? .durable : .pending
    }

    /// Writes and syncs everything appended (the background syncer of
    /// `normal`, and clean shutdown).
    func syncNow() {
        if mode == .full {
            let end = pending.withLock { $0.end }
            try? waitDurable(end)
            return
        }
        _ = fdatasync(fd)
        let end = written
        state.withLock { $0.durable = max($0.durable, end) }
    }

    /// The records of the log file at `path`, and the length of its valid
    /// prefix (shorter than the file when the tail is torn or corrupt).
    static func read(path: String) throws(StorageError) -> LogContents {
        if access(path, F_OK) != 0 { return LogContents(records: [], validLength: 0, fileLength: 0, tail: []) }
        let data = try Files.read(path)
        var records: [ArraySlice<UInt8>] = []
        var offset = 0
        while let payload = frame(in: data, at: offset) {
            records.append(payload)
            offset = payload.endIndex
        }
        // Only zeros after the last record: preallocated room, not a torn tail.
        let tailIsEmpty = data[offset...].allSatisfy { $0 == 0 }
        return LogContents(records: records, validLength: UInt64(offset), fileLength: tailIsEmpty ? UInt64(offset) : UInt64(data.count),
                           tail: tailIsEmpty ? [] : data[offset...])
    }

    /// The payload of the frame at `offset`, when one is whole there and passes its checksum.
    static func frame(in data: [UInt8], at offset: Int) -> ArraySlice<UInt8>? {
        guard offset + 8 <= data.count else { return nil }
        let length = Int(UInt32(data[offset]) | UInt32(data[offset + 1]) << 8 | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3]) << 24)
        let crc = UInt32(data[offset + 4]) | UInt32(data[offset + 5]) << 8 | UInt32(data[offset + 6]) << 16 | UInt32(data[offset + 7]) << 24
        let start = offset + 8
        // Records are never empty: a zero length is the zero-filled room ahead of them.
        guard length > 0, length <= data.count - start else { return nil }
        let payload = data[start..<start + length]
        return payload.withUnsafeBytes { CRC32C.checksum($0) } == crc ? payload : nil
    }
}

/// What reading a log file found.
struct LogContents {
    var records: [ArraySlice<UInt8>]
    /// The length of the valid prefix (the records).
    var validLength: UInt64
    /// The file's length, or `validLength` when only zeros follow the records.
    var fileLength: UInt64
    /// The bytes after the valid prefix, when they are not all zeros.
    var tail: ArraySlice<UInt8>

    /// The whole, checksummed frames inside the tail, and the tail's
    /// length without the zero-filled room after its last byte or frame.
    /// A torn write leaves at most the frames of its own group after the
    /// damage; many more mean a damaged record in the middle of the log.
    func scanTail() -> (frames: Int, length: Int) {
        let data = Array(tail)
        var frames = 0, offset = 1
        var length = (data.lastIndex { $0 != 0 } ?? -1) + 1
        while offset + 8 <= data.count {
            if let payload = WriteAheadLog.frame(in: data, at: offset) {
                frames += 1
                offset = payload.endIndex
                length = max(length, offset)
            } else {
                offset += 1
            }
        }
        return (frames, length)
    }
}

/// The file calls of the log a test can make fail (fault injection).
enum FileFault: Hashable, Sendable {
    case reserve, write, sync
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
    /// `wait()` for at most `seconds` (a wake-up may also be spurious).
    func wait(seconds: Int) {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += seconds
        pthread_cond_timedwait(&cond, &mutex, &deadline)
    }
    func broadcast() { pthread_cond_broadcast(&cond) }
}
