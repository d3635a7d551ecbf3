import Foundation
import GatewayAPI
import GatewaySecurity
import GatewayStore
import GatewayVocabulary
import HTTPTypes

/// `/v1/approvals`: signed like every `/v1/` route. What a caller may see and decide is the ``ApprovalDesk``'s
/// rule, so these routes, chat buttons and the executor cannot disagree; a request the caller may not see answers
/// 404 like an unknown id.
extension APIImplementation {
    func listApprovals(_ input: Operations.ListApprovals.Input) async throws -> Operations.ListApprovals.Output {
        guard let verified = self.verifiedRequest(for: "listApprovals") else { return .internalServerError(try self.unauthenticated()) }
        guard let limit = Self.listLimit(input.query.limit) else { return .unprocessableContent(try self.limitProblem(verified)) }
        // `all` is the one value that is not a state: it filters nothing.
        let state = (input.query.state?.rawValue).flatMap(ApprovalState.init(rawValue:))
        let approvals = try await self.approvals.approvals(state: state, visibleTo: verified.caller.name, limit: limit)
        let body = Components.Schemas.ApprovalList(approvals: try approvals.map(Components.Schemas.Approval.init))
        return .ok(.init(headers: .init(xRequestId: verified.requestID), body: .json(body)))
    }

    func getApproval(_ input: Operations.GetApproval.Input) async throws -> Operations.GetApproval.Output {
        guard let verified = self.verifiedRequest(for: "getApproval") else { return .internalServerError(try self.unauthenticated()) }
        guard let approval = try await self.approvals.approval(id: input.path.approvalId, visibleTo: verified.caller.name) else {
            return .notFound(try self.problem(verified, code: .approvalNotFound, detail: "no approval request \(excerpt(input.path.approvalId)) visible to this caller"))
        }
        return .ok(.init(headers: .init(xRequestId: verified.requestID), body: .json(try .init(approval))))
    }

    /// Records one person's verdict, given by the calling caller for `approver`. The desk decides whether that
    /// caller may decide for that person; its refusals are audited under the approval id, so the audit trail of a
    /// request shows the attempts that failed as well as the decisions.
    func decideApproval(_ input: Operations.DecideApproval.Input) async throws -> Operations.DecideApproval.Output {
        guard let verified = self.verifiedRequest(for: "decideApproval") else { return .internalServerError(try self.unauthenticated()) }
        let approvalID = input.path.approvalId
        let body = switch input.body {
        case .json(let body): body
        }
        // The generated server checks the body's shape, not the string's bounds.
        guard (1...128).contains(body.approver.count) else {
            return try await self.refuseDecision(approvalID, code: .invalidRequest, detail: "approver must be 1 to 128 characters", approver: nil, verified)
        }
        let verdict: ApprovalVerdict = switch body.decision {
        case .approve: .approve
        case .deny: .deny
        }
        let decision = await self.approvals.decide(
            approvalID, verdict: verdict, by: .caller(name: verified.caller.name, approver: body.approver), decisionReply: nil,
            requestID: verified.requestID, logger: self.logger
        )
        guard decision.refusal == nil, let approval = decision.approval else {
            // A decision that was not recorded carries its refusal.
            let refusal = decision.refusal ?? .init(code: .internalError, message: "the decision was neither recorded nor refused")
            return try await self.refuseDecision(approvalID, code: refusal.code, detail: refusal.message, approver: body.approver, verified)
        }
        return .ok(.init(headers: .init(xRequestId: verified.requestID), body: .json(try .init(approval))))
    }

    // MARK: Helpers

    /// Answers a decision that was not recorded, through ``Refusals`` like every refused request: counted, logged
    /// and audited (503 `store_unavailable` instead when the audit record cannot be written).
    private func refuseDecision(
        _ approvalID: String, code: ErrorCode, detail: String, approver: String?, _ verified: VerifiedRequest
    ) async throws -> Operations.DecideApproval.Output {
        var builder = ActionResultBuilder(requestID: verified.requestID, request: nil, caller: verified.caller.name, receivedAt: verified.receivedAt)
        builder.requestedBy = approver
        let answer = await self.refusals.refuse(
            builder.problem(code: code, detail: detail), deliveryID: approvalID, receivedDate: verified.receivedDate, logger: self.logger
        )
        let problem = try Components.Responses.Problem(answer)
        switch answer.status {
        case 403: return .forbidden(problem)
        case 404: return .notFound(problem)
        case 409: return .conflict(problem)
        case 422: return .unprocessableContent(problem)
        case 503: return .serviceUnavailable(problem)
        default: return .internalServerError(problem)
        }
    }
}

extension Components.Schemas.Approval {
    /// The API's view of a stored request, decoded from ``JSONWriter``'s rendering so answers and callbacks show
    /// a request the same way.
    init(_ approval: ApprovalRequest) throws {
        self = try APIImplementation.decoder.decode(Self.self, from: Data(JSONWriter.object { $0.approval(approval) }))
    }
}
