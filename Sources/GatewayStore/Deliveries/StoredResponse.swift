import Foundation

/// The answer given to a delivery, kept so a retry gets the same bytes without a second action.
public struct StoredResponse: Sendable, Hashable {
    /// The HTTP status code that was sent.
    public var statusCode: Int
    /// The `Content-Type` that was sent, e.g. `application/json` or `application/problem+json`.
    public var contentType: String
    /// The exact response body that was sent.
    public var body: Data
    /// The gateway request id of the attempt that acted; it held the claim, and `GET /v1/actions/{id}` finds it.
    public var requestID: String
    private var completedAtMilliseconds: Int64

    /// When the answer was produced, kept to the millisecond.
    public var completedAt: Date {
        get { Date(millisecondsSince1970: self.completedAtMilliseconds) }
        set { self.completedAtMilliseconds = newValue.millisecondsSince1970 }
    }

    /// Creates a response record; `completedAt` is rounded to the millisecond, the precision it is stored at.
    public init(statusCode: Int, contentType: String, body: Data, requestID: String, completedAt: Date) {
        self.statusCode = statusCode
        self.contentType = contentType
        self.body = body
        self.requestID = requestID
        self.completedAtMilliseconds = completedAt.millisecondsSince1970
    }
}
