import Core
import Engine
import Foundation
import JSON
@testable import Service
import XCTest

/// The ordinary path for a search body: jansson, then the field checks.
private func slowSearch(_ body: String) -> (json: JSONValue, vector: [Float])? {
    guard let json = try? VectorRequests.object(Array(body.utf8)),
          let vector = try? VectorRequests.floats(json["vector"], field: "vector") else { return nil }
    return (json, vector)
}

/// Whatever the search fast path accepts, the ordinary path reads the same.
private func assertSearchAgrees(_ body: String, file: StaticString = #filePath, line: UInt = #line) {
    guard let fast = VectorBodyScanner.searchBody(Array(body.utf8)) else { return }
    guard let slow = slowSearch(body) else { return XCTFail("fast path accepted what the ordinary path refuses: \(body)", file: file, line: line) }
    XCTAssertEqual(fast.vector.map(\.bitPattern), slow.vector.map(\.bitPattern), body, file: file, line: line)
    guard case .object(let members) = slow.json else { return XCTFail(body, file: file, line: line) }
    for (key, value) in members where key != "vector" {
        XCTAssertEqual(fast.json[key], value, "\(body): \(key)", file: file, line: line)
    }
}

/// The search body's fast path must agree with the ordinary path bit for
/// bit, or step aside (nil) for it.
final class VectorBodyScannerTests: XCTestCase {
    func assertAgrees(_ body: String, file: StaticString = #filePath, line: UInt = #line) {
        assertSearchAgrees(body, file: file, line: line)
    }

    func testNumbersAgreeWithStrtodThenNarrowing() {
        var generator = SystemRandomNumberGenerator()
        var texts: [String] = ["0", "-0", "0.0", "-0.0", "1", "-1", "7", "1e5", "1E+05", "1e-05", "2.5e-3", "123456789",
                               "9223372036854775807", "-9223372036854775807", "3.4028234663852886e38", "1.17549435e-38",
                               "1.401298464324817e-45", "0.1", "0.30000000000000004", "100000000000000000000e-3",
                               "0.000000000000000000000000123", "16777217", "16777217.0", "0.5000000000000000001"]
        for _ in 0..<3000 {
            let f = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
            guard f.isFinite else { continue }
            let d = Double(f)
            texts.append("\(d)")                                   // shortest double (Python's repr)
            texts.append(String(format: "%.17g", d))
            texts.append(String(format: "%.9g", d))
            texts.append(String(format: "%.3e", Double.random(in: -1000...1000, using: &generator)))
            texts.append("\(Double.random(in: -1...1, using: &generator))")
            texts.append(String(Int64.random(in: -1_000_000_000...1_000_000_000, using: &generator)))
        }
        // Decimal texts at and beside float4 rounding midpoints (ties and near-ties).
        var nearMidpoints: [String] = []
        for _ in 0..<2000 {
            let f = Float.random(in: 1e-6...1e6, using: &generator)
            let midpoint = (Double(f) + Double(f.nextUp)) / 2
            for text in [String(format: "%.17g", midpoint), String(format: "%.16g", midpoint), String(format: "%.19g", midpoint),
                         String(format: "%.17g", midpoint.nextUp), String(format: "%.17g", midpoint.nextDown), "\(midpoint)"] {
                nearMidpoints.append(text)
            }
        }
        var refused = 0
        for text in nearMidpoints {
            let body = #"{"vector":[\#(text)]}"#
            assertAgrees(body)
            if VectorBodyScanner.searchBody(Array(body.utf8)) == nil { refused += 1 }
        }
        XCTAssertGreaterThan(refused, 0, "near-ties go to strtod")
        var fastHits = 0
        for text in texts {
            let body = #"{"vector":[\#(text)]}"#
            assertAgrees(body)
            if VectorBodyScanner.searchBody(Array(body.utf8)) != nil { fastHits += 1 }
        }
        XCTAssertGreaterThan(fastHits, texts.count / 2, "most numbers take the fast path")
        // Embedding-like values, as clients print them, take the fast path in whole bodies.
        for _ in 0..<50 {
            let values = (0..<384).map { _ in Double(Float.random(in: -0.5...0.5, using: &generator)) }
            for text in [values.map { "\($0)" }, values.map { String(format: "%.17g", $0) }, values.map { String(format: "%.8f", $0) }] {
                let body = #"{"top_k":10,"vector":[\#(text.joined(separator: ","))],"filter":{"a":[1,"]"]}}"#
                assertAgrees(body)
                XCTAssertEqual(VectorBodyScanner.searchBody(Array(body.utf8))?.vector.count, 384)
            }
        }
    }

    /// The loop-free reader of the common `-?D.F` shape answers exactly as
    /// the general one wherever it answers, and steps aside (nil) for any
    /// other shape, so the scanner's results cannot depend on which ran.
    func testPlainDecimalsAgreeWithTheGeneralReader() {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0.0", "-0.0", "0.5", "-1.25", "1234567.5", "12345678.5", "01.5", "1.", ".5", "1.5e3", "1.5E-3",
                     "-", "-.5", "1.2345678901234567890", "0.0000000000000000001", "9999999.999999999999",
                     "0.30000000000000004", "-10.849043846130371", "7", "1e5", "1.0000000000000000000000001"]
        for _ in 0..<20_000 {
            let f = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
            guard f.isFinite else { continue }
            texts.append("\(Double(f))")
            texts.append(String(format: "%.17g", Double(f)))
            texts.append("\(Double.random(in: -20...20, using: &generator))")
            texts.append("\(Double(Float.random(in: -0.5...0.5, using: &generator)))")
        }
        var plain = 0
        for text in texts {
            // Followed by enough bytes for the plain reader to look at.
            let bytes = Array((text + ",0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]").utf8)
            bytes.withUnsafeBufferPointer { buffer in
                let general = VectorBodyScanner.anyNumber(buffer, from: 0)
                guard let fast = VectorBodyScanner.plainDecimal(buffer, from: 0) else { return }
                plain += 1
                XCTAssertEqual(fast.0.bitPattern, general?.0.bitPattern, text)
                XCTAssertEqual(fast.1, general?.1, text)
                XCTAssertEqual(fast.1, text.utf8.count, text)
            }
            // Too close to the end: the plain reader does not read past it.
            Array(text.utf8).withUnsafeBufferPointer { buffer in
                XCTAssertNil(VectorBodyScanner.plainDecimal(buffer, from: 0), text)
            }
        }
        XCTAssertGreaterThan(plain, texts.count / 2, "most printed floats have the plain shape")
        for refused in ["01.5", "1.", ".5", "1.5e3", "1.5E-3", "-", "-.5", "12345678.5", "1.2345678901234567890"] {
            let bytes = Array((refused + "]" + String(repeating: " ", count: 40)).utf8)
            bytes.withUnsafeBufferPointer { XCTAssertNil(VectorBodyScanner.plainDecimal($0, from: 0), refused) }
        }
    }

    /// The eight-bytes-at-once step: the count of leading digit bytes of a
    /// word, whatever follows them, and the value of those digits.
    func testDigitWords() {
        var generator = SystemRandomNumberGenerator()
        func word(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
        for text in ["00000000", "99999999", "12345678", "00000001", "10000000"] {
            XCTAssertEqual(VectorBodyScanner.leadingDigitCount(word(Array(text.utf8))), 8, text)
            XCTAssertEqual(VectorBodyScanner.digitsValue(word(Array(text.utf8)), count: 8), UInt64(text), text)
        }
        for _ in 0..<50_000 {
            let count = Int.random(in: 0...8, using: &generator)
            var bytes = (0..<8).map { _ in UInt8.random(in: 0x30...0x39, using: &generator) }
            if count < 8 {
                // Any byte that is not a digit ends the run, whatever comes after it.
                var stop = UInt8.random(in: 0...255, using: &generator)
                while (0x30...0x39).contains(stop) { stop = UInt8.random(in: 0...255, using: &generator) }
                bytes[count] = stop
                for k in (count + 1)..<8 { bytes[k] = UInt8.random(in: 0...255, using: &generator) }
            }
            XCTAssertEqual(VectorBodyScanner.leadingDigitCount(word(bytes)), count, "\(bytes)")
            guard count > 0 else { continue }
            let text = String(decoding: bytes[0..<count], as: UTF8.self)
            XCTAssertEqual(VectorBodyScanner.digitsValue(word(bytes), count: count), UInt64(text), "\(bytes)")
        }
    }

    func testUnusualBodiesStepAsideOrAgree() {
        let bodies = [
            #"{"vector":[01]}"#, #"{"vector":[1.]}"#, #"{"vector":[.5]}"#, #"{"vector":[+1]}"#, #"{"vector":[1,]}"#,
            #"{"vector":[1 2]}"#, #"{"vector":[NaN]}"#, #"{"vector":[1e400]}"#, #"{"vector":[1e39]}"#, #"{"vector":[1]"#,
            #"{"vector":[1]} x"#, #"{"vector":[1],"vector":[2]}"#, #"{"vec\u0074or":[1]}"#, #"{"vector":[1],"vec\u0074or":[2]}"#,
            #"{"a":{"vector":[1]}}"#, #"[{"vector":[1]}]"#, #"[1,"vector"]"#, #"{"vector":"[1]"}"#,
            #"{"s":"\"vector\":[1]","vector":[2]}"#, #"{"s":"\\","vector":[2]}"#, #"{"vector":[99999999999999999999]}"#,
            #"{"vector":[9223372036854775808]}"#, #"{"vector":[-0]}"#, #"{"vector":[1e-400]}"#, #"{"vector":[[1]]}"#,
            #"{"vector":[true]}"#, #"{"vector":[]}"#, #"{"vector" : [ 1 , 2 ] , "top_k" : 3 }"#,
            #"{"top_k":3,"vector":[1.5e2,-2E-3]}"#, #"{"vector":[1],"x":[1,2,"]"]}"#, #"{"vector":[1], "bad": tru}"#,
            #"{"vector":[1],"s":"\u00e9\ud83d\ude00"}"#, "{\"vector\":[1],\"s\":\"\u{1}\"}", #"{"vector":[1e]}"#,
            #"{"vector":[1e+]}"#, #"{"vector":[--1]}"#, #"{"vector":[-]}"#, #"{"vector":[0x10]}"#, #"{"vector":[1]}}"#,
            #"{"vector":[1],}"#, #"{,"vector":[1]}"#, #"{"vector"[1]}"#, #"{"vector"::[1]}"#, "", "{", #"{"vector":"#,
            #"{"vector":[1"#, #"{"vector":[1,"#, #"{"vector":[1],"vec\u0074or":0}"#, #"{"vector":[1],"k\"ey":0}"#,
        ]
        for body in bodies { assertAgrees(body) }
        XCTAssertNil(VectorBodyScanner.searchBody(Array(#"{"vector":[1],"vector":[2]}"#.utf8)))
        XCTAssertNil(VectorBodyScanner.searchBody(Array(#"{"vector":[1],"vec\u0074or":0}"#.utf8)))
        XCTAssertNil(VectorBodyScanner.searchBody(Array(#"{"vector":[1], "bad": tru}"#.utf8)))
        XCTAssertEqual(VectorBodyScanner.searchBody(Array(#"{"vector" : [ 1 , 2.5 ] , "top_k" : 3 }"#.utf8))?.vector, [1, 2.5])
        XCTAssertEqual(VectorBodyScanner.searchBody(Array(#"{"vector":[-0]}"#.utf8))?.vector.map(\.bitPattern), [0])
        // Tiny and huge magnitudes, as embeddings printed by Python have them.
        XCTAssertEqual(VectorBodyScanner.searchBody(Array(#"{"vector":[-3.155358914761127e-33,-1.6889240228579183e-08,2.5e30]}"#.utf8))?.vector,
                       [-3.155358914761127e-33, -1.6889240228579183e-08, 2.5e30])
    }
}

/// The upsert fast path, and both fast paths under random mutations of
/// valid bodies: whatever the scanner accepts, the ordinary path answers
/// the same way.
final class VectorBodyScannerUpsertTests: XCTestCase {
    typealias Outcome = Result<[String], ServiceError>

    /// Records (or the failure) as comparable text: ids, values' bits, metadata.
    func describe(_ records: [VectorRecord]) -> [String] {
        records.map { "\($0.id)|\($0.values.map(\.bitPattern))|\($0.metadata?.description ?? "nil")" }
    }

    func slowUpsert(_ body: String) -> Outcome? {
        guard let json = try? VectorRequests.object(Array(body.utf8)) else { return nil }
        do throws(ServiceError) { return .success(describe(try VectorRequests.records(json))) } catch { return .failure(error) }
    }

    func fastUpsert(_ body: String) -> Outcome? {
        guard let fast = VectorBodyScanner.upsertBody(Array(body.utf8)) else { return nil }
        do throws(ServiceError) {
            return .success(describe(try VectorRequests.records(fast.json, arrays: fast.arrays)))
        } catch {
            return .failure(error)
        }
    }

    func assertUpsertAgrees(_ body: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let fast = fastUpsert(body) else { return }
        guard let slow = slowUpsert(body) else { return XCTFail("fast path accepted invalid JSON: \(body)", file: file, line: line) }
        switch (fast, slow) {
        case let (.success(a), .success(b)): XCTAssertEqual(a, b, body, file: file, line: line)
        case let (.failure(a), .failure(b)): XCTAssertEqual(a.status, b.status, body, file: file, line: line)
        default: XCTFail("fast \(fast) vs ordinary \(slow): \(body)", file: file, line: line)
        }
        if let fastJSON = VectorBodyScanner.upsertBody(Array(body.utf8))?.json, let slowJSON = try? VectorRequests.object(Array(body.utf8)),
           case .object(let members) = slowJSON {
            for (key, value) in members where key != "vectors" { XCTAssertEqual(fastJSON[key], value, body, file: file, line: line) }
        }
    }

    func testUpsertBodies() {
        let bodies = [
            #"{"vectors":[{"id":"a","values":[1,2.5],"metadata":{"values":[1,2]}},{"id":"b","values":[3,4e-3]}],"branch":"dev"}"#,
            #"{"vectors":[{"id":"a","values":[1,2]},{"id":"b","values":0}]}"#,
            #"{"vectors":[{"id":"a","values":1},{"id":"b","values":[3,4]}]}"#,
            #"{"vectors":[{"id":"a","values":0},{"id":"b","values":[3,4]}]}"#,
            #"{"vectors":[{"id":"a","values":[1,2],"values":[3,4]}]}"#,
            #"{"vectors":[{"id":"a","values":"x"}]}"#, #"{"vectors":[{"id":"a","values":[1,"x"]}]}"#,
            #"{"vectors":{"values":[1]}}"#, #"{"x":{"vectors":[{"values":[1]}]}}"#, #"{"vectors":[[{"values":[1]}]]}"#,
            #"{"vectors":[{"id":"a","values":[1,2]}],"vectors":[{"id":"b","values":[3,4]}]}"#,
            #"{"vectors":[{"id":"a","values":[1,2],"values":0}]}"#, #"{"vectors":[{"id":"a","values":[1,2],"valu\u0065s":0}]}"#,
            #"{"vectors":[{"id":"a","values":[1,2]}],"extra":[1,2,3],"s":"\"values\":[9]"}"#,
            #"{"vectors":[{"id":"a","values":[1,2]},{"id":7,"values":[1,2]}]}"#,
            #"{"vectors":[{"id":"a","values":[1,2],"metadata":[1]}]}"#,
            #"{"vectors":[{"id":"a","values":[1,2],"metadata":{"s":"\u0000"}}]}"#,
            #"{"vectors":[{"id":"a","vals":[1,2]},{"id":"b","values":[1,2]}]}"#,
            #"{"vectors":[{"id":"a","values":[]},{"id":"b","values":[1e39]}]}"#,
            #"{"vectors" : [ { "id" : "a" , "values" : [ 1 , 2 ] } ] }"#,
            #"{"vectors":[{"id":"a","values":[1,2]}]"#, #"{"vectors":[{"id":"a","values":[1,2]}]}]"#,
        ]
        for body in bodies { assertUpsertAgrees(body) }
        XCTAssertNotNil(VectorBodyScanner.upsertBody(Array(bodies[0].utf8)), "the common shape takes the fast path")
        for body in [bodies[1], bodies[2], bodies[3], bodies[4], bodies[10], bodies[11], bodies[12]] {
            XCTAssertNil(VectorBodyScanner.upsertBody(Array(body.utf8)), "a client integer never passes for a parsed array: \(body)")
        }
        // A bench-sized batch.
        var generator = SystemRandomNumberGenerator()
        let batch = (0..<200).map { i in
            let values = (0..<64).map { _ in "\(Double(Float.random(in: -1...1, using: &generator)))" }.joined(separator: ",")
            return #"{"id":"v\#(i)","values":[\#(values)],"metadata":{"row":\#(i)}}"#
        }
        let body = #"{"vectors":[\#(batch.joined(separator: ","))]}"#
        XCTAssertEqual(VectorBodyScanner.upsertBody(Array(body.utf8))?.arrays.count, 200)
        assertUpsertAgrees(body)
    }

    func testRandomMutationsOfValidBodies() {
        let searchBase = #"{"vector":[0.25,-1.5e-3,7,0.10000000149011612],"top_k":3,"filter":{"k":"v","values":[1]},"branch":"main"}"#
        let upsertBase = #"{"vectors":[{"id":"a","values":[1.5,-2,3e-2],"metadata":{"values":[1,2],"s":"x\"y"}},{"id":"b","values":[0.5,0,-0.0]}]}"#
        // Printed floats with room after them (the loop-free reader's shape)
        // and an 18-digit integer one inserted digit away from overflowing.
        let longBase = #"{"top_k":999999999999999999,"vector":[-4.262517929077148,0.38928651809692383,1.4445827007293701,"#
            + #"-10.849043846130371,6.55388879776001,0.0907025933265686,2.5557355880737305,-0.30511656403541565],"ef":12}"#
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \xnul"#.utf8)
        var generator = SystemRandomNumberGenerator()
        var searchChecked = 0, upsertChecked = 0
        for _ in 0..<3000 {
            for base in [searchBase, upsertBase, longBase] {
                var bytes = Array(base.utf8)
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    let at = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: bytes[at] = alphabet.randomElement(using: &generator)!
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
                    }
                    if bytes.isEmpty { bytes = [UInt8(ascii: "{")] }
                }
                let body = String(decoding: bytes, as: UTF8.self)
                if base != upsertBase {
                    if VectorBodyScanner.searchBody(bytes) != nil { searchChecked += 1 }
                    assertSearchAgrees(body)
                } else {
                    if VectorBodyScanner.upsertBody(bytes) != nil { upsertChecked += 1 }
                    assertUpsertAgrees(body)
                }
            }
        }
        XCTAssertGreaterThan(searchChecked, 100)
        XCTAssertGreaterThan(upsertChecked, 100)
    }
}
