import Foundation
import GatewayAPI
import GatewaySecurity
import GatewayStore
import HTTPTypes
import Logging
import OpenAPIRuntime
import SeguraClient

/// The operations of `openapi.yaml`. If the contract changes, this stops compiling until it matches.
struct APIImplementation: APIProtocol {
    let segura: SeguraClient
    let metrics: GatewayMetrics
    let ledger: DeliveryLedger
    let serializer: TargetSerializer
    /// Grant revocation and notification; `nil` without a store (the benchmark baseline).
    let grants: GrantRevoker?
    let logger: Logger

    func performAction(_ input: Operations.PerformAction.Input) async throws -> Operations.PerformAction.Output {
        guard let verified = VerifiedRequest.current, let admitted = AdmittedAction.current else {
            // The signature and admission middleware guard this route; reaching here without them is a wiring
            // defect, which must fail closed (nothing reaches Segura) without taking the process down.
            self.logger.critical("performAction ran without SignatureVerificationMiddleware and ActionAdmissionMiddleware; refusing the request")
            let builder = ActionResultBuilder(requestID: RequestID.current ?? RequestID.make(), request: nil, caller: nil, receivedAt: .now)
            let (status, result) = builder.problem(code: "internal_error", detail: "the request was not authenticated; nothing was done")
            return Self.output(status: status, result: result)
        }
        let processor = ActionProcessor(
            segura: self.segura, metrics: self.metrics, ledger: self.ledger, serializer: self.serializer, callbacks: self.grants?.callbacks, logger: self.logger
        )
        let outcome = try await processor.perform(admitted, verified: verified)
        return Self.output(status: outcome.status, result: outcome.result)
    }

    /// Maps a status and result onto the generated response cases.
    static func output(status: HTTPResponse.Status, result: Components.Schemas.ActionResult) -> Operations.PerformAction.Output {
        let problem = Components.Responses.Problem(headers: .init(xRequestId: result.requestId), body: .applicationProblemJson(result))
        switch status.code {
        case 200: return .ok(.init(headers: .init(xRequestId: result.requestId), body: .json(result)))
        case 400: return .badRequest(problem)
        case 401: return .unauthorized(problem)
        case 403: return .forbidden(problem)
        case 404: return .notFound(problem)
        case 405: return .methodNotAllowed(problem)
        case 409: return .conflict(problem)
        case 413: return .contentTooLarge(problem)
        case 415: return .unsupportedMediaType(problem)
        case 422: return .unprocessableContent(problem)
        case 502: return .badGateway(problem)
        case 503: return .serviceUnavailable(problem)
        case 504: return .gatewayTimeout(problem)
        default: return .internalServerError(problem)
        }
    }

    func getAction(_ input: Operations.GetAction.Input) async throws -> Operations.GetAction.Output {
        guard let verified = self.verifiedRequest(for: "getAction") else { return .internalServerError(self.unauthenticated()) }
        let requestID = verified.requestID
        // Scoped to the verified caller: another caller's id is indistinguishable from an unknown one.
        guard let stored = try await self.ledger.storedResult(requestID: input.path.requestId, caller: verified.caller.name) else {
            let (_, result) = ActionResultBuilder(requestID: requestID, request: nil, caller: verified.caller.name, receivedAt: verified.receivedAt)
                .problem(code: "action_not_found", detail: "no stored action \(excerpt(input.path.requestId)) for this caller")
            return .notFound(.init(headers: .init(xRequestId: requestID), body: .applicationProblemJson(result)))
        }
        return .ok(.init(headers: .init(xRequestId: requestID), body: .json(stored)))
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
    func unauthenticated() -> Components.Responses.Problem {
        let requestID = RequestID.current ?? RequestID.make()
        let (_, result) = ActionResultBuilder(requestID: requestID, request: nil, caller: nil, receivedAt: .now)
            .problem(code: "internal_error", detail: "the request was not authenticated; nothing was done")
        return Components.Responses.Problem(headers: .init(xRequestId: requestID), body: .applicationProblemJson(result))
    }

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        let readiness = await Self.readiness(of: self.segura)
        return readiness.status == .ready ? .ok(.init(body: .json(readiness))) : .serviceUnavailable(.init(body: .json(readiness)))
    }

    /// Whether the gateway can act: it can obtain a Segura token. Shared by this listener and the operations one.
    static func readiness(of segura: SeguraClient) async -> Components.Schemas.Readiness {
        let tokenProblem = await segura.accessTokenProblem()
        return Components.Schemas.Readiness(
            status: tokenProblem == nil ? .ready : .notReady,
            checks: .init(configuration: .ok, seguraToken: tokenProblem?.rawValue ?? "ok")
        )
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(self.metrics.render()))))
    }
}

/// Performs one admitted action on Segura and records its outcome.
struct ActionProcessor {
    let segura: SeguraClient
    let metrics: GatewayMetrics
    let ledger: DeliveryLedger
    let serializer: TargetSerializer
    let callbacks: CallbackEvents?
    let logger: Logger

    /// Acts and records the outcome under the target's lock, so the target's open grant read before acting is
    /// still the one the outcome changes, and a revocation of it runs wholly before or after.
    ///
    /// - Throws: only when the outcome cannot be recorded; the answer is then not sent (500 instead).
    func perform(_ admitted: AdmittedAction, verified: VerifiedRequest) async throws -> (status: HTTPResponse.Status, result: Components.Schemas.ActionResult) {
        let request = admitted.request
        var logger = self.logger
        logger[metadataKey: "request.id"] = "\(verified.requestID)"
        logger[metadataKey: "caller"] = "\(verified.caller.name)"
        logger[metadataKey: "action"] = "\(request.operation)"
        logger[metadataKey: "ticket"] = "\(request.ticket)"

        let (status, result) = try await self.serializer.withExclusiveAccess(
            to: .init(kind: request.kind, id: request.id), whileQueued: self.ledger.keepClaimAlive(admitted.deliveryKey, requestID: verified.requestID)
        ) {
            try await self.act(admitted, verified: verified)
        }
        let code = result.error?.code.rawValue ?? "none"
        self.metrics.recordRequest(
            caller: verified.caller.name, action: request.action.rawValue, outcome: result.outcome.rawValue, code: code,
            duration: ContinuousClock.now - verified.receivedAt
        )
        logger.info(
            "Action answered",
            metadata: ["http.status": "\(status.code)", "outcome": "\(result.outcome.rawValue)", "error.code": "\(code)", "attempts": "\(result.attempts)"]
        )
        return (status, result)
    }

    private func act(_ admitted: AdmittedAction, verified: VerifiedRequest) async throws -> (HTTPResponse.Status, Components.Schemas.ActionResult) {
        let request = admitted.request
        let builder = ActionResultBuilder(requestID: verified.requestID, request: request, caller: verified.caller.name, receivedAt: verified.receivedAt)
        let touchesGrant = request.action == .disable || request.duration != nil
        var openGrant = touchesGrant ? try await self.ledger.openGrant(for: request) : nil
        if request.action == .enable, request.duration != nil, openGrant == nil {
            // The grant this request would have opened with its claim was not opened (another was open then)
            // and that one has ended since: open it now, before acting, or nothing would revoke this enable.
            openGrant = try await self.ledger.ensureGrant(for: request, verified: verified)
        }
        var (status, result): (HTTPResponse.Status, Components.Schemas.ActionResult)
        var upstream: UpstreamFacts?
        var outcome = Outcome.unknown
        do {
            let segura = try await self.segura.perform(request.operation)
            self.metrics.recordUpstream(kind: request.kind.rawValue, action: request.action.rawValue, outcome: segura.outcome.rawValue, duration: segura.latency)
            (status, result) = builder.result(segura)
            upstream = segura.upstream
            outcome = segura.outcome
        } catch is CancellationError {
            // The client went away before Segura answered.
            (status, result) = builder.problem(code: "upstream_timeout", detail: "the request was cancelled before Segura answered", outcome: .unknown)
        }
        let planner = GrantPlanner(request: request, requestID: verified.requestID, maximumDuration: verified.caller.policy.maxDuration)
        let plan = planner.plan(outcome: outcome, openGrant: openGrant, now: Date())
        result.grant = plan.grant.map(Components.Schemas.Grant.init)
        var change: GrantChange?
        if let openGrant, let kind = plan.change {
            change = GrantChange(grantID: openGrant.id, kind: kind, event: Self.event(for: kind, grant: plan.grant ?? openGrant, verified: verified))
        }
        let transition = Self.transition(of: plan, requestID: verified.requestID)
        let callback = transition.flatMap { type, _ in plan.grant.flatMap { self.callbacks?.event(type, grant: $0) } }
        let changed = try await self.ledger.recordOutcome(
            verified, key: admitted.deliveryKey, request: request, status: status, result: result, upstream: upstream, grant: change, callback: callback
        )
        if let (_, decision) = transition, plan.change == nil || changed {
            self.metrics.recordGrantTransition(decision.rawValue)
        }
        return (status, result)
    }

    /// The audit record of a grant change made by a request.
    private static func event(for kind: GrantChange.Kind, grant: Grant, verified: VerifiedRequest) -> AuditEvent {
        let (decision, action): (AuditDecision, String) =
            switch kind {
            case .extend: (.grantExtended, "enable")
            case .cancel: (.grantCancelled, "enable")
            case .end: (.grantRevoked, "disable")
            }
        return AuditEvent(grant: grant, decision: decision, requestID: verified.requestID, caller: verified.caller.name, action: action, at: Date())
    }

    /// The callback event and audit decision of the grant transition a request made, if any: a grant it opened
    /// and whose enable happened (or may have), an extension, or an early end by a disable. A cancellation is
    /// audited but announces nothing: access never started.
    private static func transition(of plan: GrantPlanner.Plan, requestID: String) -> (Components.Schemas.GrantEvent._TypePayload, AuditDecision)? {
        guard let grant = plan.grant else { return nil }
        switch plan.change {
        case nil: return grant.requestID == requestID ? (.grant_created, .grantCreated) : nil
        case .extend?: return (.grant_extended, .grantExtended)
        case .end?: return (.grant_revoked, .grantRevoked)
        case .cancel?: return nil
        }
    }
}

extension Duration {
    /// Seconds as a `TimeInterval`, for `Date` arithmetic.
    var timeInterval: TimeInterval {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}
