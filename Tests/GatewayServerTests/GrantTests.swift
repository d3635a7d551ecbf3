import CurlHTTPClient
import Foundation
import GatewayAPI
import GatewaySecurity
@testable import GatewayServer
import GatewayStore
import GatewayVocabulary
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SeguraSimulator
import Testing

/// Time-bound grants over loopback, with second-scale durations: the simulator's call log says when each
/// disable reached Segura.
@Suite("Time-bound grants")
struct GrantTests {
    @Test func anExpiredGrantIsRevokedWithinOneSecond() async throws {
        try await withGateway { gateway in
            let grant = try await gateway.enable(42, for: "PT2S")
            #expect(grant.state == .active)
            #expect(try milliseconds(grant.expiresAt) - milliseconds(grant.startsAt) == 2000)

            let disable = try await gateway.waitForDisable(of: 42)
            let expiry = try milliseconds(grant.expiresAt)
            #expect(disable.receivedAtMilliseconds >= expiry, "revoked before its expiry")
            #expect(disable.receivedAtMilliseconds <= expiry + 1000, "revoked \(disable.receivedAtMilliseconds - expiry) ms after its expiry")
            #expect(gateway.simulator.objectState(.credential, id: 42) == .inactive)

            let revoked = try await gateway.waitForGrant(grant.id) { $0.state == .revoked }
            #expect(revoked.endedBy == .expiry)
            #expect(try await gateway.grantDecisions(grant.id) == ["grant_created", "grant_revocation_started", "grant_revoked"])
            #expect(try await gateway.auditVerifies())
        }
    }

    @Test func anotherEnableExtendsTheOpenGrantInsteadOfStackingOne() async throws {
        try await withGateway { gateway in
            let first = try await gateway.enable(42, for: "PT2S")
            let second = try await gateway.enable(42, for: "PT6S", expecting: .alreadyInState)
            #expect(second.id == first.id)
            #expect(second.extensions == 1)
            #expect(try milliseconds(second.expiresAt) >= milliseconds(first.expiresAt) + 4000)
            let open = try await gateway.grants("?target_kind=credential&target_id=42&state=open")
            #expect(open.map(\.id) == [first.id])

            // One second past the first expiry (the scheduler's bound), and still at least 3 s before the second.
            try await sleep(untilMilliseconds: try milliseconds(first.expiresAt) + 1000)
            #expect(gateway.simulator.disables(of: 42).isEmpty, "the first expiry must not revoke an extended grant")
            let disable = try await gateway.waitForDisable(of: 42)
            #expect(disable.receivedAtMilliseconds >= (try milliseconds(second.expiresAt)))
            _ = try await gateway.waitForGrant(first.id) { $0.state == .revoked }
            #expect(try await gateway.grantDecisions(first.id) == ["grant_created", "grant_extended", "grant_revocation_started", "grant_revoked"])
        }
    }

    @Test func anExtensionStopsAtTheCallersMaximumFromTheGrantsStart() async throws {
        try await withGateway(configure: { $0.callers[0].policy.maxDuration = .seconds(10) }) { gateway in
            let first = try await gateway.enable(42, for: "PT5S")
            try await Task.sleep(for: .seconds(1))
            let extended = try await gateway.enable(42, for: "PT10S", expecting: .alreadyInState)
            #expect(try milliseconds(extended.expiresAt) == milliseconds(first.startsAt) + 10_000)
        }
    }

    @Test func aDurationAboveThePolicyMaximumIsRefusedAndOpensNothing() async throws {
        try await withGateway { gateway in
            for body in [structured(duration: "PT3H"), #"{"command":"enable credential 42 for ticket CHG0012345 for 3h","requested_by":"bob"}"#] {
                let response = try await gateway.post(body, as: .restricted)
                #expect(response.status == .forbidden)
                #expect(try expectConforms(response).error?.code == .durationExceedsMaximum)
            }
            #expect(try await gateway.grants("").isEmpty)
            #expect(gateway.simulator.stats.apiCalls == 0)
        }
    }

    @Test func deleteRevokesNowAndOnlyForThoseAllowed() async throws {
        try await withGateway { gateway in
            let grant = try await gateway.enable(42, for: "PT60S")

            // `restricted` sees credential 42 but may not disable it, and did not open the grant.
            let refused = try await gateway.revoke(grant.id, as: .restricted)
            #expect(refused.status == .forbidden)
            #expect(try expectConforms(refused).error?.code == .actionNotAllowed)
            let unknown = try await gateway.revoke("grt_unknown")
            #expect(unknown.status == .notFound)
            #expect(try expectConforms(unknown).error?.code == .grantNotFound)

            let revoked = try await gateway.revoke(grant.id)
            let result = try expectConforms(revoked)
            #expect(revoked.status == .ok)
            #expect(result.outcome == .applied)
            #expect(result.grant?.state == .revoked)
            #expect(result.grant?.endedBy == .revoke)
            #expect(gateway.simulator.objectState(.credential, id: 42) == .inactive)

            let again = try await gateway.revoke(grant.id)
            #expect(try expectConforms(again).outcome == .alreadyInState)
            #expect(try expectConforms(again).attempts == 0)
            #expect(gateway.simulator.disables(of: 42).count == 1)

            // The path is not signed: a signed body naming another grant, or an empty one (any GET's), revokes nothing.
            let other = try await gateway.enable(41, for: "PT60S", expecting: .alreadyInState)
            let mismatched = try await gateway.revoke(other.id, bodyID: grant.id)
            #expect(mismatched.status == .unprocessableContent)
            #expect(try expectConforms(mismatched).error?.code == .invalidRequest)
            let empty = try await gateway.client.execute(uri: "/v1/grants/\(other.id)", method: .delete, headers: try TestCaller.servicenow.sign([]), body: nil)
            #expect(empty.status.code >= 400 && empty.status.code < 500)
            #expect(try await gateway.grants("?state=open").map(\.id) == [other.id])
        }
    }

    @Test func aDisableEndsTheGrantEarly() async throws {
        try await withGateway { gateway in
            let grant = try await gateway.enable(42, for: "PT2S")
            let response = try await gateway.post(structured("disable"))
            let result = try expectConforms(response)
            #expect(result.grant?.id == grant.id)
            #expect(result.grant?.state == .revoked)
            #expect(result.grant?.endedBy == .disable)
            try await Task.sleep(for: .milliseconds(2600))
            #expect(gateway.simulator.disables(of: 42).count == 1, "the scheduler must not revoke an ended grant")
        }
    }

    @Test func anEnableWhoseTargetsGrantEndedWhileItWaitedOpensItsOwn() async throws {
        try await withGateway { gateway in
            let first = try await gateway.enable(42, for: "PT60S")
            // The disable holds the target for 1.5 s from its arrival at Segura; the enable is admitted meanwhile,
            // while the first grant is still open (so its own grant is not opened with its claim), and acts once the
            // disable ended it.
            gateway.simulator.injectFault(.latency(.milliseconds(1500)), on: .operation(.credential, .disable, id: 42), times: 1)
            let http = try CurlHTTPClient()
            async let disabled = gateway.postOnNewConnection(structured("disable"), deliveryID: "msg_disable", using: http)
            _ = try await gateway.waitForDisable(of: 42)
            let enabled = try await gateway.enable(42, for: "PT60S")
            #expect(try await disabled == 200)
            await http.shutdown()
            #expect(try await gateway.grantDecisions(first.id).last == "grant_revoked")
            #expect(enabled.id != first.id)
            #expect(enabled.state == .active)
            #expect(try await gateway.grants("?target_kind=credential&target_id=42&state=open").map(\.id) == [enabled.id])
        }
    }

    @Test func aFailedRevocationIsRetriedWithBackoffUntilItSucceeds() async throws {
        try await withGateway(configure: Self.fastRetries) { gateway in
            let grant = try await gateway.enable(42, for: "PT2S")
            // The client tries 3 times per round: two rounds fail, the third succeeds.
            gateway.simulator.injectFault(.kongServiceUnavailable, on: .operation(.credential, .disable, id: 42), times: 6)
            let revoked = try await gateway.waitForGrant(grant.id) { $0.state == .revoked }
            #expect(revoked.revokeAttempts == 3)
            #expect(gateway.simulator.objectState(.credential, id: 42) == .inactive)
            #expect(
                try await gateway.grantDecisions(grant.id) == [
                    "grant_created", "grant_revocation_started", "grant_revoke_retry", "grant_revocation_started", "grant_revoke_retry",
                    "grant_revocation_started", "grant_revoked",
                ]
            )
        }
    }

    @Test func aTerminalFailureIsRevokeFailedCountedAndCanBeRetriedByDelete() async throws {
        try await withGateway(configure: Self.fastRetries) { gateway in
            let grant = try await gateway.enable(42, for: "PT2S")
            gateway.simulator.setWritePermission(false)
            let failed = try await gateway.waitForGrant(grant.id) { $0.state == .revokeFailed }
            #expect(failed.lastErrorCode == .upstreamWritePermissionMissing)
            #expect(failed.nextAttemptAt == nil)
            let metrics = String(decoding: gateway.metrics.render(), as: UTF8.self)
            #expect(metrics.contains(#"segura_gateway_grant_revoke_failures_total{kind="credential"} 1"#))
            #expect(try await gateway.grantDecisions(grant.id).last == "grant_revoke_failed")

            gateway.simulator.setWritePermission(true)
            let retried = try await gateway.revoke(grant.id)
            #expect(try expectConforms(retried).grant?.state == .revoked)
            #expect(gateway.simulator.objectState(.credential, id: 42) == .inactive)
        }
    }

    @Test func grantsAreListedAndReadWithinTheCallersScope() async throws {
        try await withGateway { gateway in
            let credential = try await gateway.enable(42, for: "PT60S")
            let device = try await gateway.enable(20, kind: "device", for: "PT60S")
            #expect(try await gateway.grants("").map(\.id) == [device.id, credential.id])
            #expect(try await gateway.grants("?target_kind=device").map(\.id) == [device.id])
            #expect(try await gateway.grants("?caller=servicenow&ticket=CHG0012345&state=open").count == 2)
            #expect(try await gateway.grants("?state=ended").isEmpty)
            // `restricted` covers credentials 40-42 and passwords, not devices.
            #expect(try await gateway.grants("", as: .restricted).map(\.id) == [credential.id])
            #expect(try await gateway.get("/v1/grants/\(device.id)", as: .restricted).status == .notFound)
            #expect(try await gateway.get("/v1/grants/\(credential.id)", as: .restricted).status == .ok)

            #expect(try await gateway.get("/v1/grants", as: nil).status == .unauthorized)
            #expect(try await gateway.get("/v1/grants?limit=0").status == .unprocessableContent)
            #expect(try await gateway.get("/v1/grants?target_kind=vault").status == .unprocessableContent)
            let put = try await gateway.client.execute(uri: "/v1/grants/\(device.id)", method: .put, headers: [:], body: nil)
            #expect(put.status == .methodNotAllowed)
            #expect(put.headers[.allow] == "GET, DELETE")
        }
    }

    static func fastRetries(_ configuration: inout GatewayConfiguration) {
        configuration.grants.retryInitial = .milliseconds(100)
        configuration.grants.retryMaximum = .milliseconds(300)
        configuration.grants.maximumRevokeAttempts = 5
    }
}

/// Sleeps until the wall clock reads `target` (milliseconds since 1970), or returns at once if it already does.
func sleep(untilMilliseconds target: Int64) async throws {
    let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
    if target > now { try await Task.sleep(for: .milliseconds(target - now)) }
}

/// Milliseconds since 1970 of an API timestamp.
func milliseconds(_ timestamp: String) throws -> Int64 {
    Int64((try #require(AuditTimestamp.date(from: timestamp)).timeIntervalSince1970 * 1000).rounded())
}

extension SeguraSimulator {
    /// The disable calls on a credential so far.
    func disables(of id: Int) -> [SimulatorCall] {
        self.calls.filter { $0.kind == .credential && $0.id == id && $0.action == .disable }
    }
}

extension GatewayUnderTest {
    /// Enables `id` for `duration` and returns the grant the answer carries.
    func enable(
        _ id: Int, kind: String = "credential", for duration: String, expecting outcome: Components.Schemas.Outcome = .applied,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Components.Schemas.Grant {
        let response = try await self.post(structured(kind: kind, id: id, duration: duration))
        let result = try expectConforms(response, sourceLocation: sourceLocation)
        #expect(result.outcome == outcome, sourceLocation: sourceLocation)
        return try #require(result.grant, sourceLocation: sourceLocation)
    }

    /// `GET /v1/grants` with `query`.
    func grants(_ query: String, as caller: TestCaller = .servicenow) async throws -> [Components.Schemas.Grant] {
        let response = try await self.get("/v1/grants" + query, as: caller)
        try #require(response.status == .ok)
        return try JSONDecoder().decode(Components.Schemas.GrantList.self, from: Data(Array(buffer: response.body))).grants
    }

    /// Polls `GET /v1/grants/{id}` until `condition` holds (10 s at most).
    func waitForGrant(_ id: String, until condition: (Components.Schemas.Grant) -> Bool) async throws -> Components.Schemas.Grant {
        try await eventually("grant \(id) did not reach the expected state") {
            let response = try await self.get("/v1/grants/\(id)")
            let grant = try JSONDecoder().decode(Components.Schemas.Grant.self, from: Data(Array(buffer: response.body)))
            return condition(grant) ? grant : nil
        }
    }

    /// Waits (10 s at most) for the first disable of credential `id` to reach the simulator.
    func waitForDisable(of id: Int) async throws -> SimulatorCall {
        try await eventually("credential \(id) was never disabled") { self.simulator.disables(of: id).first }
    }

    /// The audit decisions recorded for a grant or an approval request (its id is their delivery id), in order.
    func grantDecisions(_ grantID: String) async throws -> [String] {
        let store = try await SQLiteGatewayStore.open(path: self.storePath)
        var decisions: [String] = []
        for try await record in store.auditRecords(since: nil, afterSequence: nil) where record.event.deliveryID == grantID {
            decisions.append(record.event.decision.rawValue)
        }
        try await store.close()
        return decisions
    }

    /// Whether the audit chain verifies.
    func auditVerifies() async throws -> Bool {
        let store = try await SQLiteGatewayStore.open(path: self.storePath)
        let verification = try await store.verifyAuditChain()
        try await store.close()
        guard case .intact = verification else { return false }
        return true
    }
}
