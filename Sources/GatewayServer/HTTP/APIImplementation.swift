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
        let processor = ActionProcessor(segura: self.segura, metrics: self.metrics, ledger: self.ledger, serializer: self.serializer, logger: self.logger)
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
        let requestID = RequestID.current ?? RequestID.make()
        guard let verified = VerifiedRequest.current else {
            self.logger.critical("getAction ran without SignatureVerificationMiddleware; refusing the request")
            let (_, result) = ActionResultBuilder(requestID: requestID, request: nil, caller: nil, receivedAt: .now)
                .problem(code: "internal_error", detail: "the request was not authenticated; nothing was read")
            return .internalServerError(.init(headers: .init(xRequestId: requestID), body: .applicationProblemJson(result)))
        }
        // Scoped to the verified caller: another caller's id is indistinguishable from an unknown one.
        guard let stored = try await self.ledger.storedResult(requestID: input.path.requestId, caller: verified.caller.name) else {
            let (_, result) = ActionResultBuilder(requestID: requestID, request: nil, caller: verified.caller.name, receivedAt: verified.receivedAt)
                .problem(code: "action_not_found", detail: "no stored action \(excerpt(input.path.requestId)) for this caller")
            return .notFound(.init(headers: .init(xRequestId: requestID), body: .applicationProblemJson(result)))
        }
        return .ok(.init(headers: .init(xRequestId: requestID), body: .json(stored)))
    }

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        let tokenProblem = await self.segura.accessTokenProblem()
        let readiness = Components.Schemas.Readiness(
            status: tokenProblem == nil ? .ready : .notReady,
            checks: .init(configuration: .ok, seguraToken: tokenProblem?.rawValue ?? "ok")
        )
        return tokenProblem == nil ? .ok(.init(body: .json(readiness))) : .serviceUnavailable(.init(body: .json(readiness)))
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
    let logger: Logger

    /// - Throws: only when the outcome cannot be recorded; the answer is then not sent (500 instead).
    func perform(_ admitted: AdmittedAction, verified: VerifiedRequest) async throws -> (status: HTTPResponse.Status, result: Components.Schemas.ActionResult) {
        let request = admitted.request
        let builder = ActionResultBuilder(requestID: verified.requestID, request: request, caller: verified.caller.name, receivedAt: verified.receivedAt)
        var logger = self.logger
        logger[metadataKey: "request.id"] = "\(verified.requestID)"
        logger[metadataKey: "caller"] = "\(verified.caller.name)"
        logger[metadataKey: "action"] = "\(request.operation)"
        logger[metadataKey: "ticket"] = "\(request.ticket)"

        let (status, result): (HTTPResponse.Status, Components.Schemas.ActionResult)
        var upstream: UpstreamFacts?
        do {
            let segura = try await self.serializer.withExclusiveAccess(to: .init(kind: request.kind, id: request.id)) {
                try await self.segura.perform(request.operation)
            }
            self.metrics.recordUpstream(kind: request.kind.rawValue, action: request.action.rawValue, outcome: segura.outcome.rawValue, duration: segura.latency)
            (status, result) = builder.result(segura)
            upstream = segura.upstream
        } catch is CancellationError {
            // The client went away before Segura answered.
            (status, result) = builder.problem(code: "upstream_timeout", detail: "the request was cancelled before Segura answered", outcome: .unknown)
        }
        try await self.ledger.recordOutcome(verified, key: admitted.deliveryKey, request: request, status: status, result: result, upstream: upstream)
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
}

extension Duration {
    /// Seconds as a `TimeInterval`, for `Date` arithmetic.
    var timeInterval: TimeInterval {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}
