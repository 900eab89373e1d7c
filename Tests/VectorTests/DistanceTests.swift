import XCTest
@testable import Vector

final class DistanceTests: XCTestCase {
    private func naive(_ a: [Float], _ b: [Float]) -> (l2: Float, dot: Float) {
        var l2: Float = 0, dot: Float = 0
        for i in a.indices { l2 += (a[i] - b[i]) * (a[i] - b[i]); dot += a[i] * b[i] }
        return (l2, dot)
    }

    func testKernelsMatchNaiveLoopsForEveryTailLength() {
        var generator = SystemRandomNumberGenerator()
        for count in [1, 3, 15, 16, 17, 31, 32, 33, 100, 384] {
            let a = (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
            let b = (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
            let expected = naive(a, b)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    XCTAssertEqual(Distances.squaredL2(pa.baseAddress!, pb.baseAddress!, count), expected.l2, accuracy: 1e-3)
                    XCTAssertEqual(Distances.dot(pa.baseAddress!, pb.baseAddress!, count), expected.dot, accuracy: 1e-3)
                }
            }
        }
    }

    func testMetricDistancesFollowPgvector() {
        let a: [Float] = [1, 2, 3], b: [Float] = [4, 5, 6]
        XCTAssertEqual(VectorMetric.l2.distance(a, b), 27.0.squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(VectorMetric.innerProduct.distance(a, b), -32, accuracy: 1e-6)
        XCTAssertEqual(VectorMetric.cosine.distance(a, b), 1 - 32 / (14.0.squareRoot() * 77.0.squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(VectorMetric(operatorClass: "VECTOR_COSINE_OPS"), .cosine)
        XCTAssertNil(VectorMetric(operatorClass: "vector_l1_ops"))
    }
}
