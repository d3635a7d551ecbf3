import Foundation
import GatewaySecurity
import GatewayStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Authenticates `POST /v1/actions` before anything parses the body.
///
/// 1. Refuses a body over the limit with 413, from `Content-Length` before reading, or while reading.
/// 2. Collects the raw bytes (Hummingbird puts them back for the OpenAPI handler).
/// 3. Finds the caller whose signature verifies over those exact bytes, trying each configured caller
///    whose scheme's headers are present. Failures answer 401 (400 for a malformed timestamp) with a
///    stable code; the computed MAC is never echoed and nothing tells which secret was close.
/// 4. Hands the caller, the delivery and the raw body to the handler in ``VerifiedRequest/current``.
struct SignatureVerificationMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let callers: [GatewayConfiguration.Caller]
    let maxBodyBytes: Int
    let metrics: GatewayMetrics
    let ledger: DeliveryLedger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path == "/v1/actions", request.method == .post else { return try await next(request, context) }
        let receivedAt = ContinuousClock.now
        let requestID = RequestID.current ?? RequestID.make()
        let receivedDate = Date()
        var builder = ActionResultBuilder(requestID: requestID, request: nil, caller: nil, receivedAt: receivedAt)
        let refuse = { (code: String, detail: String, caller: String?, deliveryID: String?) async throws -> Response in
            var builder = builder
            builder.caller = caller
            let (status, result) = builder.problem(code: code, detail: detail)
            self.metrics.recordRequest(caller: caller ?? "unknown", action: "unknown", outcome: "not_applied", code: code, duration: ContinuousClock.now - receivedAt)
            context.logger.notice("Refused a request before acting", metadata: ["error.code": "\(code)"])
            let decision: AuditDecision = caller == nil
                ? .rejectedSignature : (status == .conflict || code == "idempotency_key_reused" ? .rejectedConflict : .rejectedInput)
            try await self.ledger.audit(decision, requestID: requestID, deliveryID: deliveryID, caller: caller, result: result, receivedAt: receivedDate)
            return result.response(status: status)
        }

        if let length = request.headers[.contentLength].flatMap(Int.init), length > self.maxBodyBytes {
            return try await refuse("payload_too_large", "the body is \(length) bytes; the limit is \(self.maxBodyBytes)", nil, nil)
        }
        var request = request
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.collectBody(upTo: self.maxBodyBytes))
        } catch is NIOTooManyBytesError {
            return try await refuse("payload_too_large", "the body is larger than \(self.maxBodyBytes) bytes", nil, nil)
        }

        let verified: (GatewayConfiguration.Caller, VerifiedDelivery)
        switch self.identify(headerFields: request.headers, body: body) {
        case .success(let match): verified = match
        case .failure(let error): return try await refuse(error.code, error.explanationForSender, nil, nil)
        }
        let caller = verified.0
        let idempotencyKey: String?
        do {
            // Only a signed request's Idempotency-Key is looked at, and for every scheme alike.
            idempotencyKey = try CallerVerifier.idempotencyKey(from: request.headers)
        } catch {
            return try await refuse(error.code, error.explanationForSender, caller.name, nil)
        }
        let deliveryID = idempotencyKey ?? verified.1.deliveryID ?? verified.1.signatureDigest
        builder.caller = caller.name
        let deliveryKey: DeliveryKey?
        switch try await self.ledger.claim(caller: caller.name, deliveryID: deliveryID, body: body, requestID: requestID) {
        case .act(let key):
            deliveryKey = key
        case .refuse(let code, let detail):
            return try await refuse(code, detail, caller.name, deliveryID)
        case .replay(let stored):
            try await self.ledger.audit(.replayed, requestID: requestID, deliveryID: deliveryID, caller: caller.name, receivedAt: receivedDate)
            self.metrics.recordRequest(caller: caller.name, action: "unknown", outcome: "replayed", code: "none", duration: ContinuousClock.now - receivedAt)
            var headers = HTTPFields()
            headers[.contentType] = stored.contentType
            headers[.xRequestID] = stored.requestID
            headers[.idempotentReplayed] = "true"
            return Response(status: .init(code: stored.statusCode), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored.body)))
        }
        let scope = VerifiedRequest(
            requestID: requestID, caller: caller, delivery: verified.1, body: body, deliveryID: deliveryID, deliveryKey: deliveryKey, receivedAt: receivedAt
        )
        return try await VerifiedRequest.$current.withValue(scope) {
            try await next(request, context)
        }
    }

    /// The first caller whose signature verifies. When none does, the error of the callers whose
    /// headers were present: theirs if they agree, otherwise `signature_mismatch`.
    private func identify(headerFields: HTTPFields, body: [UInt8]) -> Result<(GatewayConfiguration.Caller, VerifiedDelivery), SignatureError> {
        let now = Date()
        var failures: [SignatureError] = []
        for caller in self.callers {
            do {
                return .success((caller, try caller.verifier.verify(headerFields: headerFields, body: body, now: now)))
            } catch {
                if error != .missingSignature { failures.append(error) }
            }
        }
        guard let first = failures.first else { return .failure(.missingSignature) }
        return .failure(failures.allSatisfy { $0 == first } ? first : .signatureMismatch)
    }
}

extension HTTPField.Name {
    /// `Idempotent-Replayed: true` marks an answer replayed from the store for a repeated delivery.
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

extension SignatureError {
    /// What the sender is told: the rule that failed, never a MAC, a secret or which secret was close.
    var explanationForSender: String {
        switch self.code {
        case "missing_signature": return "no signature header of a configured scheme was found"
        case "malformed_signature": return "the signature header could not be parsed"
        case "malformed_timestamp": return "the signature timestamp is not a whole number of Unix seconds"
        case "stale_timestamp": return "the signature timestamp is outside the allowed window (too old)"
        case "future_timestamp": return "the signature timestamp is outside the allowed window (in the future)"
        case "duplicate_header": return "a signature or delivery header appears more than once"
        case "malformed_delivery_id": return "the delivery id header is malformed"
        case "malformed_idempotency_key": return "Idempotency-Key must be an RFC 8941 string, such as \"8e03978e\""
        default: return "the signature does not match the body"
        }
    }
}

/// Gives every request an id before anything else runs, and puts it in the logger's metadata.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = RequestID.make()
        var context = context
        context.logger[metadataKey: "request.id"] = "\(requestID)"
        var response = try await RequestID.$current.withValue(requestID) {
            try await next(request, context)
        }
        // A replayed answer keeps the original request's id, like the rest of its stored bytes.
        if response.headers[.xRequestID] == nil {
            response.headers[.xRequestID] = requestID
        }
        return response
    }
}

/// Answers 405 with `Allow` for a method a documented path does not take, instead of the router's 404,
/// so senders learn the request was wrong rather than the URL. `/v1/actions` answers in the problem schema.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    /// The one method each documented path takes (openapi.yaml).
    static let allowed: [String: HTTPRequest.Method] = ["/v1/actions": .post, "/healthz": .get, "/readyz": .get, "/metrics": .get]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let method = Self.allowed[request.uri.path], request.method != method, !(method == .get && request.method == .head) else {
            return try await next(request, context)
        }
        var response: Response
        if request.uri.path == "/v1/actions" {
            let builder = ActionResultBuilder(requestID: RequestID.current ?? RequestID.make(), request: nil, caller: nil, receivedAt: .now)
            let (status, result) = builder.problem(code: "method_not_allowed", detail: "\(request.uri.path) takes \(method.rawValue) only")
            response = result.response(status: status)
        } else {
            response = Response(status: .methodNotAllowed)
        }
        response.headers[.allow] = method.rawValue
        return response
    }
}
