import GatewayVocabulary
import HTTPTypes
import Hummingbird

/// The gateway's documented paths and the methods each takes (`openapi.yaml`), for answers given before the
/// router: a path that is not canonical, a path that names no route, a method a route does not take.
enum DocumentedRoutes {
    /// The methods of each fixed path.
    static let fixed: [String: [HTTPRequest.Method]] = [
        "/v1/actions": [.post], "/v1/grants": [.get], "/v1/approvals": [.get], "/healthz": [.get], "/readyz": [.get], "/metrics": [.get], MattermostActions.path: [.post],
    ].merging(ChatPlatformKind.allCases.map { ($0.path, [.post]) }, uniquingKeysWith: { first, _ in first })
    /// Paths with one identifier segment after a prefix: `/v1/actions/{request_id}`, `/v1/grants/{grant_id}`,
    /// `/v1/approvals/{approval_id}`.
    static let withIdentifier: [(prefix: String, methods: [HTTPRequest.Method])] = [
        ("/v1/actions/", [.get]), ("/v1/grants/", [.get, .delete]), ("/v1/approvals/", [.get, .post]),
    ]

    /// The methods `path` takes, or `nil` when it names no documented route.
    static func methods(for path: String) -> [HTTPRequest.Method]? {
        if let methods = self.fixed[path] { return methods }
        return self.withIdentifier.first { route in
            path.hasPrefix(route.prefix) && path.count > route.prefix.count && !path.dropFirst(route.prefix.count).contains("/")
        }?.methods
    }

    /// Whether `path` is written the one way the router and the signature middleware read alike: no empty,
    /// `.` or `..` segment, no trailing slash, and only unreserved characters (RFC 3986 §2.3), so no
    /// percent-encoding, `;` parameters or backslashes.
    ///
    /// A path such as `//v1/actions` or `/v1/./actions` could otherwise be matched by the router to a signed
    /// route while the signature middleware, comparing text, thinks it is not one.
    static func isCanonical(_ path: String) -> Bool {
        guard path.utf8.first == UInt8(ascii: "/") else { return false }
        if path == "/" { return true }
        let segments = path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        return segments.allSatisfy { segment in
            !segment.isEmpty && !segment.elementsEqual(".".utf8) && !segment.elementsEqual("..".utf8) && segment.allSatisfy(Self.isUnreserved)
        }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}

/// Answers, before anything else reads the request, what the router would otherwise decide later or
/// differently:
/// - 400 `invalid_path` for a path that is not canonical (``DocumentedRoutes/isCanonical(_:)``);
/// - 404 `not_found` for a `/v1/` path that names no documented route, signed or not;
/// - 405 with `Allow` for a method a documented path does not take, instead of the router's 404, so senders
///   learn the request was wrong rather than the URL;
/// - 404 for `/metrics` when the operations listener serves it (``OperationsListener``).
///
/// `/v1/` paths and every non-canonical path answer in the problem schema; the probe paths answer with a bare
/// status.
struct RouteMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    /// Whether `/metrics` is served by the operations listener instead, so this one answers 404 for it.
    let metricsServedElsewhere: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if self.metricsServedElsewhere, path == "/metrics" { return Response(status: .notFound) }
        let isAPI = path.hasPrefix(SignatureVerificationMiddleware.signedPathPrefix)
        guard DocumentedRoutes.isCanonical(path) else {
            // In the problem schema whatever the path: `//v1/actions` is meant for the API, and probes never
            // send such paths.
            return self.refuse(code: .invalidPath, detail: "the path must be written canonically: no empty, '.' or '..' segments, no '%', ';' or '\\'", isAPI: true)
        }
        guard let methods = DocumentedRoutes.methods(for: path) else {
            guard isAPI else { return try await next(request, context) }
            return self.refuse(code: .notFound, detail: "\(excerpt(path)) is not a path of this API", isAPI: true)
        }
        guard !methods.contains(request.method), !(methods.contains(.get) && request.method == .head) else {
            return try await next(request, context)
        }
        let allow = methods.map(\.rawValue).joined(separator: ", ")
        var response = self.refuse(code: .methodNotAllowed, detail: "\(excerpt(path)) takes \(allow) only", isAPI: isAPI)
        response.headers[.allow] = allow
        return response
    }

    private func refuse(code: ErrorCode, detail: String, isAPI: Bool) -> Response {
        guard isAPI else { return Response(status: .init(code: code.httpStatus)) }
        let builder = ActionResultBuilder(requestID: RequestID.current ?? RequestID.make(), request: nil, caller: nil, receivedAt: .now)
        return builder.problem(code: code, detail: detail).response()
    }
}
