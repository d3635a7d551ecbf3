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
    let logger: Logger

    func performAction(_ input: Operations.PerformAction.Input) async throws -> Operations.PerformAction.Output {
        guard let verified = VerifiedRequest.current else {
            // The signature middleware guards this route; reaching here without it is a wiring defect, which
            // must fail closed (nothing reaches Segura) without taking the process down.
            self.logger.critical("performAction ran without SignatureVerificationMiddleware; refusing the request")
            let builder = ActionResultBuilder(requestID: RequestID.current ?? RequestID.make(), request: nil, caller: nil, receivedAt: .now)
            let (status, result) = builder.problem(code: "internal_error", detail: "the request was not authenticated; nothing was done")
            return Self.output(status: status, result: result)
        }
        let outcome = try await ActionProcessor(segura: self.segura, metrics: self.metrics, ledger: self.ledger, logger: self.logger).process(verified)
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

/// Validates, authorizes and performs one verified action request.
struct ActionProcessor {
    let segura: SeguraClient
    let metrics: GatewayMetrics
    let ledger: DeliveryLedger
    let logger: Logger

    /// - Throws: only when an audit record cannot be written; then nothing more is done for the request.
    func process(_ verified: VerifiedRequest) async throws -> (status: HTTPResponse.Status, result: Components.Schemas.ActionResult) {
        let receivedDate = Date() - (ContinuousClock.now - verified.receivedAt).timeInterval
        var builder = ActionResultBuilder(requestID: verified.requestID, request: nil, caller: verified.caller.name, receivedAt: verified.receivedAt)
        var logger = self.logger
        logger[metadataKey: "request.id"] = "\(verified.requestID)"
        logger[metadataKey: "caller"] = "\(verified.caller.name)"

        let answer: (HTTPResponse.Status, Components.Schemas.ActionResult)
        do {
            let request = try ActionRequestDecoder.decode(verified.body)
            builder.request = request
            logger[metadataKey: "action"] = "\(request.operation)"
            logger[metadataKey: "ticket"] = "\(request.ticket)"
            try verified.caller.policy.evaluate(
                action: request.action, kind: request.kind, id: request.id, ticket: request.ticket, duration: request.duration
            )
            // Durable before acting: an accepted request is on record even if the process dies mid-call.
            try await self.ledger.audit(
                .accepted, requestID: verified.requestID, deliveryID: verified.deliveryID, caller: verified.caller.name, request: request, receivedAt: receivedDate
            )
            let result = try await self.segura.perform(request.operation)
            self.metrics.recordUpstream(
                kind: request.kind.rawValue, action: request.action.rawValue, outcome: result.outcome.rawValue, duration: result.latency
            )
            answer = builder.result(result)
        } catch let error as RequestValidationError {
            answer = builder.problem(code: error.code, detail: error.message)
        } catch let violation as PolicyViolation {
            answer = builder.problem(code: violation.code, detail: violation.message)
        } catch is CancellationError {
            // The client went away before Segura answered.
            answer = builder.problem(code: "upstream_timeout", detail: "the request was cancelled before Segura answered", outcome: .unknown)
        }
        let (status, result) = answer
        try await self.ledger.audit(
            DeliveryLedger.decision(for: result), requestID: verified.requestID, deliveryID: verified.deliveryID,
            caller: verified.caller.name, request: builder.request, result: result, receivedAt: receivedDate
        )
        await self.ledger.finish(key: verified.deliveryKey, status: status, result: result)
        let code = result.error?.code.rawValue ?? "none"
        self.metrics.recordRequest(
            caller: verified.caller.name,
            action: result.action?.rawValue ?? "unknown",
            outcome: result.outcome.rawValue,
            code: code,
            duration: ContinuousClock.now - verified.receivedAt
        )
        logger.info(
            "Action answered",
            metadata: ["http.status": "\(status.code)", "outcome": "\(result.outcome.rawValue)", "error.code": "\(code)", "attempts": "\(result.attempts)"]
        )
        return answer
    }
}

extension Duration {
    /// Seconds as a `TimeInterval`, for `Date` arithmetic.
    var timeInterval: TimeInterval {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}
