import Foundation
import NIOHTTP1

extension SimulatorEngine {
    /// The control API under `/_simulator/`, for scripts that drive an out-of-process simulator.
    ///
    /// | Request | Effect |
    /// |---|---|
    /// | `GET stats` | ``SimulatorStats`` as JSON |
    /// | `POST stats/reset` | zero the counters and empty the call log; answers the new stats |
    /// | `GET calls` | `{"calls":[…]}`: the ``SimulatorCall`` log, oldest first (the most recent 100 000) |
    /// | `GET objects/{kind}/{id}` | `{"kind":…,"id":…,"state":…}`, or 404 when missing |
    /// | `PUT objects/{kind}/{id}` | body `{"state":"inactive"}`, or `{"state":null}` to remove |
    /// | `POST faults` | body `{"fault":"kong_gateway_timeout","times":2,"kind":"credential",…}` (see below) |
    /// | `DELETE faults` | drop pending faults |
    /// | `POST tokens/revoke` | forget every token; answers `{"revoked_tokens":N}` |
    /// | `PUT write-permission` | body `{"granted":false}` |
    ///
    /// A fault body names the fault in snake_case (`kong_bad_gateway`, `latency` with `latency_ms`,
    /// `rate_limited` with `retry_after_seconds`, `empty_body` with `status`, `segura_error` with `status` and
    /// `message`, …), optionally `times` (default 1), and where it applies: `route` `"operation"` (default,
    /// narrowed by optional `kind`, `action`, `id`), `"token"` or `"any"`.
    mutating func handleControl(_ request: SimulatorRequest, components: [Substring]) -> SimulatorResponse {
        let path = components.map(String.init)
        do {
            if path.count == 3, path[0] == "objects" {
                return try self.handleObject(request, key: Self.objectKey(path[1], path[2]))
            }
            switch (request.method, path) {
            case (.GET, ["stats"]):
                return try Self.encode(self.stats)
            case (.POST, ["stats", "reset"]):
                self.resetStats()
                return try Self.encode(self.stats)
            case (.GET, ["calls"]):
                return try Self.encode(CallsBody(calls: self.calls))
            case (.POST, ["faults"]):
                let body = try Self.decode(FaultRequestBody.self, from: request.body)
                let (fault, matcher, times) = try body.rule()
                self.injectFault(fault, on: matcher, times: times)
                return .control(.ok, json: "{\"pending_faults\":\(self.faults.count)}")
            case (.DELETE, ["faults"]):
                self.clearFaults()
                return .control(.ok, json: "{\"pending_faults\":0}")
            case (.POST, ["tokens", "revoke"]):
                return .control(.ok, json: "{\"revoked_tokens\":\(self.revokeAllTokens())}")
            case (.PUT, ["write-permission"]):
                self.writePermission = try Self.decode(WritePermissionBody.self, from: request.body).granted
                return .control(.ok, json: "{\"granted\":\(self.writePermission)}")
            default:
                return Self.controlError(.notFound, "no control route \(request.method.rawValue) \(request.path)")
            }
        } catch let error as ControlRequestError {
            return Self.controlError(.badRequest, error.reason)
        } catch let error as SimulatorError {
            return Self.controlError(.badRequest, error.description)
        } catch {
            return Self.controlError(.badRequest, "invalid request body: \(error)")
        }
    }

    private mutating func handleObject(_ request: SimulatorRequest, key: ObjectKey) throws -> SimulatorResponse {
        switch request.method {
        case .GET:
            guard let state = self.objects[key] else {
                return Self.controlError(.notFound, "object \(key.kind.rawValue) \(key.id) does not exist")
            }
            return try Self.encode(SimulatedObject(kind: key.kind, id: key.id, state: state))
        case .PUT:
            let body = try Self.decode(ObjectStateBody.self, from: request.body)
            try self.setObject(key.kind, id: key.id, state: body.state)
            let state = body.state.map { JSONText.quoted($0.rawValue) } ?? "null"
            return .control(.ok, json: "{\"kind\":\"\(key.kind.rawValue)\",\"id\":\(key.id),\"state\":\(state)}")
        default:
            return Self.controlError(.notFound, "no control route \(request.method.rawValue) \(request.path)")
        }
    }

    private static func objectKey(_ kind: String, _ id: String) throws(ControlRequestError) -> ObjectKey {
        guard let kind = ObjectKind(rawValue: kind) else {
            throw ControlRequestError("unknown kind '\(kind)'")
        }
        guard let id = Int(id) else {
            throw ControlRequestError("invalid id '\(id)'")
        }
        return ObjectKey(kind: kind, id: id)
    }

    private static func encode(_ value: some Encodable) throws -> SimulatorResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return .control(.ok, json: String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    private static func decode<Body: Decodable>(_ type: Body.Type, from body: [UInt8]) throws -> Body {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(body))
    }

    private static func controlError(_ status: HTTPResponseStatus, _ reason: String) -> SimulatorResponse {
        .control(status, json: "{\"error\":\(JSONText.quoted(reason))}")
    }
}

/// `PUT /_simulator/objects/{kind}/{id}`: `{"state":"inactive"}` or `{"state":null}`; the key is required.
private struct ObjectStateBody: Decodable {
    var state: ObjectState?

    enum CodingKeys: CodingKey {
        case state
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.state) else {
            throw ControlRequestError("the body needs a \"state\" key (null removes the object)")
        }
        self.state = try container.decode(ObjectState?.self, forKey: .state)
    }
}

/// `GET /_simulator/calls`: `{"calls":[…]}`, an object like every other control answer.
private struct CallsBody: Encodable {
    var calls: [SimulatorCall]
}

/// `PUT /_simulator/write-permission`: `{"granted":false}`.
private struct WritePermissionBody: Decodable {
    var granted: Bool
}

/// `POST /_simulator/faults`, decoded with snake_case keys.
private struct FaultRequestBody: Decodable {
    var fault: String
    var times: Int?
    var route: String?
    var kind: ObjectKind?
    var action: SimulatedAction?
    var id: Int?
    var latencyMs: Int?
    var retryAfterSeconds: Int?
    var status: Int?
    var message: String?

    /// The fault, where it applies and how often; `route` is `"operation"` (default), `"token"` or `"any"`.
    func rule() throws(ControlRequestError) -> (Fault, RouteMatcher, Int) {
        let times = self.times ?? 1
        guard times > 0 else {
            throw ControlRequestError("\"times\" must be at least 1")
        }
        let matcher: RouteMatcher
        switch self.route ?? "operation" {
        case "operation": matcher = .operation(self.kind, self.action, id: self.id)
        case "token": matcher = .token
        case "any": matcher = .anyRequest
        case let other: throw ControlRequestError("unknown route '\(other)' (operation, token or any)")
        }
        return (try self.makeFault(), matcher, times)
    }

    private func makeFault() throws(ControlRequestError) -> Fault {
        switch self.fault {
        case "kong_bad_gateway": return .kongBadGateway
        case "kong_service_unavailable": return .kongServiceUnavailable
        case "kong_gateway_timeout": return .kongGatewayTimeout
        case "connection_reset": return .connectionReset
        case "garbage_body": return .garbageBody
        case "apply_then_gateway_timeout": return .applyThenGatewayTimeout
        case "unexpected_error": return .unexpectedError
        case "not_authorized": return .notAuthorized
        case "request_timed_out": return .requestTimedOut
        case "invalid_signature": return .invalidSignature
        case "resource_sub_not_found": return .resourceSubNotFound
        case "latency":
            guard let milliseconds = self.latencyMs, milliseconds >= 0 else {
                throw ControlRequestError("\"latency\" needs \"latency_ms\" >= 0")
            }
            return .latency(.milliseconds(milliseconds))
        case "rate_limited":
            let seconds = self.retryAfterSeconds ?? 1
            guard seconds >= 0 else {
                throw ControlRequestError("\"retry_after_seconds\" must be >= 0")
            }
            return .rateLimited(retryAfterSeconds: seconds)
        case "empty_body":
            return .emptyBody(status: try self.requiredStatus())
        case "segura_error":
            guard let message = self.message else {
                throw ControlRequestError("\"segura_error\" needs \"message\"")
            }
            return .seguraError(status: try self.requiredStatus(), message: message)
        case let other:
            throw ControlRequestError("unknown fault '\(other)'")
        }
    }

    private func requiredStatus() throws(ControlRequestError) -> Int {
        guard let status = self.status, (200...599).contains(status) else {
            throw ControlRequestError("\"\(self.fault)\" needs \"status\" in 200...599")
        }
        return status
    }
}
