@testable import Vector
import XCTest

/// The per-search visited set: one bit per node, only dirtied words cleared.
final class VisitedMarksTests: XCTestCase {
    func testAVisitIsNewOnceUntilReset() {
        let marks = VisitedMarks(capacity: 5_000)
        marks.reset(count: 5_000)
        for node: UInt32 in [0, 63, 64, 4_999, 1_234] {
            XCTAssertTrue(marks.visit(node), "first visit of \(node)")
            XCTAssertFalse(marks.visit(node), "second visit of \(node)")
        }
        XCTAssertTrue(marks.visit(62), "a neighbour bit in a dirtied word is still new")
        marks.reset(count: 5_000)
        for node: UInt32 in [0, 62, 63, 64, 4_999, 1_234] { XCTAssertTrue(marks.visit(node), "new again after reset: \(node)") }
    }

    /// Against a Set over many searches of random sizes: small ones clear
    /// their dirty words, large ones (most words dirtied) clear everything.
    func testMatchesASetOverManySearches() {
        var generator = SystemRandomNumberGenerator()
        let count = 20_000
        let marks = VisitedMarks(capacity: count)
        for search in 0..<60 {
            marks.reset(count: count)
            var seen = Set<UInt32>()
            let visits = search % 3 == 0 ? 15_000 : Int.random(in: 1...400, using: &generator)
            for _ in 0..<visits {
                let node = UInt32.random(in: 0..<UInt32(count), using: &generator)
                XCTAssertEqual(marks.visit(node), seen.insert(node).inserted, "search \(search), node \(node)")
            }
        }
    }

    func testGrowsForALargerGraph() {
        let marks = VisitedMarks(capacity: 1_024)
        marks.reset(count: 1_024)
        XCTAssertTrue(marks.visit(1_000))
        marks.reset(count: 100_000)
        XCTAssertGreaterThanOrEqual(marks.capacity, 100_000)
        XCTAssertTrue(marks.visit(99_999))
        XCTAssertFalse(marks.visit(99_999))
        XCTAssertTrue(marks.visit(1_000), "a grown set starts empty")
    }
}
