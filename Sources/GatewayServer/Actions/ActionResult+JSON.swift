import GatewayStore
import GatewayVocabulary
import SeguraClient

extension ActionResult {
    /// The answer's JSON, keys sorted: the bytes sent, and the bytes stored for repeats and
    /// `GET /v1/actions/{request_id}`. A test decodes them with the types generated from `openapi.yaml`.
    func json() -> [UInt8] {
        JSONWriter.object { json in
            json.field("action", self.request?.action.rawValue)
            if let approval = self.approval {
                json.object("approval") { $0.approval(approval) }
            }
            json.field("attempts", self.attempts)
            json.field("caller", self.caller)
            json.field("detail", self.failure?.message)
            if let failure = self.failure {
                json.object("error") { error in
                    error.field("code", failure.code.rawValue)
                    error.field("message", failure.message)
                    error.field("retryable", failure.retryable)
                    if let upstream = failure.upstream {
                        error.object("upstream") { facts in
                            facts.field("http_status", upstream.httpStatus)
                            facts.field("message", upstream.message)
                            facts.field("segura_code", upstream.seguraCode)
                            facts.field("source", upstream.source.rawValue)
                        }
                    }
                }
            }
            if let grant = self.grant {
                json.object("grant") { $0.grant(grant) }
            }
            json.field("latency_ms", self.latencyMilliseconds)
            json.field("outcome", self.outcome.rawValue)
            json.field("request_id", self.requestID)
            json.field("requested_by", self.requestedBy)
            json.field("status", self.failure.map { _ in self.status })
            if let request = self.request {
                json.object("target") { target in
                    target.field("id", request.id)
                    target.field("kind", request.kind.rawValue)
                }
            }
            json.field("ticket", self.request?.ticket)
            json.field("title", self.failure.map { ErrorCatalogue.entry(for: $0.code).title })
            json.field("type", self.failure.map { "tag:segura-gateway,2026:error:\($0.code.rawValue)" })
        }
    }

    /// The latency in milliseconds, to the microsecond.
    var latencyMilliseconds: Double {
        let (seconds, attoseconds) = self.latency.components
        let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return (milliseconds * 1000).rounded() / 1000
    }
}

extension JSONWriter {
    /// An approval request's members, as `Approval` in `openapi.yaml`. Where its requester hears back is not among
    /// them: a `response_url` is a capability.
    mutating func approval(_ approval: ApprovalRequest) {
        self.field("action", approval.action.rawValue)
        self.array("approvals", approval.votes) { json, vote in
            json.field("approver", vote.approver)
            json.field("at", AuditTimestamp.string(from: vote.at))
        }
        self.field("caller", approval.caller)
        self.field("created_at", AuditTimestamp.string(from: approval.createdAt))
        self.field("decided_at", approval.decidedAt.map(AuditTimestamp.string(from:)))
        self.field("decided_by", approval.decidedBy)
        self.field("duration", approval.duration.map(ISO8601Duration.format))
        self.field("execution_request_id", approval.executionRequestID)
        self.field("expires_at", AuditTimestamp.string(from: approval.expiresAt))
        self.field("id", approval.id)
        self.field("platform", approval.platform)
        self.field("reason", approval.reason)
        self.field("requested_by", approval.requestedBy)
        self.field("required_approvals", approval.requiredApprovals)
        self.field("state", approval.state.rawValue)
        self.object("target") { target in
            target.field("id", approval.targetID)
            target.field("kind", approval.targetKind.rawValue)
        }
        self.field("ticket", approval.ticket)
    }

    /// A grant's members, as `Grant` in `openapi.yaml`.
    mutating func grant(_ grant: Grant) {
        self.field("caller", grant.caller)
        self.field("ended_at", grant.endedAt.map(AuditTimestamp.string(from:)))
        self.field("ended_by", grant.endedBy)
        self.field("expires_at", AuditTimestamp.string(from: grant.expiresAt))
        self.field("extensions", grant.extensions)
        self.field("id", grant.id)
        self.field("last_error_code", grant.lastErrorCode?.rawValue)
        self.field("next_attempt_at", grant.state.isOpen ? grant.dueAt.map(AuditTimestamp.string(from:)) : nil)
        self.field("requested_by", grant.requestedBy)
        self.field("revoke_attempts", grant.revokeAttempts)
        self.field("starts_at", AuditTimestamp.string(from: grant.startsAt))
        self.field("state", grant.state.rawValue)
        self.object("target") { target in
            target.field("id", grant.targetID)
            target.field("kind", grant.targetKind.rawValue)
        }
        self.field("ticket", grant.ticket)
    }
}
