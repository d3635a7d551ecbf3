import NIOHTTP1

extension SimulatorResponse {
    /// The Kong version the simulated gateway reports.
    static let kongVersion = "kong/3.4.2"

    /// An answer Kong generates itself (no route, upstream errors, rate limits): `Server` and
    /// `X-Kong-Response-Latency`, and a body in the format the `Accept` header asks for.
    static func kong(
        _ status: HTTPResponseStatus,
        _ message: String,
        for request: SimulatorRequest,
        extraHeaders: HTTPHeaders = [:]
    ) -> SimulatorResponse {
        let format = KongErrorFormat(accept: request.header("Accept"))
        var headers: HTTPHeaders = [
            "Content-Type": format.contentType,
            "Server": Self.kongVersion,
            "X-Kong-Response-Latency": "0",
        ]
        headers.add(contentsOf: extraHeaders)
        return SimulatorResponse(status: status, headers: headers, body: format.body(message))
    }

    /// Kong's 404 for a path no route matches, and (by default) for a missing or invalid bearer token.
    static func kongNoRoute(for request: SimulatorRequest) -> SimulatorResponse {
        .kong(.notFound, "no Route matched with those values", for: request)
    }

    /// Kong's 504 when the upstream does not answer in time.
    static func kongGatewayTimeout(for request: SimulatorRequest) -> SimulatorResponse {
        .kong(.gatewayTimeout, "The upstream server is timing out", for: request)
    }

    /// An answer from Segura passed through Kong: `Via` and the two latency headers.
    ///
    /// `contentType` is `nil` for an empty body.
    static func proxied(
        _ status: HTTPResponseStatus,
        body: String,
        contentType: String? = "application/json",
        extraHeaders: HTTPHeaders = [:]
    ) -> SimulatorResponse {
        var headers: HTTPHeaders = [:]
        if let contentType {
            headers.add(name: "Content-Type", value: contentType)
        }
        headers.add(contentsOf: extraHeaders)
        headers.add(contentsOf: [
            "Via": Self.kongVersion,
            "X-Kong-Upstream-Latency": "0",
            "X-Kong-Proxy-Latency": "0",
        ])
        return SimulatorResponse(status: status, headers: headers, body: body)
    }

    /// A Segura error envelope; a numbered message (`"1043: …"`) adds the `exception` block, an unnumbered one
    /// (404 `Resource sub not found`, 500 `Unexpected error.`, …) has none.
    static func seguraError(_ status: HTTPResponseStatus, _ message: String) -> SimulatorResponse {
        let body = SeguraEnvelope.failure(
            status: Int(status.code),
            message: message,
            exceptionCode: SeguraEnvelope.number(of: message)
        )
        return .proxied(status, body: body)
    }

    /// Segura's answer to an operation.
    static func segura(_ outcome: OperationOutcome) -> SimulatorResponse {
        switch outcome {
        case .success(let message, let key, _):
            .proxied(.ok, body: SeguraEnvelope.success(message, key: key))
        case .failure(let code, let message):
            .seguraError(.badRequest, "\(code): \(message)")
        }
    }

    /// This response as if the upstream had taken `latency` to produce it.
    func withUpstreamLatency(_ latency: Duration) -> SimulatorResponse {
        var response = self
        let (seconds, attoseconds) = latency.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        response.headers.replaceOrAdd(name: "X-Kong-Upstream-Latency", value: String(milliseconds))
        return response
    }

    /// A control-API answer: plain JSON, no Kong headers.
    static func control(_ status: HTTPResponseStatus, json: String) -> SimulatorResponse {
        SimulatorResponse(status: status, headers: ["Content-Type": "application/json"], body: json)
    }
}
