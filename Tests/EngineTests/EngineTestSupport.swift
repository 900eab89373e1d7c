import Engine
import XCTest

/// Runs `body`, which must fail with an `EngineError` of SQLSTATE `state`
/// whose message contains `message` (when given).
func assertEngineError(_ state: String, _ message: String?, _ what: String, file: StaticString, line: UInt,
                       _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected \(state) from \(what)", file: file, line: line)
    } catch let error as EngineError {
        XCTAssertEqual(error.sqlState, state, error.message, file: file, line: line)
        if let message {
            XCTAssertTrue(error.message.contains(message), "\(error.message) lacks \(message)", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected \(error)", file: file, line: line)
    }
}
