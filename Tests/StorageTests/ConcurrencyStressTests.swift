import Core
import Dispatch
@testable import Storage
import Synchronization
import XCTest

/// Many threads, many short transactions, retries on 40001.
final class ConcurrencyStressTests: XCTestCase {
    private static let threads = 8
    private static let transactionsPerThread = 300
    private static let counters = 4                // few keys: lots of conflicts

    private func counterTable(_ store: any StorageEngine) throws -> TableSchema {
        let txn = try store.begin(branch: .main)
        let table = try txn.createTable(TableSchema(id: 0, name: "counters",
                                                    columns: [ColumnSchema(name: "id", type: .integer),
                                                              ColumnSchema(name: "n", type: .bigint)],
                                                    primaryKey: [0]))
        for i in 0..<Self.counters { try txn.insert(table, row: [.integer(Int64(i)), .integer(0)]) }
        _ = try txn.commit()
        return table
    }

    private static func count(_ row: Row?) -> Int64 {
        guard let row, case .integer(let n) = row[1] else { return -1 }
        return n
    }

    /// Each transaction reads a counter and writes it back plus one. Lost updates
    /// would make the final sum smaller than the number of successful commits.
    func testConcurrentIncrementsLoseNothing() throws {
        let store: any StorageEngine = MemoryStore()
        let table = try counterTable(store)
        let startSCN = store.lastCommittedSCN
        let commits = Atomic<Int>(0)
        let conflicts = Atomic<Int>(0)
        let unexpected = Atomic<Int>(0)
        let committedSCNs = Mutex<[UInt64]>([])

        DispatchQueue.concurrentPerform(iterations: Self.threads) { thread in
            var rng = SystemRandomNumberGenerator()
            var mine: [UInt64] = []
            for _ in 0..<Self.transactionsPerThread {
                let key = RowKey(.integer(Int64.random(in: 0..<Int64(Self.counters), using: &rng)))
                while true {
                    do throws(StorageError) {
                        let txn = try store.begin(branch: .main)
                        let current = Self.count(txn.get(table, key: key))
                        try txn.update(table, key: key, row: [key.values[0], .integer(current + 1)])
                        if let scn = try txn.commit() {
                            mine.append(scn.rawValue)
                            commits.add(1, ordering: .relaxed)
                        }
                        break
                    } catch where error.sqlState == SQLState.serializationFailure {
                        conflicts.add(1, ordering: .relaxed)
                    } catch {
                        unexpected.add(1, ordering: .relaxed)
                        break
                    }
                }
            }
            committedSCNs.withLock { $0.append(contentsOf: mine) }
            _ = thread
        }

        XCTAssertEqual(unexpected.load(ordering: .relaxed), 0)
        let committed = commits.load(ordering: .relaxed)
        XCTAssertEqual(committed, Self.threads * Self.transactionsPerThread)

        let reader = try store.begin(branch: .main)
        let rows = reader.scan(table)
        XCTAssertEqual(rows.count, Self.counters)
        let sum = rows.map { Self.count($0.row) }.reduce(0, +)
        XCTAssertEqual(sum, Int64(committed), "final sum equals the number of successful commits")

        // Every commit took exactly one SCN: no gaps, no duplicates, one log record each.
        XCTAssertEqual(store.lastCommittedSCN.rawValue, startSCN.rawValue + UInt64(committed))
        let scns = committedSCNs.withLock { $0 }.sorted()
        XCTAssertEqual(scns, Array((startSCN.rawValue + 1)...(startSCN.rawValue + UInt64(committed))))
        let log = store.commits()
        XCTAssertEqual(log.count, Int(startSCN.rawValue) + committed)
        XCTAssertEqual(log.map(\.scn.rawValue), Array(1...UInt64(log.count)))
        XCTAssertEqual(Set(log.map(\.transactionID)).count, log.count)
        print("increment stress: \(committed) commits, \(conflicts.load(ordering: .relaxed)) retried conflicts")
    }

    /// Writers move units between accounts (total is invariant) while readers check
    /// that every snapshot they take sees the invariant total, twice in a row
    /// (no torn commits, no non-repeatable reads under load).
    func testSnapshotsStayConsistentUnderConcurrentTransfers() throws {
        let store: any StorageEngine = MemoryStore()
        let accounts = 10
        let initial: Int64 = 100
        let setup = try store.begin(branch: .main)
        let table = try setup.createTable(TableSchema(id: 0, name: "accounts",
                                                      columns: [ColumnSchema(name: "id", type: .integer),
                                                                ColumnSchema(name: "balance", type: .bigint)],
                                                      primaryKey: [0]))
        for i in 0..<accounts { try setup.insert(table, row: [.integer(Int64(i)), .integer(initial)]) }
        _ = try setup.commit()
        let total = initial * Int64(accounts)
        let badSnapshots = Atomic<Int>(0)
        let unexpected = Atomic<Int>(0)
        let transfers = Atomic<Int>(0)

        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            var rng = SystemRandomNumberGenerator()
            for _ in 0..<250 {
                if worker < 3 {
                    // Reader.
                    guard let txn = try? store.begin(branch: .main) else { unexpected.add(1, ordering: .relaxed); continue }
                    let first = txn.scan(table).map { Self.count($0.row) }.reduce(0, +)
                    let second = (0..<accounts).map { Self.count(txn.get(table, key: RowKey(.integer(Int64($0))))) }
                        .reduce(0, +)
                    if first != total || second != total { badSnapshots.add(1, ordering: .relaxed) }
                    if (try? txn.commit()) != .some(nil) { unexpected.add(1, ordering: .relaxed) }
                    continue
                }
                // Writer: transfer between two distinct accounts, retrying on conflict.
                let from = Int64.random(in: 0..<Int64(accounts), using: &rng)
                var to = Int64.random(in: 0..<Int64(accounts - 1), using: &rng)
                if to >= from { to += 1 }
                while true {
                    do throws(StorageError) {
                        let txn = try store.begin(branch: .main)
                        let a = Self.count(txn.get(table, key: RowKey(.integer(from))))
                        let b = Self.count(txn.get(table, key: RowKey(.integer(to))))
                        try txn.update(table, key: RowKey(.integer(from)), row: [.integer(from), .integer(a - 1)])
                        try txn.update(table, key: RowKey(.integer(to)), row: [.integer(to), .integer(b + 1)])
                        _ = try txn.commit()
                        transfers.add(1, ordering: .relaxed)
                        break
                    } catch where error.sqlState == SQLState.serializationFailure {
                        continue
                    } catch {
                        unexpected.add(1, ordering: .relaxed)
                        break
                    }
                }
            }
        }

        XCTAssertEqual(badSnapshots.load(ordering: .relaxed), 0)
        XCTAssertEqual(unexpected.load(ordering: .relaxed), 0)
        XCTAssertEqual(transfers.load(ordering: .relaxed), 5 * 250)
        let final = try store.begin(branch: .main).scan(table).map { Self.count($0.row) }.reduce(0, +)
        XCTAssertEqual(final, total)
        XCTAssertEqual(store.lastCommittedSCN, SCN(1 + 5 * 250))
    }

    /// Concurrent inserts of distinct keys from many threads all land; concurrent
    /// inserts of the same key: exactly one wins.
    func testConcurrentInsertsOfSameKeyHaveOneWinner() throws {
        let (store, kv) = try Fixture.storeWithKV()
        let rounds = 50
        let winners = Mutex<[Int: Int]>([:])
        for round in 0..<rounds {
            // All threads start their transaction before anyone commits, so they all race.
            let txns = try (0..<8).map { _ in try store.begin(branch: .main) }
            let boxes = txns.map { UncheckedBox($0) }
            DispatchQueue.concurrentPerform(iterations: 8) { i in
                let txn = boxes[i].value
                do throws(StorageError) {
                    try txn.insert(kv, row: row(Int64(round), "thread\(i)"))
                    _ = try txn.commit()
                    winners.withLock { $0[round, default: 0] += 1 }
                } catch {
                    XCTAssertEqual(error.sqlState, "40001")
                }
            }
        }
        XCTAssertEqual(winners.withLock { $0 }, Dictionary(uniqueKeysWithValues: (0..<rounds).map { ($0, 1) }))
        XCTAssertEqual(try store.begin(branch: .main).scan(kv).count, rounds)
        XCTAssertEqual(store.lastCommittedSCN, SCN(UInt64(1 + rounds)))
    }
}

/// Hands a transaction to exactly one other thread (a transaction is used by one
/// thread at a time, which the test guarantees).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
