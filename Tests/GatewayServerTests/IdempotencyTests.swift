import CurlHTTPClient
import Foundation
import GatewayVocabulary
import GRDB
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

    @Test func aRetryableFailureIsReplayedInsideTheToleranceAndActsAfterIt() async throws {
        try await withGateway(configure: { $0.callers = [try TestCaller.servicenow.configuration(tolerance: .seconds(2))] }) { gateway in
            gateway.simulator.injectFault(.kongServiceUnavailable, on: .operation(), times: 3)
            let failed = try await gateway.post(structured(), deliveryID: "msg_retry")
            #expect(failed.status == .serviceUnavailable)
            #expect(gateway.simulator.stats.apiCalls == 3)

            // Inside the 2 s tolerance, a repeat with a fresh timestamp is a replay of the stored answer.
            let replayed = try await gateway.post(structured(), deliveryID: "msg_retry", signedAt: Date().addingTimeInterval(1))
            #expect(replayed.status == .serviceUnavailable)
            #expect(replayed.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(try expectConforms(replayed).requestId == expectConforms(failed).requestId)
            #expect(gateway.simulator.stats.apiCalls == 3)

            // After it, the sender's retry acts.
            try await Task.sleep(for: .milliseconds(2100))
            let retried = try await gateway.post(structured(), deliveryID: "msg_retry")
            #expect(retried.status == .ok)
            #expect(retried.headers[.init("Idempotent-Replayed")!] == nil)
            #expect(try expectConforms(retried).outcome == .applied)
            #expect(gateway.simulator.stats.apiCalls == 4)
        }
    }

    @Test func deliveryIDsExpireAfterTheConfiguredTime() async throws {
        // Two seconds, so the repeat inside the expiry arrives in time even on a loaded machine.
        try await withGateway(configure: { $0.deliveryExpiry = .seconds(2) }) { gateway in
            #expect(try expectConforms(try await gateway.post(structured(), deliveryID: "msg_expiring")).outcome == .applied)
            let replayed = try await gateway.post(structured(), deliveryID: "msg_expiring")
            #expect(replayed.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(gateway.simulator.stats.apiCalls == 1)

            try await Task.sleep(for: .milliseconds(2100))
            let afterExpiry = try await gateway.post(structured(), deliveryID: "msg_expiring")
            #expect(afterExpiry.headers[.init("Idempotent-Replayed")!] == nil, "an expired id is a new delivery")
            #expect(try expectConforms(afterExpiry).outcome == .alreadyInState)
            #expect(gateway.simulator.stats.apiCalls == 2)
        }
    }

    @Test func expiredDeliveriesArePurgedWhileTheirAuditRecordsStay() async throws {
        try await withGateway(configure: { $0.deliveryExpiry = .seconds(1); $0.purgeInterval = .milliseconds(200) }) { gateway in
            _ = try await gateway.post(structured(), deliveryID: "msg_purged")
            let queue = try DatabaseQueue(path: gateway.storePath)
            let count = { try await queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM delivery") } }
            #expect(try await count() == 1)
            // Expired after 1 s and purged by the next pass, 200 ms apart: polled, because a loaded machine may
            // run the pass late.
            try await eventually("the expired delivery was not purged within 10 s") { try await count() == 0 ? true : nil }
            #expect(try await queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit") } == 2)
            try queue.close()
        }
    }

    @Test func theBenchmarkBaselineWithoutAStoreActsOnEveryRepeat() async throws {
        try await withGateway(configure: { $0.keepsDurableState = false }) { gateway in
            let first = try expectConforms(try await gateway.post(structured(), deliveryID: "msg_baseline"))
            let repeated = try await gateway.post(structured(), deliveryID: "msg_baseline")
            #expect(repeated.headers[.init("Idempotent-Replayed")!] == nil)
            #expect(try expectConforms(repeated).outcome == .alreadyInState)
            #expect(gateway.simulator.stats.apiCalls == 2)
            #expect(try await gateway.get("/v1/actions/\(first.requestId)").status == .notFound)
            // Nothing would revoke a grant, so a duration is refused rather than enabling for good.
            let timed = try await gateway.post(structured(duration: "PT1H"))
            #expect(timed.status == .unprocessableContent)
            #expect(try expectConforms(timed).error?.code == .invalidDuration)
            #expect(gateway.simulator.stats.apiCalls == 2)
            #expect(!FileManager.default.fileExists(atPath: gateway.storePath), "no store file is created")
        }
    }

    @Test func everyDecisionIsAuditedAndEditsOrDeletionsAreDetected() async throws {
        try await withGateway { gateway in
            _ = try await gateway.post(structured(), deliveryID: "msg_a")                    // accepted, applied
            _ = try await gateway.post(structured(), deliveryID: "msg_a")                    // replayed
            _ = try await gateway.post(structured("disable"), deliveryID: "msg_a")           // rejected_conflict (422)
            _ = try await gateway.post(structured(), as: nil)                                // counted, summarized later
            _ = try await gateway.post(structured("disable", id: 42), as: .restricted)      // rejected_policy
            _ = try await gateway.post("{not json")                                          // rejected_input
            _ = try await gateway.post(structured(id: 41))                                   // accepted, already_in_state
            _ = try await gateway.post(structured(id: 99))                                   // accepted, failed
            gateway.simulator.injectFault(.garbageBody, on: .operation(), times: 1)
            _ = try await gateway.post(structured(kind: "password", id: 10))                 // accepted, unknown

            // A second store on the same file sees every committed record (the gateway's is still open).
            let store = try await SQLiteGatewayStore.open(path: gateway.storePath)
            var records: [AuditRecord] = []
            for try await record in store.auditRecords(since: nil, afterSequence: nil) {
                records.append(record)
                #expect(record.event.requestID.hasPrefix("req_"))
            }
            #expect(records.map(\.event.decision.rawValue) == [
                "accepted", "applied", "replayed", "rejected_conflict", "rejected_policy", "rejected_input",
                "accepted", "already_in_state", "accepted", "failed", "accepted", "unknown",
            ])
            let applied = records[1].event
            #expect(applied.caller == "servicenow" && applied.ticket == "CHG0012345" && applied.action == .enable)
            #expect(applied.targetKind == .credential && applied.targetID == "42" && applied.outcome == .applied && applied.attempts == 1)
            #expect(applied.deliveryID == "msg_a" && applied.latencyMilliseconds != nil)
            #expect(records[7].event.seguraCode == 1043, "already in state: Segura's code is on record")
            #expect(try await store.verifyAuditChain() == .intact(count: 12, lastHash: records[11].hash))

            // Someone with write access to the file edits, then deletes, a record: verification names the break.
            let file = try DatabaseQueue(path: gateway.storePath)
            try await file.write { db in
                try db.execute(sql: "DROP TRIGGER audit_is_append_only_update; DROP TRIGGER audit_is_append_only_delete")
                try db.execute(sql: "UPDATE audit SET outcome = 'not_applied' WHERE sequence = 2")
            }
            #expect(try await store.verifyAuditChain() == .broken(atSequence: 2, reason: .recordAltered))
            try await file.write { db in try db.execute(sql: "UPDATE audit SET outcome = 'applied' WHERE sequence = 2") }
            #expect(try await store.verifyAuditChain() == .intact(count: 12, lastHash: records[11].hash))
            try await file.write { db in try db.execute(sql: "DELETE FROM audit WHERE sequence = 5") }
            #expect(try await store.verifyAuditChain() == .broken(atSequence: 5, reason: .sequenceGap))
            try file.close()
            try await store.close()
        }
    }
}
