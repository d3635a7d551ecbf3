import Foundation
import GatewayAPI
import GatewaySecurity
import GatewayStore
import GatewayVocabulary
import HTTPTypes
import SeguraClient

/// `/v1/grants`: signed like every `/v1/` route. A caller sees the grants on targets its policy covers,
/// whoever opened them; another target's grant answers 404 like an unknown id.
extension APIImplementation {
    func listGrants(_ input: Operations.ListGrants.Input) async throws -> Operations.ListGrants.Output {
        guard let verified = self.verifiedRequest(for: "listGrants") else { return .internalServerError(try self.unauthenticated()) }
        let requestID = verified.requestID
        guard let limit = Self.listLimit(input.query.limit) else { return .unprocessableContent(try self.limitProblem(verified)) }
        let query = GrantQuery(
            caller: input.query.caller,
            targetKind: input.query.targetKind.map(TargetKind.init),
            targetID: input.query.targetId.map(Int.init),
            ticket: input.query.ticket,
            states: GrantQuery.States(rawValue: input.query.state?.rawValue ?? "all") ?? .all,
            limit: limit
        )
        let policy = verified.caller.policy
        let grants = try await self.grants.store.grants(matching: query) { Self.isVisible($0, to: policy) }
        return .ok(.init(headers: .init(xRequestId: requestID), body: .json(.init(grants: grants.map(Components.Schemas.Grant.init)))))
    }

    func getGrant(_ input: Operations.GetGrant.Input) async throws -> Operations.GetGrant.Output {
        guard let verified = self.verifiedRequest(for: "getGrant") else { return .internalServerError(try self.unauthenticated()) }
        guard let grant = try await self.visibleGrant(input.path.grantId, to: verified) else {
            return .notFound(try self.grantNotFound(input.path.grantId, verified))
        }
        return .ok(.init(headers: .init(xRequestId: verified.requestID), body: .json(.init(grant))))
    }

    /// Revokes now through the same ``GrantRevoker`` as the scheduler. Allowed to the grant's own caller (ending
    /// its own access early only reduces access) and to any caller whose policy allows `disable` on the target.
    func revokeGrant(_ input: Operations.RevokeGrant.Input) async throws -> Operations.RevokeGrant.Output {
        guard let verified = self.verifiedRequest(for: "revokeGrant") else { return .internalServerError(try self.unauthenticated()) }
        // The signed body must name the grant: the path is not signed, and an empty body's signature is any GET's.
        guard case .json(let body) = input.body, body.grantId == input.path.grantId else {
            return .unprocessableContent(try self.problem(verified, code: .invalidRequest, detail: "the body's grant_id must repeat the grant in the path"))
        }
        let revoker = self.grants
        guard let grant = try await self.visibleGrant(input.path.grantId, to: verified) else {
            return .notFound(try self.grantNotFound(input.path.grantId, verified))
        }
        let me = verified.caller.name
        let request = ActionRequest(action: .disable, kind: grant.targetKind, id: grant.targetID, ticket: grant.ticket)
        let builder = ActionResultBuilder(requestID: verified.requestID, request: request, caller: me, receivedAt: verified.receivedAt)
        guard grant.caller == me || verified.caller.policy.allowedActions.contains(.disable) else {
            let detail = "only the grant's caller, or a caller allowed to disable the target, may revoke it"
            try await self.ledger.audit(
                self.ledger.event(.rejectedPolicy, verified.requestID, deliveryID: grant.id, caller: me, request: request, receivedAt: verified.receivedDate)
            )
            return try Self.revokeOutput(builder.problem(code: .actionNotAllowed, detail: detail))
        }
        var answer: ActionResult
        var current: Grant?
        switch try await revoker.store.claimRevocation(
            grantID: grant.id, requestID: verified.requestID, caller: me, now: Date(), lease: revoker.lease, owner: revoker.settings.instanceID
        ) {
        case .notFound:
            return .notFound(try self.grantNotFound(grant.id, verified))
        case .ended(let ended):
            (answer, current) = (builder.success(outcome: .alreadyInState), ended)
        case .inProgress(let running):
            (answer, current) = (builder.problem(code: .revocationInProgress, detail: "a revocation of this grant is running; retry later"), running)
        case .claimed(let claim):
            let attempt = try await revoker.revoke(claim, endedBy: "revoke", caller: me)
            current = attempt.grant
            if let segura = attempt.segura {
                answer = builder.result(segura)
            } else if attempt.grant.map({ !$0.state.isOpen }) == true {
                answer = builder.success(outcome: .alreadyInState)  // a disable ended it while this waited
            } else {
                answer = builder.problem(code: .revocationInProgress, detail: "the grant changed while its revocation waited; retry later")
            }
        }
        answer.grant = current
        self.metrics.recordRequest(caller: me, action: .disable, outcome: answer.outcome, code: answer.failure?.code, duration: answer.latency)
        return try Self.revokeOutput(answer)
    }

    // MARK: Helpers

    static func isVisible(_ grant: Grant, to policy: CallerPolicy) -> Bool {
        policy.covers(kind: grant.targetKind, id: grant.targetID)
    }

    private func visibleGrant(_ id: String, to verified: VerifiedRequest) async throws -> Grant? {
        guard let grant = try await self.grants.store.grant(id: id), Self.isVisible(grant, to: verified.caller.policy) else { return nil }
        return grant
    }

    private func grantNotFound(_ id: String, _ verified: VerifiedRequest) throws -> Components.Responses.Problem {
        try self.problem(verified, code: .grantNotFound, detail: "no grant \(excerpt(id)) visible to this caller")
    }

    private static func revokeOutput(_ answer: ActionResult) throws -> Operations.RevokeGrant.Output {
        let result = try Components.Schemas.ActionResult(answer)
        let problem = Components.Responses.Problem(result)
        switch answer.status {
        case 200: return .ok(.init(headers: .init(xRequestId: result.requestId), body: .json(result)))
        case 403: return .forbidden(problem)
        case 404: return .notFound(problem)
        case 409: return .conflict(problem)
        case 422: return .unprocessableContent(problem)
        case 502: return .badGateway(problem)
        case 503: return .serviceUnavailable(problem)
        case 504: return .gatewayTimeout(problem)
        default: return .internalServerError(problem)
        }
    }
}
