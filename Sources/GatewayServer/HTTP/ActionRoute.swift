import GatewayVocabulary
import Hummingbird
import Logging

/// `POST /v1/actions` over HTTP: the JSON ingress of the ``ActionService``.
///
/// Served by a plain Hummingbird route rather than the generated server, so the body the signature covered is
/// decoded once, by ``ActionRequestDecoder`` (which checks every constraint `openapi.yaml` states, and names the
/// field that breaks one), and the answer encoded once. Schemathesis and the contract tests check that what
/// this route answers conforms to `openapi.yaml`.
struct ActionRoute: Sendable {
    static let path = "/v1/actions"

    let service: ActionService

    func register(on router: Router<GatewayRequestContext>) {
        router.post(RouterPath(Self.path)) { request, context in
            guard let verified = VerifiedRequest.current else {
                // The signature middleware guards this route; reaching here without it is a wiring defect, which
                // must fail closed (nothing reaches Segura) without taking the process down.
                context.logger.critical("POST /v1/actions ran without SignatureVerificationMiddleware; refusing the request")
                let builder = ActionResultBuilder(requestID: RequestID.current ?? RequestID.make(), request: nil, caller: nil, receivedAt: .now)
                return builder.problem(code: .internalError, detail: "the request was not authenticated; nothing was done").response()
            }
            let contentType = request.headers[.contentType] ?? ""
            let answer = await self.service.perform(verified, read: { verified throws(RequestValidationError) in
                guard Self.isJSON(contentType) else {
                    throw RequestValidationError(code: .unsupportedMediaType, message: "Content-Type must be application/json, found '\(excerpt(contentType))'")
                }
                return try ActionRequestDecoder.decode(verified.body)
            }, logger: context.logger)
            return answer.response()
        }
    }

    /// `application/json` or any `application/…+json`, parameters allowed, in any case.
    static func isJSON(_ contentType: String) -> Bool {
        // On the bytes: walking the header by `Character` costs more than the rest of this route's own work.
        let mediaType = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = mediaType.firstIndex(where: { !isSpace($0) }), let last = mediaType.lastIndex(where: { !isSpace($0) }) else { return false }
        let type = String(decoding: mediaType[first...last], as: UTF8.self).lowercased()
        return type == "application/json" || type.hasPrefix("application/") && type.hasSuffix("+json")
    }
}
