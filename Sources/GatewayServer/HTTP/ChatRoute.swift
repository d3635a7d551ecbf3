import Foundation
import GatewayVocabulary
import Hummingbird
import Logging

/// `POST /v1/chat/slack`, `/v1/chat/teams` and `/v1/chat/mattermost`: the chat platforms' ingress of the
/// ``ChatService``. Each platform is configured with its route's URL; the signature middleware admits only that
/// platform's callers to it. And `POST /v1/chat/mattermost/actions`, where Mattermost posts clicks on the
/// gateway's buttons: no caller signs those, so the service proves each click itself.
struct ChatRoute: Sendable {
    let service: ChatService

    func register(on router: Router<GatewayRequestContext>) {
        for platform in ChatPlatformKind.allCases {
            router.post(RouterPath(platform.path)) { request, context in
                guard let verified = VerifiedRequest.current, let chat = verified.caller.chat, chat.platform == platform else {
                    // Reaching here without the middleware, or with another platform's caller, is a wiring defect,
                    // which must fail closed without taking the process down.
                    context.logger.critical("\(platform.path) ran without a verified caller of its platform; refusing the request")
                    let builder = ActionResultBuilder(requestID: RequestID.current ?? RequestID.make(), request: nil, caller: nil, receivedAt: .now)
                    return builder.problem(code: .internalError, detail: "the request was not authenticated; nothing was done").response()
                }
                let answer = await self.service.handle(verified, chat: chat, contentType: request.headers[.contentType] ?? "", logger: context.logger)
                return Self.response(answer, requestID: verified.requestID)
            }
        }
        router.post(RouterPath(MattermostActions.path)) { request, context in
            let receivedAt = ContinuousClock.now
            let receivedDate = Date()
            let requestID = RequestID.current ?? RequestID.make()
            var request = request
            // The signature middleware has read the body within the gateway's limit already; this takes it back.
            let body = Array(buffer: try await request.collectBody(upTo: context.maxUploadSize))
            let answer = await self.service.handleClick(
                body: body, contentType: request.headers[.contentType] ?? "", requestID: requestID, receivedAt: receivedAt, receivedDate: receivedDate,
                logger: context.logger
            )
            return Self.response(answer, requestID: requestID)
        }
    }

    private static func response(_ answer: ChatService.Answer, requestID: String) -> Response {
        switch answer {
        case .message(let body):
            return Response(status: .ok, headers: [.contentType: "application/json", .xRequestID: requestID], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        case .acknowledged:
            // An empty body, labelled so the answer still has a documented media type (openapi.yaml).
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .xRequestID: requestID])
        case .problem(let result):
            // Refused for load: the platform (or a person) may send again in a second.
            return result.response(retryAfter: result.failure?.code == .gatewayOverloaded ? .seconds(1) : nil)
        }
    }
}
