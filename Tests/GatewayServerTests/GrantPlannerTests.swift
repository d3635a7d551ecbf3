import Foundation
import GatewayStore
@testable import GatewayServer
import GatewayVocabulary
import SeguraClient
import Testing

/// The planner's rules, one by one, with no store and no clock.
@Suite("Grant planner")
struct GrantPlannerTests {
    private static let now = Date(timeIntervalSince1970: 1_800_000_000)

    private static func grant(requestID: String = "opener", startedAgo: TimeInterval = 600, expiresIn: TimeInterval = 600, state: GrantState = .active, extensions: Int = 0) -> Grant {
        Grant(
            id: "grt_1", targetKind: .credential, targetID: 42, caller: "jira", ticket: "CHG-1", requestedBy: nil, requestID: requestID,
            startsAt: now.addingTimeInterval(-startedAgo), expiresAt: now.addingTimeInterval(expiresIn), state: state, extensions: extensions
        )
    }

    private static func planner(_ action: TargetAction = .enable, duration: Duration? = .seconds(3600), requestID: String = "opener", maximum: Duration? = .seconds(7200)) -> GrantPlanner {
        GrantPlanner(request: ActionRequest(action: action, kind: .credential, id: 42, ticket: "CHG-2", duration: duration), requestID: requestID, maximumDuration: maximum)
    }

    @Test func theOpenersEnableThatDidNotHappenCancelsItsGrantUnlessAnotherExtendedIt() {
        #expect(Self.planner().plan(outcome: .notApplied, openGrant: Self.grant(), now: Self.now).change == .cancel)
        #expect(Self.planner().plan(outcome: .notApplied, openGrant: Self.grant(extensions: 1), now: Self.now).change == nil)
        #expect(Self.planner().plan(outcome: .unknown, openGrant: Self.grant(), now: Self.now).change == nil, "the target may be enabled")
    }

    @Test func anotherEnableExtendsUpToTheMaximumFromTheStart() {
        let plan = Self.planner(requestID: "other").plan(outcome: .applied, openGrant: Self.grant(), now: Self.now)
        #expect(plan.change == .extend(expiresAt: Self.now.addingTimeInterval(3600)))
        let capped = Self.planner(requestID: "other").plan(outcome: .alreadyInState, openGrant: Self.grant(startedAgo: 5400), now: Self.now)
        #expect(capped.change == .extend(expiresAt: Self.now.addingTimeInterval(1800)), "started 1.5 h ago, at most 2 h")
        #expect(Self.planner(requestID: "other").plan(outcome: .notApplied, openGrant: Self.grant(), now: Self.now).change == nil)
    }

    @Test func aStaleGrantGivesANewRequestItsFullWindow() {
        for stale in [Self.grant(startedAgo: 86_400, expiresIn: -60), Self.grant(startedAgo: 86_400, expiresIn: -60, state: .revokeFailed)] {
            let plan = Self.planner(requestID: "other").plan(outcome: .applied, openGrant: stale, now: Self.now)
            #expect(plan.change == .extend(expiresAt: Self.now.addingTimeInterval(3600)))
            #expect(plan.grant?.state == .active)
            #expect(plan.grant?.revokeAttempts == 0)
        }
    }

    @Test func aDisableThatHappenedEndsTheGrantAndOneWithoutADurationLeavesIt() {
        #expect(Self.planner(.disable, duration: nil, requestID: "other").plan(outcome: .alreadyInState, openGrant: Self.grant(), now: Self.now).change == .end(endedBy: "disable"))
        #expect(Self.planner(.disable, duration: nil, requestID: "other").plan(outcome: .unknown, openGrant: Self.grant(), now: Self.now).change == nil)
        #expect(Self.planner(duration: nil, requestID: "other").plan(outcome: .applied, openGrant: Self.grant(), now: Self.now).change == nil)
        #expect(Self.planner().plan(outcome: .applied, openGrant: nil, now: Self.now).grant == nil)
    }
}
