/// What a signature covers for a request other than `POST /v1/actions`: the method and the request target
/// (path and query, exactly as sent) as well as the body.
///
/// A read (`GET /v1/actions/{id}`, `GET /v1/grants?…`) has an empty body, so a signature over the body alone
/// would be the same for every read: one captured set of headers would read anything, and with a scheme that
/// signs no time it would do so for ever. Signing the canonical string below binds a signature to the one
/// request it was made for; the scheme's signed timestamp then bounds how long it can be replayed.
///
/// ```text
/// <METHOD> <path>[?<query>]\n<body>
/// ```
///
/// For example `GET /v1/grants?state=all&limit=500\n` (and no body), or
/// `DELETE /v1/grants/grt_01…\n{"grant_id":"grt_01…"}`. The query is taken byte for byte as sent, without
/// reordering or decoding, so the sender signs exactly the URL it requests. This string takes the place of the
/// body in the scheme's own construction (Standard Webhooks signs `{id}.{timestamp}.{string}`).
public enum RequestBinding {
    /// The bytes a scheme signs for `method` on `target` (path plus `?query` when there is one) with `body`.
    public static func message(method: String, target: String, body: [UInt8]) -> [UInt8] {
        Array("\(method) \(target)\n".utf8) + body
    }

    /// Whether a request to `path` with `method` is signed over its body alone: only `POST /v1/actions`, whose
    /// route and method are fixed, so its body is all that varies.
    public static func signsBodyAlone(method: String, path: String) -> Bool {
        method == "POST" && path == "/v1/actions"
    }
}
