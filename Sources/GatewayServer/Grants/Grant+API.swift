import Foundation
import GatewayAPI
import GatewayStore

extension Components.Schemas.Grant {
    /// The API's view of a stored grant, for answers and callbacks alike.
    init(_ grant: Grant) {
        self.init(
            id: grant.id,
            target: .init(kind: .init(grant.targetKind), id: Int64(grant.targetID)),
            caller: grant.caller,
            ticket: grant.ticket,
            requestedBy: grant.requestedBy,
            state: .init(rawValue: grant.state.rawValue) ?? .active,
            startsAt: AuditTimestamp.string(from: grant.startsAt),
            expiresAt: AuditTimestamp.string(from: grant.expiresAt),
            nextAttemptAt: grant.state.isOpen ? grant.dueAt.map(AuditTimestamp.string(from:)) : nil,
            endedAt: grant.endedAt.map(AuditTimestamp.string(from:)),
            endedBy: grant.endedBy.flatMap(EndedByPayload.init(rawValue:)),
            extensions: grant.extensions,
            revokeAttempts: grant.revokeAttempts,
            lastErrorCode: grant.lastErrorCode.map(Components.Schemas.ErrorCode.init)
        )
    }
}
