import Foundation
import GatewayAPI
import GatewaySecurity
import GatewayStore
import HTTPTypes
import Logging
import SeguraClient

/// The server's use of the durable store: one claim per delivery, the stored answer for repeats, and an
/// audit record for every decision.
///
/// The order keeps a crash from losing anything: the claim is taken before acting, the outcome is
/// audited before the answer is stored, and the answer is stored before it is sent. A crash in between
/// leaves a claim that a retry recovers (Segura's enable and disable converge, so acting again is safe).
struct DeliveryLedger: Sendable {
    let store: any GatewayStore
    let expiresAfter: Duration
    let logger: Logger

    /// What to do with a verified delivery.
    enum Decision {
        /// Act; `key` is held until the answer is stored (nil when the delivery carries no id).
        case act(key: DeliveryKey?)
        /// Answer with these stored bytes, without acting.
        case replay(StoredResponse)
        /// Refuse with this error code: `delivery_in_flight` (409) or `idempotency_key_reused` (422).
        case refuse(code: String, detail: String)
    }

    /// Claims `deliveryID` for `caller`, keyed by the payload's SHA-256 fingerprint.
    func claim(caller: String, deliveryID: String?, body: [UInt8], requestID: String) async throws -> Decision {
        guard let deliveryID else { return .act(key: nil) }
        let key = DeliveryKey(caller: caller, deliveryID: deliveryID)
        switch try await self.store.claimDelivery(key, fingerprint: PayloadFingerprint.of(body), requestID: requestID, now: Date(), expiresAfter: self.expiresAfter) {
        case .claimed(let recoveredFromCrash):
            if recoveredFromCrash {
                self.logger.warning("Recovered a delivery whose earlier attempt did not finish; acting again (enable and disable converge)")
            }
            return .act(key: key)
        case .completed(let stored):
            return .replay(stored)
        case .inFlight:
            return .refuse(code: "delivery_in_flight", detail: "this delivery is being processed; retry it unchanged later")
        case .fingerprintMismatch:
            return .refuse(code: "idempotency_key_reused", detail: "this delivery id was used with a different payload")
        }
    }

    /// Stores a final answer so repeats replay it, or releases the claim when a retry should act again
    /// (a retryable failure, or an unknown outcome that a retry resolves by converging).
    func finish(key: DeliveryKey?, status: HTTPResponse.Status, result: Components.Schemas.ActionResult) async {
        guard let key else { return }
        do {
            let retryAgain = result.outcome == .unknown || result.error?.retryable == true
            if retryAgain {
                try await self.store.releaseDelivery(key, requestID: result.requestId)
            } else {
                let body = (try? JSONEncoder.gateway.encode(result)) ?? Data()
                let contentType = status == .ok ? "application/json" : "application/problem+json"
                try await self.store.completeDelivery(
                    key,
                    response: StoredResponse(statusCode: Int(status.code), contentType: contentType, body: body, requestID: result.requestId, completedAt: Date())
                )
            }
        } catch {
            self.logger.error("Could not store the delivery's answer; a repeat will act again", metadata: ["store.error": "\(error)"])
        }
    }

    /// Appends the audit record of one decision; it is on disk when this returns.
    func audit(
        _ decision: AuditDecision,
        requestID: String,
        deliveryID: String?,
        caller: String?,
        request: ActionRequest? = nil,
        result: Components.Schemas.ActionResult? = nil,
        receivedAt: Date
    ) async throws {
        _ = try await self.store.appendAudit(
            AuditEvent(
                requestID: requestID,
                deliveryID: deliveryID,
                caller: caller,
                decision: decision,
                ticket: request?.ticket,
                action: request?.action.rawValue,
                targetKind: request?.kind.rawValue,
                targetID: request.map { String($0.id) },
                outcome: result?.outcome.rawValue,
                upstreamStatus: result?.error?.upstream?.httpStatus,
                seguraCode: result?.error?.upstream?.seguraCode,
                errorCode: result?.error?.code.rawValue,
                attempts: result?.attempts ?? 0,
                latencyMilliseconds: result.map { Int($0.latencyMs.rounded()) },
                receivedAt: receivedAt,
                occurredAt: Date()
            )
        )
    }

    /// The audit decision for an answer.
    static func decision(for result: Components.Schemas.ActionResult) -> AuditDecision {
        switch result.outcome {
        case .applied: return .applied
        case .alreadyInState: return .alreadyInState
        case .unknown: return .unknown
        case .notApplied:
            switch result.error.map({ ErrorCatalogue.entry(for: $0.code.rawValue).status.code }) {
            case 403: return .rejectedPolicy
            case 400, 413, 415, 422: return result.error?.code == .targetWrongKind ? .failed : .rejectedInput
            default: return .failed
            }
        }
    }
}
