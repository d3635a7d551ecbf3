import GatewayStore
import GatewayVocabulary

/// What the action service answers, for an ingress adapter to put on its transport.
struct ActionAnswer: Sendable {
    /// The HTTP status of the answer (the adapter for a chat platform maps it to its own message).
    var status: Int
    /// `application/json` or `application/problem+json`.
    var contentType: String
    /// The answer's JSON, exactly as stored for repeats when it was stored.
    var body: [UInt8]
    /// The id of the request that made the decision: this one, or the original of a replayed delivery.
    var requestID: String
    /// Whether this answer replays a stored one (`Idempotent-Replayed: true`).
    var isReplay: Bool
    /// How long the sender should wait before sending again, for answers that shed load.
    var retryAfter: Duration?
    /// Whether the chat reply announcing this answer was written with its outcome (``ChatReplyHook``).
    var replyRecorded = false
    /// The error code of a decision made now; `nil` for a success and for a replay (whose code is in its body).
    var errorCode: ErrorCode?

    /// A decision made now; `json` when it was rendered already (to be stored), otherwise rendered here.
    init(_ result: ActionResult, json: [UInt8]? = nil, retryAfter: Duration? = nil) {
        self.status = result.status
        self.contentType = result.contentType
        self.body = json ?? result.json()
        self.requestID = result.requestID
        self.isReplay = false
        self.retryAfter = retryAfter
        self.errorCode = result.failure?.code
    }

    /// The stored answer of a repeated delivery, byte for byte.
    init(replaying stored: StoredResponse) {
        self.status = stored.statusCode
        self.contentType = stored.contentType
        self.body = Array(stored.body)
        self.requestID = stored.requestID
        self.isReplay = true
        self.retryAfter = nil
    }
}
