import Foundation
import GatewayAPI
import GatewaySecurity
import GatewayStore
import GatewayVocabulary
import HTTPTypes
import Logging
import OpenAPIRuntime
import SeguraClient

/// The operations of `openapi.yaml` served through the generated server: every one but `POST /v1/actions`,
/// which ``ActionRoute`` serves (its body is read once, by the action service). If the contract changes, this
/// stops compiling until it matches.
struct APIImplementation: APIProtocol {
    let segura: SeguraClient
    let metrics: GatewayMetrics
    let ledger: DeliveryLedger
    /// Grant lookups and revocation.
    let grants: GrantRevoker
    /// Approval lookups and decisions.
    let approvals: ApprovalDesk
    /// Records the requests these routes refuse, as every route does.
    let refusals: Refusals
    let logger: Logger
    /// Decodes the gateway's own JSON into the generated types: stored answers for `GET /v1/actions/{request_id}`,
    /// and approval requests. One, configured once: it keeps no state between calls.
    static let decoder = JSONDecoder()

    func getAction(_ input: Operations.GetAction.Input) async throws -> Operations.GetAction.Output {
        guard let verified = self.verifiedRequest(for: "getAction") else { return .internalServerError(try self.unauthenticated()) }
        let requestID = verified.requestID
        // Scoped to the verified caller: another caller's id is indistinguishable from an unknown one.
        guard let stored = try await self.ledger.storedResponse(requestID: input.path.requestId, caller: verified.caller.name) else {
            return .notFound(try self.problem(verified, code: .actionNotFound, detail: "no stored action \(excerpt(input.path.requestId)) for this caller"))
        }
        return .ok(.init(headers: .init(xRequestId: requestID), body: .json(try Self.decoder.decode(Components.Schemas.ActionResult.self, from: stored.body))))
    }

    /// The verified request of a signed route. `nil` means the route ran without
    /// ``SignatureVerificationMiddleware``: a wiring defect, logged, that must fail closed.
    func verifiedRequest(for operation: String) -> VerifiedRequest? {
        guard let verified = VerifiedRequest.current else {
            self.logger.critical("\(operation) ran without SignatureVerificationMiddleware; refusing the request")
            return nil
        }
        return verified
    }

    /// The 500 answer of a request that reached a handler unauthenticated.
    func unauthenticated() throws -> Components.Responses.Problem {
        let requestID = RequestID.current ?? RequestID.make()
        return try Components.Responses.Problem(
            ActionResultBuilder(requestID: requestID, request: nil, caller: nil, receivedAt: .now)
                .problem(code: .internalError, detail: "the request was not authenticated; nothing was done")
        )
    }

    /// A problem answer for a verified caller.
    func problem(_ verified: VerifiedRequest, code: ErrorCode, detail: String) throws -> Components.Responses.Problem {
        try Components.Responses.Problem(
            ActionResultBuilder(requestID: verified.requestID, request: nil, caller: verified.caller.name, receivedAt: verified.receivedAt)
                .problem(code: code, detail: detail)
        )
    }

    /// A list route's `limit`: 100 unless given, `nil` outside 1–500. The generated server does not check the
    /// schema's bounds, and an unbounded list would read the whole store.
    static func listLimit(_ requested: Int?) -> Int? {
        let limit = requested ?? 100
        return (1...500).contains(limit) ? limit : nil
    }

    /// The 422 answer to a `limit` that ``listLimit(_:)`` refused.
    func limitProblem(_ verified: VerifiedRequest) throws -> Components.Responses.Problem {
        try self.problem(verified, code: .invalidRequest, detail: "limit must be between 1 and 500")
    }

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        let readiness = await Self.readiness(of: self.segura, store: self.ledger.store)
        return readiness.status == .ready ? .ok(.init(body: .json(readiness))) : .serviceUnavailable(.init(body: .json(readiness)))
    }

    /// Whether the gateway can act: it can obtain a Segura token and read its store (a database shared by replicas
    /// can be out of reach while the process runs). Shared by this listener and the operations one.
    static func readiness(of segura: SeguraClient, store: any GatewayStore) async -> Components.Schemas.Readiness {
        async let tokenProblem = segura.accessTokenProblem()
        let storeReachable = (try? await store.auditHead()) != nil
        let tokenCode = await tokenProblem
        return Components.Schemas.Readiness(
            status: tokenCode == nil && storeReachable ? .ready : .notReady,
            checks: .init(configuration: .ok, seguraToken: tokenCode?.rawValue ?? "ok", store: storeReachable ? "ok" : ErrorCode.storeUnavailable.rawValue)
        )
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(self.metrics.render()))))
    }
}

extension Duration {
    /// Seconds as a `TimeInterval`, for `Date` arithmetic.
    var timeInterval: TimeInterval {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}

extension Components.Schemas.ActionResult {
    /// The generated type's view of an answer, for the routes the generated server serves; decoded from the
    /// answer's own JSON, so there is one rendering of a result.
    init(_ result: ActionResult) throws {
        self = try APIImplementation.decodeResult(result.json())
    }
}

extension Components.Responses.Problem {
    /// The problem answer carrying `result`, with its request id in `X-Request-Id`.
    init(_ result: Components.Schemas.ActionResult) {
        self.init(headers: .init(xRequestId: result.requestId), body: .applicationProblemJson(result))
    }

    /// The problem answer of a failure, as the generated server sends it.
    init(_ result: ActionResult) throws {
        self.init(try Components.Schemas.ActionResult(result))
    }
}

extension APIImplementation {
    static func decodeResult(_ json: [UInt8]) throws -> Components.Schemas.ActionResult {
        try Self.decoder.decode(Components.Schemas.ActionResult.self, from: Data(json))
    }
}
