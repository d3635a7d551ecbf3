import Foundation
import GRDB
import GatewayAPI
import HTTPTypes
import HummingbirdTesting
import SeguraSimulator
import Testing

@testable import GatewayServer

/// When the gateway's own store cannot be written, the sender still gets an answer in the problem schema (503
/// `store_unavailable`), never a bare 500, and nothing unrecorded reaches Segura.
///
/// The failure is real: a second connection holds SQLite's write lock (`BEGIN EXCLUSIVE`), as another process
/// could, until the store's busy timeout runs out.
@Suite("A failing store answers in the problem schema")
struct StoreFailureTests {
    @Test func aClaimThatCannotBeWrittenIsRefusedBeforeSegura() async throws {
        try await withGateway { gateway in
            let lock = try WriteLock(path: gateway.storePath)
            let response = try await gateway.post(structured())
            lock.release()
            #expect(response.status == .serviceUnavailable)
            let result = try expectConforms(response)
            #expect(result.error?.code == .storeUnavailable && result.error?.retryable == true)
            #expect(result.outcome == .notApplied)
            #expect(gateway.simulator.stats.apiCalls == 0, "nothing is acted on without its claim on record")

            let retried = try await gateway.post(structured())
            #expect(retried.status == .ok, "the same request goes through once the store can be written")
        }
    }

    @Test func aRefusalThatCannotBeAuditedIsAnsweredUnavailableAndCountedOnce() async throws {
        try await withGateway { gateway in
            let lock = try WriteLock(path: gateway.storePath)
            // Devices are not among the restricted caller's kinds: a policy refusal, whose audit record cannot be written.
            let response = try await gateway.post(structured(kind: "device"), as: .restricted)
            lock.release()
            #expect(response.status == .serviceUnavailable)
            #expect(try expectConforms(response).error?.code == .storeUnavailable)
            let counted = String(decoding: gateway.metrics.render(), as: UTF8.self).split(separator: "\n")
                .filter { $0.hasPrefix("segura_gateway_requests_total{") }
            #expect(counted == [#"segura_gateway_requests_total{caller="restricted",action="enable",outcome="not_applied",code="store_unavailable"} 1"#])
        }
    }

    @Test func anOutcomeThatCannotBeRecordedIsAnsweredWithWhatSeguraSaid() async throws {
        try await withGateway { gateway in
            gateway.simulator.injectFault(.latency(.seconds(1)), on: .operation(), times: 1)
            async let answer = gateway.post(structured(), deliveryID: "msg_unrecorded")
            // The claim is written before Segura is called; lock the store while the call is in Segura.
            while gateway.simulator.stats.apiCalls == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let lock = try WriteLock(path: gateway.storePath)
            let response = try await answer
            lock.release()
            #expect(response.status == .serviceUnavailable)
            let result = try expectConforms(response)
            #expect(result.error?.code == .storeUnavailable)
            #expect(result.outcome == .applied, "Segura's outcome is reported although it could not be recorded")
            #expect(result.attempts == 1)
        }
    }
}

/// Holds SQLite's write lock on a store from a second connection until released.
private final class WriteLock {
    private let queue: DatabaseQueue
    private let held = DispatchSemaphore(value: 0)
    private let releaseLock = DispatchSemaphore(value: 0)

    init(path: String) throws {
        self.queue = try DatabaseQueue(path: path)
        let (queue, held, releaseLock) = (self.queue, self.held, self.releaseLock)
        Thread.detachNewThread {
            try? queue.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN EXCLUSIVE")
                held.signal()
                releaseLock.wait()
                try db.execute(sql: "ROLLBACK")
            }
        }
        self.held.wait()
    }

    func release() {
        self.releaseLock.signal()
    }
}
