import Foundation
@testable import Service
import Synchronization
import TestSupport
import XCTest

/// Answers that come later (`HTTPAnswer.later`): the server parks the
/// connection and its worker thread goes on serving other connections.
final class ParkedConnectionTests: XCTestCase {
    /// The delivery function of the parked request, once the handler ran.
    final class Parked: @unchecked Sendable {
        let deliver = Mutex<(@Sendable (HTTPResponse) -> Void)?>(nil)
    }

    func startServer(threads: Int, parked: Parked) throws -> (HTTPServer, UInt16) {
        let port = try HeliosProcess.freePort()
        let server = HTTPServer(
            configuration: .init(port: port, threads: threads, clientAddresses: false),
            handler: { request in
                guard request.path == "/park" else { return .now(HTTPResponse(status: 200, body: Array("now".utf8))) }
                return .later { deliver in parked.deliver.withLock { $0 = deliver } }
            },
            tooLarge: { _ in HTTPResponse(status: 413, body: []) })
        try server.start()
        return (server, port)
    }

    /// With one worker thread, a parked request does not hold it: another
    /// connection is answered meanwhile, and the parked one gets its answer
    /// (and the status the handler chose) when it is delivered from another thread.
    func testAParkedRequestDoesNotHoldItsThread() throws {
        let parked = Parked()
        let (server, port) = try startServer(threads: 1, parked: parked)
        defer { server.stop(grace: 1) }
        let client = HTTPTestClient(port: port)
        let parkedAnswer = Mutex<HTTPTestClient.Response?>(nil)
        let finished = expectation(description: "the parked request is answered")
        Thread.detachNewThread {
            let answer = try? client.send(method: "POST", path: "/park", body: Array("{}".utf8))
            parkedAnswer.withLock { $0 = answer }
            finished.fulfill()
        }
        let deadline = Date().addingTimeInterval(10)
        while parked.deliver.withLock({ $0 == nil }) && Date() < deadline { usleep(1_000) }
        let deliver = try XCTUnwrap(parked.deliver.withLock { $0 }, "the handler ran")

        let other = try client.send(method: "GET", path: "/other")
        XCTAssertEqual(other.status, 200, "served while the only thread's other connection is parked")
        XCTAssertEqual(other.text, "now")
        XCTAssertNil(parkedAnswer.withLock { $0 }, "not answered before delivery")

        Thread.detachNewThread { deliver(HTTPResponse(status: 201, body: Array("later".utf8))) }
        wait(for: [finished], timeout: 10)
        let answer = try XCTUnwrap(parkedAnswer.withLock { $0 })
        XCTAssertEqual(answer.status, 201)
        XCTAssertEqual(answer.text, "later")
        XCTAssertEqual(server.requestsInFlight, 0)
    }

    /// A stop waits for parked connections to be answered (libmicrohttpd
    /// must not stop with one suspended), however short the grace period.
    func testStopWaitsForParkedAnswers() throws {
        let parked = Parked()
        let (server, port) = try startServer(threads: 1, parked: parked)
        let answered = expectation(description: "answered before the stop returned")
        let status = Mutex<Int?>(nil)
        Thread.detachNewThread {
            let answer = try? HTTPTestClient(port: port).send(method: "POST", path: "/park", body: [])
            status.withLock { $0 = answer?.status }
            answered.fulfill()
        }
        let deadline = Date().addingTimeInterval(10)
        while parked.deliver.withLock({ $0 == nil }) && Date() < deadline { usleep(1_000) }
        let deliver = try XCTUnwrap(parked.deliver.withLock { $0 })
        Thread.detachNewThread {
            usleep(300_000)
            deliver(HTTPResponse(status: 200, body: []))
        }
        server.stop(grace: 0)
        wait(for: [answered], timeout: 10)
        XCTAssertEqual(status.withLock { $0 }, 200)
    }
}

extension ParkedConnectionTests {
    /// Once a stop has begun, a request arriving on a kept connection is
    /// refused with 503 before it runs and the connection closed, so steady
    /// writers cannot keep the stop waiting, and no connection is closed
    /// between a commit and its answer; parked requests still get theirs.
    func testRequestsAfterAStopBeganAreRefusedAndParkedOnesAnswered() throws {
        let parked = Parked()
        let (server, port) = try startServer(threads: 1, parked: parked)
        func open() throws -> Int32 { try HTTPTestClient(port: port).connectSocket(timeoutSeconds: 10) }
        func send(_ fd: Int32) {
            _ = Array("POST /park HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        /// One keep-alive answer's body (read until the connection closes).
        func receive(_ fd: Int32, whole: Bool = false) -> String {
            let text = String(decoding: HTTPTestClient.readUntilClosed(fd), as: UTF8.self)
            if whole { return text }
            return text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        }
        func takeDeliver() throws -> @Sendable (HTTPResponse) -> Void {
            let deadline = Date().addingTimeInterval(10)
            while parked.deliver.withLock({ $0 == nil }) && Date() < deadline { usleep(1_000) }
            return try XCTUnwrap(parked.deliver.withLock { d in defer { d = nil }; return d })
        }
        let a = try open(), b = try open()
        defer { close(a); close(b) }
        send(a)
        let first = try takeDeliver()
        XCTAssertEqual(server.parkedRequests, 1)
        let stopped = expectation(description: "stop returned")
        Thread.detachNewThread { server.stop(grace: 10); stopped.fulfill() }
        let deadline = Date().addingTimeInterval(10)
        while !server.isStopping && Date() < deadline { usleep(1_000) }

        // A request arriving on a kept connection while the stop waits is
        // refused before it runs, and its connection closed.
        send(b)
        let refused = receive(b, whole: true)
        XCTAssertTrue(refused.hasPrefix("HTTP/1.1 503"), refused)
        XCTAssertTrue(refused.lowercased().contains("connection: close"), refused)
        XCTAssertTrue(refused.contains("57P01"), refused)
        XCTAssertTrue(parked.deliver.withLock { $0 == nil }, "the handler did not run")
        XCTAssertEqual(server.parkedRequests, 1)
        // The parked request still gets its answer before the stop ends.
        first(HTTPResponse(status: 200, body: Array("one".utf8)))
        XCTAssertEqual(receive(a), "one")
        wait(for: [stopped], timeout: 10)
        XCTAssertEqual(server.parkedRequests, 0)
    }
}

/// One thread accepts and hands each connection to the worker serving the
/// fewest, so connections spread evenly (libmicrohttpd's pool let one
/// worker take several at once).
final class ConnectionBalanceTests: XCTestCase {
    func testConnectionsSpreadEvenlyAndAreUncountedWhenClosed() throws {
        let port = try HeliosProcess.freePort()
        let server = HTTPServer(configuration: .init(port: port, threads: 2, clientAddresses: false),
                                handler: { _ in .now(HTTPResponse(status: 200, body: [])) },
                                tooLarge: { _ in HTTPResponse(status: 413, body: []) })
        try server.start()
        defer { server.stop(grace: 1) }
        var sockets: [Int32] = []
        for _ in 0..<6 { sockets.append(try HTTPTestClient(port: port).connectSocket(timeoutSeconds: 10)) }
        func counts() -> [Int] { server.connectionsPerWorker }
        var deadline = Date().addingTimeInterval(10)
        while counts().reduce(0, +) < 6 && Date() < deadline { usleep(1_000) }
        XCTAssertEqual(counts(), [3, 3])
        sockets.forEach { close($0) }
        deadline = Date().addingTimeInterval(10)
        while counts().reduce(0, +) > 0 && Date() < deadline { usleep(1_000) }
        XCTAssertEqual(counts(), [0, 0], "closed connections are uncounted")
        XCTAssertEqual(try HTTPTestClient(port: port).send(method: "GET", path: "/").status, 200)
    }

    /// A worker stuck in a long request (over 100 ms) gets no new
    /// connections while another worker is free: they are answered at once.
    func testNewConnectionsAvoidAWorkerStuckInALongRequest() throws {
        let port = try HeliosProcess.freePort()
        let release = DispatchSemaphore(value: 0)
        let server = HTTPServer(configuration: .init(port: port, threads: 2, clientAddresses: false),
                                handler: { request in
                                    if request.path == "/slow" { release.wait() }
                                    return .now(HTTPResponse(status: 200, body: Array(request.path.utf8)))
                                },
                                tooLarge: { _ in HTTPResponse(status: 413, body: []) })
        try server.start()
        defer { server.stop(grace: 1) }
        let slowAnswered = expectation(description: "the slow request answered")
        Thread.detachNewThread {
            _ = try? HTTPTestClient(port: port).send(method: "GET", path: "/slow")
            slowAnswered.fulfill()
        }
        usleep(300_000)   // the slow request has held its worker for over 100 ms
        let started = Date()
        for _ in 0..<4 {
            let quick = try HTTPTestClient(port: port).send(method: "GET", path: "/quick")
            XCTAssertEqual(quick.text, "/quick")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "no quick request waited for the slow one")
        release.signal()
        wait(for: [slowAnswered], timeout: 10)
    }
}
