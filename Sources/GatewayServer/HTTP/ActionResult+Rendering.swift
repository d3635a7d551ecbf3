import Foundation
import GatewayAPI
import GatewayStore
import HTTPTypes
import Hummingbird
import NIOCore
import SeguraClient

/// Builds the one response schema, `ActionResult`, for every outcome.
struct ActionResultBuilder {
    var requestID: String
    var request: ActionRequest?
    var caller: String?
    var receivedAt: ContinuousClock.Instant

    /// A success or upstream-failure answer from a Segura result.
    func result(_ segura: SeguraResult) -> (HTTPResponse.Status, Components.Schemas.ActionResult) {
        guard let failure = segura.failure else {
            return (.ok, self.base(outcome: segura.outcome, attempts: segura.attempts))
        }
        let upstream = Components.Schemas.UpstreamFacts(
            source: .init(rawValue: segura.upstream.source.rawValue) ?? .unknown,
            httpStatus: segura.upstream.httpStatus,
            seguraCode: segura.upstream.seguraCode,
            message: segura.upstream.message
        )
        return self.problem(
            code: failure.code.rawValue,
            detail: failure.message,
            outcome: segura.outcome,
            retryable: failure.retryable,
            upstream: upstream,
            attempts: segura.attempts
        )
    }

    /// A success answered without asking Segura (the target was already so).
    func success(outcome: Outcome) -> (HTTPResponse.Status, Components.Schemas.ActionResult) {
        (.ok, self.base(outcome: outcome, attempts: 0))
    }

    /// A failure answer: RFC 9457 members plus the stable `error` object.
    func problem(
        code: String,
        detail: String,
        outcome: Outcome = .notApplied,
        retryable: Bool? = nil,
        upstream: Components.Schemas.UpstreamFacts? = nil,
        attempts: Int = 0
    ) -> (HTTPResponse.Status, Components.Schemas.ActionResult) {
        let entry = ErrorCatalogue.entry(for: code)
        let documentedCode = Components.Schemas.ErrorCode(rawValue: code) ?? .internalError
        var result = self.base(outcome: outcome, attempts: attempts)
        result.error = .init(code: documentedCode, message: detail, retryable: retryable ?? entry.retryable, upstream: upstream)
        result._type = "tag:segura-gateway,2026:error:\(documentedCode.rawValue)"
        result.title = entry.title
        result.status = entry.status.code
        result.detail = detail
        return (entry.status, result)
    }

    private func base(outcome: Outcome, attempts: Int) -> Components.Schemas.ActionResult {
        let elapsed = ContinuousClock.now - self.receivedAt
        return Components.Schemas.ActionResult(
            requestId: self.requestID,
            action: self.request.flatMap { .init(rawValue: $0.action.rawValue) },
            target: self.request.map { .init(kind: .init(rawValue: $0.kind.rawValue)!, id: Int64($0.id)) },
            ticket: self.request?.ticket,
            caller: self.caller,
            outcome: .init(rawValue: outcome.rawValue)!,
            attempts: attempts,
            latencyMs: (Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15).rounded(toPlaces: 3)
        )
    }
}

extension Double {
    fileprivate func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}

extension Components.Schemas.ActionResult {
    /// This result as a Hummingbird response, for answers given before the OpenAPI handler runs.
    func response(status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = self.contentType(for: status)
        headers[.xRequestID] = self.requestId
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.encoded())))
    }

    /// The JSON bytes of this result, keys sorted.
    func encoded() -> Data {
        // Every member is a string, number, boolean or nested object of those: encoding cannot fail.
        (try? JSONEncoder.gateway.encode(self)) ?? Data()
    }

    /// `application/json` for a success, `application/problem+json` (RFC 9457) for anything else.
    func contentType(for status: HTTPResponse.Status) -> String {
        status == .ok ? "application/json" : "application/problem+json"
    }
}

extension StoredResponse {
    /// The stored answer of a repeated delivery, byte for byte, marked `Idempotent-Replayed: true`.
    func replayResponse() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = self.contentType
        headers[.xRequestID] = self.requestID
        headers[.idempotentReplayed] = "true"
        return Response(status: .init(code: self.statusCode), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.body)))
    }
}

extension JSONEncoder {
    /// Sorted keys, so answers are stable byte for byte (handy for replays and tests).
    static let gateway: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

extension HTTPField.Name {
    /// `X-Request-Id`: the gateway's request id.
    static let xRequestID = HTTPField.Name("X-Request-Id")!
    /// `Idempotent-Replayed: true` marks an answer replayed from the store for a repeated delivery.
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
