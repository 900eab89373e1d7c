@testable import Core
import XCTest

/// `Value.format` is PostgreSQL's float8 output (PostgreSQL 12+, extra_float_digits = 1):
/// shortest digits that read back exactly; fixed notation when the decimal exponent is
/// in -4 ..< 15, otherwise `d.ddde±XX` with at least two exponent digits.
final class ValueFormatTests: XCTestCase {
    func testSpecialValues() {
        XCTAssertEqual(Value.format(.nan), "NaN")
        XCTAssertEqual(Value.format(-.nan), "NaN")
        XCTAssertEqual(Value.format(.infinity), "Infinity")
        XCTAssertEqual(Value.format(-.infinity), "-Infinity")
    }

    func testIntegralDoublesHaveNoFraction() {
        XCTAssertEqual(Value.format(0), "0")
        XCTAssertEqual(Value.format(1), "1")
        XCTAssertEqual(Value.format(-1), "-1")
        XCTAssertEqual(Value.format(100), "100")
        XCTAssertEqual(Value.format(123_456_789), "123456789")
        XCTAssertEqual(Value.format(1e14), "100000000000000")
        XCTAssertEqual(Value.format(999_999_999_999_999), "999999999999999")
        XCTAssertEqual(Value.format(-999_999_999_999_999), "-999999999999999")
    }

    func testFractions() {
        XCTAssertEqual(Value.format(0.1), "0.1")
        XCTAssertEqual(Value.format(1.5), "1.5")
        XCTAssertEqual(Value.format(-2.25), "-2.25")
        XCTAssertEqual(Value.format(0.1 + 0.2), "0.30000000000000004")
        XCTAssertEqual(Value.format(1.0 / 3.0), "0.3333333333333333")
        XCTAssertEqual(Value.format(3.141592653589793), "3.141592653589793")
        XCTAssertEqual(Value.format(0.0001), "0.0001")
        XCTAssertEqual(Value.format(12_345_678.9), "12345678.9")
    }

    func testScientificNotationForSmallAndLargeMagnitudes() {
        XCTAssertEqual(Value.format(1e-5), "1e-05")
        XCTAssertEqual(Value.format(2.5e-5), "2.5e-05")
        XCTAssertEqual(Value.format(1e-7), "1e-07")
        XCTAssertEqual(Value.format(.leastNonzeroMagnitude), "5e-324")
        XCTAssertEqual(Value.format(1e16), "1e+16")
        XCTAssertEqual(Value.format(1e21), "1e+21")
        XCTAssertEqual(Value.format(-1e100), "-1e+100")
        XCTAssertEqual(Value.format(1.7976931348623157e308), "1.7976931348623157e+308")
    }

    /// PostgreSQL switches to exponent form at 1e15 (SELECT 1e15::float8 → 1e+15).
    func testBoundaryAtOneE15() {
        XCTAssertEqual(Value.format(1e15), "1e+15")
        XCTAssertEqual(Value.format(2e15), "2e+15")
        XCTAssertEqual(Value.format(-1e15), "-1e+15")
        XCTAssertEqual(Value.format(1_000_000_000_000_000.5), "1.0000000000000005e+15")
    }

    /// PostgreSQL prints negative zero as "-0" (SELECT '-0'::float8 → -0).
    func testNegativeZero() {
        XCTAssertEqual(Value.format(-0.0), "-0")
    }

    /// Every formatted finite double reads back to the same value.
    func testFormatRoundTrips() {
        let samples: [Double] = [0.1, 0.2, 1e-7, .leastNonzeroMagnitude, 1.7976931348623157e308, 123.456, -9.87654321e-10,
                                 2.2250738585072014e-308, 4503599627370496.5, 1e15 + 0.5, 0.3333333333333333]
        for d in samples {
            let text = Value.format(d)
            XCTAssertEqual(Double(text)?.bitPattern, d.bitPattern, "\(d) formatted as \(text)")
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite else { continue }
            let text = Value.format(d)
            XCTAssertEqual(Double(text), d, "\(d) formatted as \(text)")
        }
    }

    func testDescriptionUsesFormat() {
        XCTAssertEqual(Value.double(2.5).description, "2.5")
        XCTAssertEqual(Value.double(3).description, "3")
        XCTAssertEqual(Value.double(.nan).description, "NaN")
        XCTAssertEqual(Value.integer(-7).description, "-7")
        XCTAssertEqual(Value.integer(Int64.min).description, "-9223372036854775808")
        XCTAssertEqual(Value.null.description, "NULL")
        XCTAssertEqual(Value.boolean(true).description, "true")
        XCTAssertEqual(Value.boolean(false).description, "false")
        XCTAssertEqual(Value.text("hi").description, "hi")
    }

    func testDataTypeAndIsNull() {
        XCTAssertTrue(Value.null.isNull)
        XCTAssertFalse(Value.integer(0).isNull)
        XCTAssertFalse(Value.text("").isNull)
        XCTAssertNil(Value.null.dataType)
        XCTAssertEqual(Value.integer(1).dataType, .bigint)
        XCTAssertEqual(Value.double(1).dataType, .double)
        XCTAssertEqual(Value.text("x").dataType, .text)
        XCTAssertEqual(Value.boolean(true).dataType, .boolean)
    }

    /// pgvector prints elements as float4out does: shortest float4 digits,
    /// fixed notation for decimal exponents in -4 ..< 6.
    func testVectorTextForm() {
        XCTAssertEqual(Value.vector([1, 2.5, 3]).description, "[1,2.5,3]")
        XCTAssertEqual(Value.vector([0.1]).description, "[0.1]", "float4 0.1, not 0.10000000149011612")
        XCTAssertEqual(Value.vector([-0.0, 1e-5, 0.0001, 100_000, 1_000_000, 123_456_789, 1e20, -3.4028235e38]).description,
                       "[-0,1e-05,0.0001,100000,1e+06,1.2345679e+08,1e+20,-3.4028235e+38]")
        XCTAssertEqual(Value.vector([.leastNonzeroMagnitude]).description, "[1e-45]")
        XCTAssertEqual(Value.formatFloat4(1.0 / 3.0), "0.33333334")
        XCTAssertEqual(Value.vector([1, 2]).dataType, .vector(dimensions: 2))
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            guard f.isFinite else { continue }
            XCTAssertEqual(Float(Value.formatFloat4(f))?.bitPattern, f.bitPattern, "\(f) formatted as \(Value.formatFloat4(f))")
        }
    }
}
