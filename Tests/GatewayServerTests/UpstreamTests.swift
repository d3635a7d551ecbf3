import Foundation
import GatewayAPI
import GatewaySecurity
@testable import GatewayServer
import GatewayVocabulary
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SeguraClient
import SeguraSimulator
import Testing

/// Every normalized upstream outcome, as the sender sees it.
@Suite(.timeLimit(.minutes(3)))
struct UpstreamTests {
    /// A Segura situation and the answer the gateway must give.
    struct Situation: Sendable, CustomTestStringConvertible {
        let name: String
        var body = structured("enable", id: 42)
        var state: ObjectState? = .inactive
        var fault: Fault?
        let status: Int
        let outcome: Components.Schemas.Outcome
        var code: Components.Schemas.ErrorCode?
        var testDescription: String { self.name }
    }

    static let situations: [Situation] = [
        Situation(name: "applied", status: 200, outcome: .applied),
        Situation(name: "already in state (1043)", state: .active, status: 200, outcome: .alreadyInState),
        Situation(name: "MySafe already (200)", body: structured("enable", kind: "password", id: 11), state: nil, status: 200, outcome: .alreadyInState),
        Situation(name: "not found (1007)", state: nil, status: 404, outcome: .notApplied, code: .targetNotFound),
        Situation(name: "no access (1009)", state: .noAccess, status: 502, outcome: .notApplied, code: .targetAccessDenied),
        Situation(name: "wrong kind (1010)", state: .wrongKind, status: 422, outcome: .notApplied, code: .targetWrongKind),
        Situation(name: "Kong 503", fault: .kongServiceUnavailable, status: 503, outcome: .notApplied, code: .upstreamUnavailable),
        Situation(name: "Kong 504", fault: .kongGatewayTimeout, status: 504, outcome: .unknown, code: .upstreamTimeout),
        Situation(name: "Kong 502", fault: .kongBadGateway, status: 502, outcome: .unknown, code: .upstreamBadGateway),
        Situation(name: "garbage body", fault: .garbageBody, status: 502, outcome: .unknown, code: .upstreamInvalidResponse),
        Situation(name: "Unexpected error.", fault: .unexpectedError, status: 502, outcome: .unknown, code: .upstreamInternalError),
        Situation(name: "reset", fault: .connectionReset, status: 504, outcome: .unknown, code: .upstreamConnectionReset),
        Situation(name: "rate limited", fault: .rateLimited(retryAfterSeconds: 0), status: 503, outcome: .notApplied, code: .upstreamRateLimited),
    ]

    @Test(arguments: situations)
    func outcomeIsNormalizedForTheSender(_ situation: Situation) async throws {
        try await withGateway { gateway in
            if situation.state != nil || situation.name.contains("1007") {
                gateway.simulator.setObject(.credential, id: 42, state: situation.state)
            }
            if let fault = situation.fault {
                gateway.simulator.injectFault(fault, on: .operation(), times: Int.max)
            }
            let response = try await gateway.post(situation.body)
            let result = try expectConforms(response)
            #expect(Int(response.status.code) == situation.status)
            #expect(result.outcome == situation.outcome)
            #expect(result.error?.code == situation.code)
            if situation.code != nil {
                #expect(result.error?.upstream != nil, "upstream facts travel with upstream failures")
            }
            #expect(result.attempts >= 1)
        }
    }

    @Test func appliedThenTimedOutConvergesToApplied() async throws {
        try await withGateway { gateway in
            gateway.simulator.injectFault(.applyThenGatewayTimeout, on: .operation(.credential, .enable, id: 42), times: 1)
            let result = try expectConforms(try await gateway.post(structured("enable", id: 42)))
            #expect(result.outcome == .applied)
            #expect(result.attempts == 2)
            #expect(gateway.simulator.stats.appliedChanges == 1)
        }
    }

    @Test func wrongSeguraCredentialsAre502AndNotReady() async throws {
        try await withGateway(configureSegura: { $0.clientSecret = "wrong" }) { gateway in
            let result = try expectConforms(try await gateway.post(structured()))
            #expect(result.status == 502)
            #expect(result.error?.code == .upstreamAuthenticationFailed)
            #expect(result.error?.upstream?.httpStatus == 401)
            let readiness = try await gateway.client.execute(uri: "/readyz", method: .get)
            #expect(readiness.status == .serviceUnavailable)
            #expect(String(buffer: readiness.body).contains("upstream_authentication_failed"))
        }
    }

    /// Readiness probes are unauthenticated: a storm of them while the credentials are wrong must not become a
    /// storm of failed logins at Segura (a lockout or a brute-force alert there).
    @Test func aReadinessStormWithFailingTokensSendsAHandfulOfTokenRequests() async throws {
        try await withGateway(configureSegura: { $0.clientSecret = "wrong" }) { gateway in
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        for _ in 0..<100 {
                            let readiness = try await gateway.client.execute(uri: "/readyz", method: .get)
                            #expect(readiness.status == .serviceUnavailable)
                        }
                    }
                }
                try await group.waitForAll()
            }
            // One request, then at most one more per reuse window that the storm lasted.
            let windows = Int((ContinuousClock.now - started) / SeguraClient.readinessFailureReuse)
            #expect(gateway.simulator.stats.tokenRequests >= 1)
            #expect(gateway.simulator.stats.tokenRequests <= 1 + windows, "800 probes sent \(gateway.simulator.stats.tokenRequests) token requests")
        }
    }

    /// A code missing from the contract would not decode for clients, and one missing from the vocabulary could
    /// never be sent: the two lists must be the same, in both directions.
    @Test func theErrorCatalogueAndTheContractListTheSameCodes() {
        let documented = Set(Components.Schemas.ErrorCode.allCases.map(\.rawValue))
        let catalogued = Set(ErrorCode.allCases.map(\.rawValue))
        #expect(catalogued.subtracting(documented).isEmpty, "in the catalogue only: \(catalogued.subtracting(documented).sorted())")
        #expect(documented.subtracting(catalogued).isEmpty, "in openapi.yaml only: \(documented.subtracting(catalogued).sorted())")
    }

    @Test func everyUpstreamCodeIsDocumented() {
        let codes: [ErrorCode] = [
            .targetNotFound, .targetAccessDenied, .targetWrongKind, .upstreamWritePermissionMissing, .upstreamResourceNotAuthorized,
            .upstreamAuthenticationFailed, .upstreamRouteNotMatched, .upstreamResourceSubNotFound, .upstreamInternalError,
            .upstreamBadGateway, .upstreamUnavailable, .upstreamTimeout, .upstreamRateLimited, .upstreamUnreachable,
            .upstreamTLSFailed, .upstreamConnectionReset, .upstreamInvalidResponse, .upstreamRejected,
            .upstreamUnrecognizedResponse, .gatewayShuttingDown,
        ]
        for code in codes {
            #expect(Components.Schemas.ErrorCode(rawValue: code.rawValue) != nil, "\(code) is in openapi.yaml")
        }
        #expect(Set(NormalizationTable.rules.compactMap(\.normalization.code)).isSubset(of: Set(codes)))
    }
}

/// Health, readiness and metrics.
@Suite(.timeLimit(.minutes(2)))
struct OperationsTests {
    @Test func healthReadinessAndMetrics() async throws {
        try await withGateway { gateway in
            let health = try await gateway.client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            let ready = try await gateway.client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(String(buffer: ready.body).contains(#""segura_token":"ok""#))

            _ = try await gateway.post(structured())
            _ = try await gateway.post(structured(), as: nil)
            let metrics = String(buffer: try await gateway.client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"segura_gateway_requests_total{caller="servicenow",action="enable",outcome="applied",code="none"} 1"#))
            #expect(metrics.contains(#"segura_gateway_requests_total{caller="unknown",action="unknown",outcome="not_applied",code="missing_signature"} 1"#))
            #expect(metrics.contains("segura_gateway_request_duration_seconds_bucket"))
            #expect(metrics.contains("segura_gateway_upstream_duration_seconds_bucket"))
        }
    }
}
