import Foundation
import GatewayAPI
import GatewaySecurity
import GatewayStore
import HTTPTypes
import SeguraClient

/// `/v1/grants`: signed like every `/v1/` route. A caller sees the grants on targets its policy covers,
/// whoever opened them; another target's grant answers 404 like an unknown id.
extension APIImplementation {
    func listGrants(_ input: Operations.ListGrants.Input) async throws -> Operations.ListGrants.Output {
        guard let verified = self.verifiedRequest(for: "listGrants") else { return .internalServerError(self.unauthenticated()) }
        let requestID = verified.requestID
        let limit = input.query.limit ?? 100
        guard (1...500).contains(limit) else {
            return .unprocessableContent(self.problem(verified, code: "invalid_request", detail: "limit must be between 1 and 500"))
        }
        let query = GrantQuery(
            caller: input.query.caller,
            targetKind: input.query.targetKind?.rawValue,
            targetID: input.query.targetId.map(Int.init),
            ticket: input.query.ticket,
            states: GrantQuery.States(rawValue: input.query.state?.rawValue ?? "all") ?? .all,
            limit: limit
        )
        let policy = verified.caller.policy
        let grants = try await self.grants?.store.grants(matching: query) { Self.isVisible($0, to: policy) } ?? []
        return .ok(.init(headers: .init(xRequestId: requestID), body: .json(.init(grants: grants.map(Components.Schemas.Grant.init)))))
    }

    func getGrant(_ input: Operations.GetGrant.Input) async throws -> Operations.GetGrant.Output {
        guard let verified = self.verifiedRequest(for: "getGrant") else { return .internalServerError(self.unauthenticated()) }
        guard let grant = try await self.visibleGrant(input.path.grantId, to: verified) else {
            return .notFound(self.grantNotFound(input.path.grantId, verified))
        }
        return .ok(.init(headers: .init(xRequestId: verified.requestID), body: .json(.init(grant))))
    }

    /// Revokes now through the same ``GrantRevoker`` as the scheduler. Allowed to the grant's own caller (ending
    /// its own access early only reduces access) and to any caller whose policy allows `disable` on the target.
    func revokeGrant(_ input: Operations.RevokeGrant.Input) async throws -> Operations.RevokeGrant.Output {
        guard let verified = self.verifiedRequest(for: "revokeGrant") else { return .internalServerError(self.unauthenticated()) }
        // The signed body must name the grant: the path is not signed, and an empty body's signature is any GET's.
        guard case .json(let body) = input.body, body.grantId == input.path.grantId else {
            return .unprocessableContent(self.problem(verified, code: "invalid_request", detail: "the body's grant_id must repeat the grant in the path"))
        }
        guard let revoker = self.grants, let grant = try await self.visibleGrant(input.path.grantId, to: verified),
            let kind = TargetKind(rawValue: grant.targetKind)
        else {
            return .notFound(self.grantNotFound(input.path.grantId, verified))
        }
        let me = verified.caller.name
        let request = ActionRequest(action: .disable, kind: kind, id: grant.targetID, ticket: grant.ticket)
        let builder = ActionResultBuilder(requestID: verified.requestID, request: request, caller: me, receivedAt: verified.receivedAt)
        guard grant.caller == me || verified.caller.policy.allowedActions.contains(.disable) else {
            let detail = "only the grant's caller, or a caller allowed to disable the target, may revoke it"
            try await self.ledger.audit(
                self.ledger.event(.rejectedPolicy, verified.requestID, deliveryID: grant.id, caller: me, request: request, receivedAt: verified.receivedDate)
            )
            return Self.revokeOutput(builder.problem(code: "action_not_allowed", detail: detail))
        }
        var answer: (status: HTTPResponse.Status, result: Components.Schemas.ActionResult)
        var current: Grant?
        switch try await revoker.store.claimRevocation(
            grantID: grant.id, requestID: verified.requestID, caller: me, now: Date(), lease: revoker.lease, owner: revoker.settings.instanceID
        ) {
        case .notFound:
            return .notFound(self.grantNotFound(grant.id, verified))
        case .ended(let ended):
            (answer, current) = (builder.success(outcome: .alreadyInState), ended)
        case .inProgress(let running):
            (answer, current) = (builder.problem(code: "revocation_in_progress", detail: "a revocation of this grant is running; retry later"), running)
        case .claimed(let claim):
            let attempt = try await revoker.revoke(claim, endedBy: "revoke", caller: me)
            current = attempt.grant
            if let segura = attempt.segura {
                answer = builder.result(segura)
            } else if attempt.grant.map({ !$0.state.isOpen }) == true {
                answer = builder.success(outcome: .alreadyInState)  // a disable ended it while this waited
            } else {
                answer = builder.problem(code: "revocation_in_progress", detail: "the grant changed while its revocation waited; retry later")
            }
        }
        answer.result.grant = current.map(Components.Schemas.Grant.init)
        self.metrics.recordRequest(
            caller: me, action: "disable", outcome: answer.result.outcome.rawValue, code: answer.result.error?.code.rawValue ?? "none",
            duration: ContinuousClock.now - verified.receivedAt
        )
        return Self.revokeOutput(answer)
    }

    // MARK: Helpers

    static func isVisible(_ grant: Grant, to policy: CallerPolicy) -> Bool {
        TargetKind(rawValue: grant.targetKind).map { policy.covers(kind: $0, id: grant.targetID) } ?? false
    }

    private func visibleGrant(_ id: String, to verified: VerifiedRequest) async throws -> Grant? {
        guard let grant = try await self.grants?.store.grant(id: id), Self.isVisible(grant, to: verified.caller.policy) else { return nil }
        return grant
    }

    private func grantNotFound(_ id: String, _ verified: VerifiedRequest) -> Components.Responses.Problem {
        self.problem(verified, code: "grant_not_found", detail: "no grant \(excerpt(id)) visible to this caller")
    }

    private func problem(_ verified: VerifiedRequest, code: String, detail: String) -> Components.Responses.Problem {
        let (_, result) = ActionResultBuilder(requestID: verified.requestID, request: nil, caller: verified.caller.name, receivedAt: verified.receivedAt)
            .problem(code: code, detail: detail)
        return Components.Responses.Problem(headers: .init(xRequestId: verified.requestID), body: .applicationProblemJson(result))
    }

    private static func revokeOutput(_ answer: (status: HTTPResponse.Status, result: Components.Schemas.ActionResult)) -> Operations.RevokeGrant.Output {
        let result = answer.result
        let problem = Components.Responses.Problem(headers: .init(xRequestId: result.requestId), body: .applicationProblemJson(result))
        switch answer.status.code {
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
