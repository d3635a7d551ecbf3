import CurlHTTPClient
import Foundation
import GatewayAPI
@testable import GatewayServer
import GatewayStore
import GatewayVocabulary
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SeguraClient
import SeguraSimulator
import Testing

/// Replays inside the signature window, per-target serialization, and `GET /v1/actions/{request_id}`.
@Suite(.timeLimit(.minutes(3)))
struct ReplayAndSerializationTests {
    @Test func aReplayWithAFreshTimestampDoesNotActAgain() async throws {
        try await withGateway { gateway in
            let first = try await gateway.post(structured(), deliveryID: "msg_fresh")
            #expect(try expectConforms(first).outcome == .applied)
            // Re-signed by someone holding the secret, 5 s later: a new timestamp and signature, the same delivery.
            let replay = try await gateway.post(structured(), deliveryID: "msg_fresh", signedAt: Date().addingTimeInterval(5))
            #expect(replay.status == .ok)
            #expect(replay.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(gateway.simulator.stats.apiCalls == 1)
        }
    }

    @Test func aCapturedSignatureCannotAuthenticateAnotherDeliveryID() async throws {
        try await withGateway { gateway in
            let signedAt = Date()
            #expect(try await gateway.post(structured(), deliveryID: "msg_captured", signedAt: signedAt).status == .ok)
            // The same signed bytes, replayed with an unsigned Idempotency-Key added to dodge deduplication.
            let replay = try await gateway.post(
                structured(), deliveryID: "msg_captured", signedAt: signedAt, headers: [.init("Idempotency-Key")!: "\"fresh-key\""]
            )
            #expect(replay.status == .unauthorized)
            #expect(try expectConforms(replay).error?.code == .signatureReplayed)

            // GitHub signs the body only and not X-GitHub-Delivery: a new delivery header is not a new delivery.
            #expect(try await gateway.post(structured(id: 41), as: .github, deliveryID: "gh-1").status == .ok)
            let forged = try await gateway.post(structured(id: 41), as: .github, deliveryID: "gh-2")
            #expect(forged.status == .unauthorized)
            #expect(try expectConforms(forged).error?.code == .signatureReplayed)
            let redelivery = try await gateway.post(structured(id: 41), as: .github, deliveryID: "gh-1")
            #expect(redelivery.headers[.init("Idempotent-Replayed")!] == "true", "GitHub's own redelivery is replayed")
            #expect(gateway.simulator.stats.apiCalls == 2)
        }
    }

    @Test func changesToOneTargetAreSerializedWhileOtherTargetsRunInParallel() async throws {
        try await withGateway { gateway in
            gateway.simulator.injectFault(.latency(.milliseconds(200)), on: .operation(), times: 8)
            var configuration = CurlHTTPClient.Configuration()
            configuration.maxConnectionsPerHost = 16
            let http = try CurlHTTPClient(configuration: configuration)
            let sameTarget = (0..<4).map { structured($0.isMultiple(of: 2) ? "enable" : "disable", id: 42) }
            let otherTargets = [structured(id: 41), structured(kind: "password", id: 10), structured(kind: "password", id: 11), structured(kind: "device", id: 20)]
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for body in sameTarget + otherTargets {
                    group.addTask { try await gateway.postOnNewConnection(body, deliveryID: "msg_" + UUID().uuidString, using: http) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            await http.shutdown()
            #expect(statuses == Array(repeating: 200, count: 8))
            let stats = gateway.simulator.stats
            #expect(stats.apiCalls == 8)
            #expect(stats.maxConcurrentCallsPerItem == 1, "two changes to one target overlapped in Segura")
            #expect(stats.maxConcurrentCalls >= 2, "changes to different targets should overlap")
        }
    }

    /// A change queued behind slow changes to its target keeps its claim alive while it waits: its sender's
    /// retry is "in flight" (409), not a crashed attempt to take over and act a second time.
    @Test func aChangeQueuedBehindSlowChangesKeepsItsClaim() async throws {
        try await withGateway(configureSegura: { $0.retry.deadline = .milliseconds(2600) }, configure: { $0.staleClaimAfter = .seconds(3) }) { gateway in
            gateway.simulator.injectFault(.latency(.seconds(2)), on: .operation(), times: 3)
            var configuration = CurlHTTPClient.Configuration()
            configuration.maxConnectionsPerHost = 8
            let http = try CurlHTTPClient(configuration: configuration)
            let last = structured("enable", id: 42)
            async let firstStatus = gateway.postOnNewConnection(structured("enable", id: 42), deliveryID: "msg_first", using: http)
            try await gateway.waitForCalls(1)
            async let secondStatus = gateway.postOnNewConnection(structured("disable", id: 42), deliveryID: "msg_second", using: http)
            // The second change queues right after its claim commits; the last one must queue behind it.
            try await gateway.waitForAcceptance(of: "msg_second")
            try await Task.sleep(for: .milliseconds(200))
            async let lastStatus = gateway.postOnNewConnection(last, deliveryID: "msg_last", using: http)
            // The last change reaches Segura after about 4 s behind the other two; half a second later its
            // claim is well past stale_claim (3 s) unless it was renewed.
            try await gateway.waitForCalls(3)
            #expect(gateway.simulator.calls.last?.operation == "enable credential 42", "the changes ran in the order they came")
            try await Task.sleep(for: .milliseconds(500))
            let retry = try await gateway.postOnNewConnection(last, deliveryID: "msg_last", using: http)
            #expect(retry == 409, "the retry took over a claim that was queued, not abandoned")
            #expect(try await [firstStatus, secondStatus, lastStatus] == [200, 200, 200])
            await http.shutdown()
            #expect(gateway.simulator.stats.apiCalls == 3, "a queued change acted twice")
        }
    }

    @Test func aCallerReadsItsOwnStoredActionsAndNoOneElses() async throws {
        try await withGateway { gateway in
            let applied = try expectConforms(try await gateway.post(structured()))
            let lookup = try await gateway.get("/v1/actions/\(applied.requestId)")
            #expect(lookup.status == .ok)
            #expect(lookup.headers[.contentType]?.hasPrefix("application/json") == true)
            let stored = try JSONDecoder().decode(Components.Schemas.ActionResult.self, from: Data(Array(buffer: lookup.body)))
            #expect(stored == applied)

            // A failure is stored too, with its problem members.
            let failed = try expectConforms(try await gateway.post(structured(id: 99)))
            let failedLookup = try await gateway.get("/v1/actions/\(failed.requestId)")
            #expect(failedLookup.status == .ok)
            let storedFailure = try JSONDecoder().decode(Components.Schemas.ActionResult.self, from: Data(Array(buffer: failedLookup.body)))
            #expect(storedFailure.error?.code == .targetNotFound && storedFailure.status == 404)

            // A scheme without a signed timestamp may act but not read: a captured read signature would never expire.
            let jiraFailure = try expectConforms(try await gateway.post(structured(id: 99), as: .jira))
            for caller in [TestCaller.jira, .github] {
                let refused = try await gateway.get("/v1/actions/\(jiraFailure.requestId)", as: caller)
                #expect(refused.status == .forbidden)
                #expect(try expectConforms(refused).error?.code == .readNotAllowed)
            }

            let otherCaller = try await gateway.get("/v1/actions/\(applied.requestId)", as: .slack)
            #expect(otherCaller.status == .notFound)
            #expect(try expectConforms(otherCaller).error?.code == .actionNotFound)
            #expect(try expectConforms(try await gateway.get("/v1/actions/req_unknown")).error?.code == .actionNotFound)

            let unsigned = try await gateway.get("/v1/actions/\(applied.requestId)", as: nil)
            #expect(unsigned.status == .unauthorized)
            #expect(try expectConforms(unsigned).error?.code == .missingSignature)

            let wrongMethod = try await gateway.client.execute(uri: "/v1/actions/\(applied.requestId)", method: .delete, headers: [:], body: nil)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET")
        }
    }
}

extension GatewayUnderTest {
    /// Waits (10 s at most) until the claim of `deliveryID` committed: its `accepted` record is on file.
    func waitForAcceptance(of deliveryID: String) async throws {
        let store = try await SQLiteGatewayStore.open(path: self.storePath)
        do {
            try await eventually("delivery \(deliveryID) was never accepted") { () -> Bool? in
                for try await record in store.auditRecords(since: nil, afterSequence: nil)
                where record.event.deliveryID == deliveryID && record.event.decision == .accepted {
                    return true
                }
                return nil
            }
        } catch {
            try await store.close()
            throw error
        }
        try await store.close()
    }

    /// Waits (10 s at most) until `count` operation calls reached the simulator.
    func waitForCalls(_ count: Int) async throws {
        try await eventually("the simulator saw \(self.simulator.stats.apiCalls) calls, not \(count)") {
            self.simulator.stats.apiCalls >= count ? true : nil
        }
    }
}

/// A delivery acted on again never undoes a change that completed after it was first attempted.
@Suite(.timeLimit(.minutes(2)))
struct SupersededReplayTests {
    /// A captured hub-sha256 enable whose answer was not final (502, `unknown`) is replayed byte for byte after the
    /// tolerance, when a legitimate disable has completed since: it must not enable the credential again.
    @Test func aReopenedEnableDoesNotUndoALaterDisable() async throws {
        try await withGateway(configure: { configuration in
            configuration.callers = try [TestCaller.github.configuration(tolerance: .seconds(1)), TestCaller.servicenow.configuration()]
        }) { gateway in
            let captured = structured("enable", id: 42, duration: "PT1H")
            gateway.simulator.injectFault(.garbageBody, on: .operation(.credential, .enable, id: 42), times: 1)
            let first = try await gateway.post(captured, as: .github, deliveryID: "gh-captured")
            #expect(try expectConforms(first).outcome == .unknown)
            let enables = gateway.simulator.stats.callsByOperation["enable credential 42"] ?? 0

            let disabled = try expectConforms(try await gateway.post(structured("disable", id: 42)))
            #expect([.applied, .alreadyInState].contains(disabled.outcome))
            #expect(gateway.simulator.objectState(.credential, id: 42) == .inactive)

            try await Task.sleep(for: .milliseconds(1200))  // past the github caller's tolerance: the answer reopens
            let replayed = try await gateway.post(captured, as: .github, deliveryID: "gh-captured")
            #expect(replayed.status == .conflict)
            let result = try expectConforms(replayed)
            #expect(result.error?.code == .superseded)
            #expect(result.detail?.contains(disabled.requestId) == true)
            #expect(gateway.simulator.stats.callsByOperation["enable credential 42"] ?? 0 == enables, "the replay reached Segura")
            #expect(gateway.simulator.objectState(.credential, id: 42) == .inactive)
        }
    }

    /// Without a later change the same reopened delivery still acts, as a sender's retry must.
    @Test func aReopenedDeliveryActsWhenNothingChangedSince() async throws {
        try await withGateway(configure: { $0.callers = [try TestCaller.github.configuration(tolerance: .seconds(1))] }) { gateway in
            gateway.simulator.injectFault(.garbageBody, on: .operation(.credential, .enable, id: 42), times: 1)
            #expect(try expectConforms(try await gateway.post(structured(duration: "PT1H"), as: .github, deliveryID: "gh-retry")).outcome == .unknown)
            try await Task.sleep(for: .milliseconds(1200))
            let retried = try expectConforms(try await gateway.post(structured(duration: "PT1H"), as: .github, deliveryID: "gh-retry"))
            #expect([.applied, .alreadyInState].contains(retried.outcome))
        }
    }

    /// A hub-sha256 signature signs no time, so its request stays valid for ever; the gateway remembers the
    /// signature for good, and a request replayed after its delivery was forgotten is refused, not acted on.
    @Test func aTimelessSignatureReplayedAfterItsDeliveryExpiredIsRefused() async throws {
        try await withGateway(configure: { configuration in
            configuration.deliveryExpiry = .seconds(1)
            configuration.purgeInterval = .milliseconds(200)
            configuration.callers = [try TestCaller.github.configuration()]
        }) { gateway in
            let body = structured("enable", id: 41, duration: "PT1H")
            #expect(try await gateway.post(body, as: .github, deliveryID: "gh-old").status == .ok)
            let calls = gateway.simulator.stats.apiCalls
            try await Task.sleep(for: .milliseconds(1600))  // expired and purged
            let replayed = try await gateway.post(body, as: .github, deliveryID: "gh-old")
            #expect(replayed.status == .unauthorized)
            #expect(try expectConforms(replayed).error?.code == .signatureReplayed)
            #expect(gateway.simulator.stats.apiCalls == calls)
        }
    }
}
