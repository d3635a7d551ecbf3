import Foundation
import GatewaySecurity
import GatewayStore
import GatewayVocabulary
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Authenticates every request under `/v1/` before anything parses its body.
///
/// 1. Refuses a body over the limit with 413, from `Content-Length` before reading, or while reading.
/// 2. Collects the raw bytes (Hummingbird puts them back for the OpenAPI handler).
/// 3. Finds the caller whose signature verifies over those exact bytes, trying each configured caller
///    whose scheme's headers are present. Failures answer 401 (400 for a malformed timestamp) with a
///    stable code; the computed MAC is never echoed and nothing tells which secret was close.
/// 4. Hands the caller, the delivery and the raw body on in ``VerifiedRequest/current``.
///
/// Any request other than `POST /v1/actions` is signed over ``RequestBinding``'s canonical string (method,
/// path and query, then the body), so a signature authorizes only the request it was made for; and only a
/// scheme with a signed timestamp may make such requests, so a captured one expires with the tolerance.
///
/// A chat platform's route (`POST /v1/chat/<platform>`) is signed as the platform signs, over the body alone,
/// and only the callers of that platform are tried there; a chat caller is never tried on any other route, so
/// its people can reach the gateway only through their platform's commands.
///
/// `POST /v1/chat/mattermost/actions` alone passes with its body read (and limited) but no caller verified:
/// Mattermost signs no button click, so its route proves each one with the keys of the approval it names
/// (``MattermostClickVerifier``).
struct SignatureVerificationMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    /// The paths that need a signature; health, readiness and metrics stay open for probes and scrapers.
    static let signedPathPrefix = "/v1/"

    let maxBodyBytes: Int
    let refusals: Refusals
    /// The API callers, tried on every signed route but the chat ones.
    private let apiCallers: [GatewayConfiguration.Caller]
    /// Each platform's callers, tried on its route only.
    private let chatCallers: [ChatPlatformKind: [GatewayConfiguration.Caller]]

    init(callers: [GatewayConfiguration.Caller], maxBodyBytes: Int, refusals: Refusals) {
        self.maxBodyBytes = maxBodyBytes
        self.refusals = refusals
        self.apiCallers = callers.filter { $0.chat == nil }
        self.chatCallers = Dictionary(grouping: callers.compactMap { caller in caller.chat.map { ($0.platform, caller) } }, by: \.0).mapValues { $0.map(\.1) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix(Self.signedPathPrefix) else { return try await next(request, context) }
        let receivedAt = ContinuousClock.now
        let receivedDate = Date()
        let requestID = RequestID.current ?? RequestID.make()
        var builder = ActionResultBuilder(requestID: requestID, request: nil, caller: nil, receivedAt: receivedAt)
        let refuse = { (code: ErrorCode, detail: String, builder: ActionResultBuilder) async -> Response in
            await self.refusals.refuse(builder.problem(code: code, detail: detail), deliveryID: nil, receivedDate: receivedDate, logger: context.logger)
                .response()
        }

        if let length = request.headers[.contentLength].flatMap(Int.init), length > self.maxBodyBytes {
            return await refuse(.payloadTooLarge, "the body is \(length) bytes; the limit is \(self.maxBodyBytes)", builder)
        }
        var request = request
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.collectBody(upTo: self.maxBodyBytes))
        } catch is NIOTooManyBytesError {
            return await refuse(.payloadTooLarge, "the body is larger than \(self.maxBodyBytes) bytes", builder)
        }

        let path = request.uri.path
        if request.method == .post, path == MattermostActions.path {
            return try await next(request, context)
        }
        let platform = request.method == .post ? ChatPlatformKind.routed(at: path) : nil
        let signsBodyAlone = platform != nil || RequestBinding.signsBodyAlone(method: request.method.rawValue, path: path)
        let signed = signsBodyAlone
            ? body : RequestBinding.message(method: request.method.rawValue, target: path + (request.uri.query.map { "?" + $0 } ?? ""), body: body)
        let caller: GatewayConfiguration.Caller
        let delivery: VerifiedDelivery
        let candidates = platform.map { self.chatCallers[$0] ?? [] } ?? self.apiCallers
        switch self.identify(among: candidates, headerFields: request.headers, body: signed) {
        case .success(let match): (caller, delivery) = match
        case .failure(let error): return await refuse(error.code, error.explanation, builder)
        }
        builder.caller = caller.name
        guard signsBodyAlone || caller.verifier.scheme.signsTimestamp else {
            return await refuse(
                .readNotAllowed,
                "\(caller.verifier.scheme.rawValue) signs no timestamp, so a captured signature would stay valid for ever; "
                    + "only callers whose scheme signs one (standard-webhooks, slack-v0) may read or revoke",
                builder
            )
        }
        let idempotencyKey: String?
        do {
            // Only a signed request's Idempotency-Key is looked at, and for every scheme alike.
            idempotencyKey = try CallerVerifier.idempotencyKey(from: request.headers)
        } catch {
            return await refuse(error.code, error.explanation, builder)
        }
        var logger = context.logger
        logger[metadataKey: "caller"] = "\(caller.name)"
        let verified = VerifiedRequest(
            requestID: requestID,
            caller: caller,
            delivery: delivery,
            body: body,
            deliveryID: idempotencyKey ?? delivery.deliveryID ?? delivery.signatureDigest,
            receivedAt: receivedAt,
            receivedDate: receivedDate
        )
        var context = context
        context.logger = logger
        return try await VerifiedRequest.$current.withValue(verified) {
            try await next(request, context)
        }
    }

    /// The first caller whose signature verifies. When none does, the error of the callers whose
    /// headers were present: theirs if they agree, otherwise `signature_mismatch`.
    private func identify(
        among callers: [GatewayConfiguration.Caller], headerFields: HTTPFields, body: [UInt8]
    ) -> Result<(GatewayConfiguration.Caller, VerifiedDelivery), SignatureError> {
        let now = Date()
        var failures: [SignatureError] = []
        for caller in callers {
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
