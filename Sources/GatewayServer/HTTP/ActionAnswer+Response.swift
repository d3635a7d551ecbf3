import HTTPTypes
import Hummingbird
import NIOCore

extension ActionAnswer {
    /// This answer as a Hummingbird response: `X-Request-Id`, `Idempotent-Replayed: true` on a replay, and
    /// `Retry-After` in whole seconds (at least 1) when the sender should wait.
    func response() -> Response {
        var headers = HTTPFields()
        headers.reserveCapacity(4)
        headers[.contentType] = self.contentType
        headers[.xRequestID] = self.requestID
        if self.isReplay {
            headers[.idempotentReplayed] = "true"
        }
        if let retryAfter = self.retryAfter {
            let seconds = retryAfter.components.seconds + (retryAfter.components.attoseconds > 0 ? 1 : 0)
            headers[.retryAfter] = String(max(1, seconds))
        }
        return Response(status: .init(code: self.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.body)))
    }
}

extension ActionResult {
    /// This result as a Hummingbird response, for answers given outside the action service.
    func response(retryAfter: Duration? = nil) -> Response {
        ActionAnswer(self, retryAfter: retryAfter).response()
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: the gateway's request id.
    static let xRequestID = HTTPField.Name("X-Request-Id")!
    /// `Idempotent-Replayed: true` marks an answer replayed from the store for a repeated delivery.
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
