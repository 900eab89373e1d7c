@testable import JSON
import XCTest

/// Parses `text`, failing the test (and returning nil) on a parse error.
func parseOK(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
    parseOK(Array(text.utf8), file: file, line: line)
}

func parseOK(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
    do throws(JSONParseError) {
        return try JSONValue.parse(bytes)
    } catch {
        XCTFail("unexpected parse error \(error) for \(String(decoding: bytes.prefix(80), as: UTF8.self))",
                file: file, line: line)
        return nil
    }
}

/// Parses `bytes` expecting a failure; returns the error (nil and a test failure if it parsed).
func parseError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> JSONParseError? {
    do throws(JSONParseError) {
        let value = try JSONValue.parse(bytes)
        XCTFail("expected a parse error for \(String(decoding: bytes.prefix(80), as: UTF8.self).debugDescription), got \(value)",
                file: file, line: line)
        return nil
    } catch {
        return error
    }
}

func parseError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONParseError? {
    parseError(Array(text.utf8), file: file, line: line)
}

/// Encodes `value` and parses the text back.
func roundTrip(_ value: JSONValue, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
    parseOK(value.encoded(), file: file, line: line)
}
