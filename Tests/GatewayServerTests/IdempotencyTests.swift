import CurlHTTPClient
import Foundation
import GatewayAPI
import GatewaySecurity
@testable import GatewayServer
import GatewayStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SeguraClient
import SeguraSimulator
import Testing

/// At-least-once senders: one Segura call per delivery, replays, conflicts, and an audit record per decision.
@Suite(.timeLimit(.minutes(3)))
struct IdempotencyTests {
    @Test func aDeliveryRepeated100TimesCallsSeguraOnce() async throws {
        try await withGateway { gateway in
            let first = try await gateway.post(structured(), deliveryID: "msg_repeat")
            let original = try expectConforms(first)
            #expect(original.outcome == .applied)
            for _ in 0..<100 {
                let repeated = try await gateway.post(structured(), deliveryID: "msg_repeat")
                #expect(repeated.status == .ok)
                #expect(repeated.headers[.init("Idempotent-Replayed")!] == "true")
                #expect(try expectConforms(repeated).requestId == original.requestId, "the stored answer is replayed")
            }
            #expect(gateway.simulator.stats.apiCalls == 1)
        }
    }

    @Test func fiftyIdenticalDeliveriesAtOnceCallSeguraOnce() async throws {
        try await withGateway { gateway in
            gateway.simulator.injectFault(.latency(.milliseconds(300)), on: .operation(), times: 1)
            var configuration = CurlHTTPClient.Configuration()
            configuration.maxConnectionsPerHost = 50
            let http = try CurlHTTPClient(configuration: configuration)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await gateway.postOnNewConnection(structured(), deliveryID: "msg_burst", using: http) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            await http.shutdown()
            #expect(gateway.simulator.stats.apiCalls == 1)
            #expect(statuses.filter { $0 == 200 }.count >= 1)
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 409 }, "the rest were replayed or told the first is in flight")
            #expect(statuses.contains(409), "deliveries arriving while the first is in Segura are told so")
        }
    }

    @Test func inFlightIs409AndADifferentPayloadIs422() async throws {
        try await withGateway { gateway in
            gateway.simulator.injectFault(.latency(.seconds(1)), on: .operation(), times: 1)
            let http = try CurlHTTPClient()
            async let first = gateway.postOnNewConnection(structured(), deliveryID: "msg_slow", using: http)
            // Wait until the first delivery is inside Segura (the simulator counts the call on arrival).
            while gateway.simulator.stats.apiCalls == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let conflict = try await gateway.post(structured(), deliveryID: "msg_slow")
            #expect(conflict.status == .conflict)
            #expect(try expectConforms(conflict).error?.code == .deliveryInFlight)
            #expect(try await first == 200)
            await http.shutdown()

            let reused = try await gateway.post(structured("disable"), deliveryID: "msg_slow")
            #expect(reused.status == .unprocessableContent)
            #expect(try expectConforms(reused).error?.code == .idempotencyKeyReused)
            #expect(gateway.simulator.stats.apiCalls == 1)
        }
    }

    @Test func aRetryableFailureIsNotReplayedSoARetryActs() async throws {
        try await withGateway { gateway in
            gateway.simulator.injectFault(.kongServiceUnavailable, on: .operation(), times: 3)
            let failed = try await gateway.post(structured(), deliveryID: "msg_retry")
            #expect(failed.status == .serviceUnavailable)
            let retried = try await gateway.post(structured(), deliveryID: "msg_retry")
            #expect(retried.status == .ok)
            #expect(retried.headers[.init("Idempotent-Replayed")!] == nil)
            #expect(try expectConforms(retried).outcome == .applied)
        }
    }

    @Test func everyDecisionIsAuditedAndTheChainVerifies() async throws {
        try await withGateway { gateway in
            _ = try await gateway.post(structured(), deliveryID: "msg_a")                    // accepted, applied
            _ = try await gateway.post(structured(), deliveryID: "msg_a")                    // replayed
            _ = try await gateway.post(structured(), as: nil)                                // rejected_signature
            _ = try await gateway.post(structured("disable", id: 42), as: .restricted)      // rejected_policy
            _ = try await gateway.post("{not json")                                          // rejected_input
            _ = try await gateway.post(structured(id: 99))                                   // accepted, failed

            // A second store on the same file sees every committed record (the gateway's is still open).
            let store = try await SQLiteGatewayStore.open(path: gateway.storePath)
            var decisions: [String] = []
            for try await record in store.auditRecords(since: nil, afterSequence: nil) {
                decisions.append(record.event.decision.rawValue)
                #expect(record.event.requestID.hasPrefix("req_"))
            }
            #expect(decisions == [
                "accepted", "applied", "replayed", "rejected_signature", "rejected_policy", "rejected_input", "accepted", "failed",
            ])
            guard case .intact(let count, _) = try await store.verifyAuditChain() else {
                Issue.record("the audit chain does not verify")
                return
            }
            #expect(count == 8)
            try await store.close()
        }
    }
}
