import Foundation
import GatewayAPI
import GatewayStore
import GatewayVocabulary

/// Builds the grant events for the callers that have a callback, for the outbox. The body is rendered once, so
/// every retry sends the same bytes under the same `webhook-id`.
struct CallbackEvents: Sendable {
    let callbacks: [String: GatewayConfiguration.Callback]
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    init(callers: [GatewayConfiguration.Caller]) {
        self.callbacks = Dictionary(callers.compactMap { caller in caller.callback.map { (caller.name, $0) } }, uniquingKeysWith: { first, _ in first })
    }

    /// `type` for `grant` as it stands after the transition, addressed to the grant's caller; `nil` when that
    /// caller has no callback.
    func event(_ type: Components.Schemas.GrantEvent._TypePayload, grant: Grant, at date: Date = Date()) -> CallbackEvent? {
        guard self.callbacks[grant.caller] != nil else { return nil }
        let event = Components.Schemas.GrantEvent(_type: type, timestamp: AuditTimestamp.string(from: date), grant: .init(grant))
        guard let body = try? Self.encoder.encode(event) else { return nil }
        return CallbackEvent(id: TimeOrderedID.make(prefix: "msg_", now: date), caller: grant.caller, body: body)
    }
}
