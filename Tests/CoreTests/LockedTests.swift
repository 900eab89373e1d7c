import Core
import Dispatch
import Foundation
import XCTest

final class LockedTests: XCTestCase {
    /// Increments from many threads at once all land (the lock excludes).
    func testConcurrentUpdatesAreNotLost() {
        let counter = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { counter.withLock { $0 += 1 } }
        }
        XCTAssertEqual(counter.withLock { $0 }, 80_000)
    }

    func testErrorsPassThroughAndReleaseTheLock() {
        struct Refused: Error {}
        let value = Locked([1])
        XCTAssertThrowsError(try value.withLock { (v: inout [Int]) throws(Refused) in v.append(2); throw Refused() })
        // The lock was released, and the change made before the throw stays.
        XCTAssertEqual(value.withLock { $0 }, [1, 2])
    }

    /// A thread keeps its slot; threads alive at once get different slots.
    func testThreadSlotsAreStablePerThreadAndDistinctAcrossThreads() {
        let seen = Locked<[Int: Int]>([:])   // thread index -> slot
        let start = DispatchSemaphore(value: 0), done = DispatchGroup()
        for index in 0..<6 {
            done.enter()
            Thread.detachNewThread {
                let first = ThreadSlot.current
                start.wait()   // every thread is alive before any ends
                XCTAssertEqual(ThreadSlot.current, first, "a thread's slot does not change")
                seen.withLock { $0[index] = first }
                done.leave()
            }
        }
        Thread.sleep(forTimeInterval: 0.1)
        for _ in 0..<6 { start.signal() }
        done.wait()
        let slots = seen.withLock { Array($0.values) }
        XCTAssertEqual(slots.count, 6)
        XCTAssertEqual(Set(slots).count, 6, "threads alive at once share no slot: \(slots)")
    }
}
