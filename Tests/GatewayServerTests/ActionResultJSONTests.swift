import Foundation
import GatewayAPI
import GatewayStore
import GatewayVocabulary
import SeguraClient
import Testing

@testable import GatewayServer

/// The answer's JSON is written by hand (``JSONWriter``); these tests hold it to `openapi.yaml`'s `ActionResult`
/// through the generated types, member by member.
@Suite("Action results render as the contract's ActionResult")
struct ActionResultJSONTests {
    private static let request = ActionRequest(
        action: .enable, kind: .sshKey, id: 9_007_199_254_740_991, ticket: "CHG-1/a", requestedBy: "alice", reason: nil, duration: .seconds(60)
    )

    private static var builder: ActionResultBuilder {
        ActionResultBuilder(requestID: "req_1", request: Self.request, caller: "jira", receivedAt: .now - .milliseconds(12))
    }

    private static let grant = Grant(
        id: "grt_1", targetKind: .sshKey, targetID: 7, caller: "jira", ticket: "CHG-1", requestedBy: "bob \"the\" admin", requestID: "req_1",
        startsAt: Date(timeIntervalSince1970: 1_800_000_000), expiresAt: Date(timeIntervalSince1970: 1_800_003_600), state: .revokeFailed,
        revokeAttempts: 3, dueAt: nil, lastErrorCode: .upstreamTimeout
    )

    static let results: [ActionResult] = [
        Self.builder.success(outcome: .applied),
        ActionResultBuilder(requestID: "req_2", request: nil, caller: nil, receivedAt: .now).problem(code: .signatureMismatch, detail: "no"),
        Self.builder.problem(
            code: .upstreamRejected, detail: "quote \" backslash \\ newline \n tab \t bell \u{7} é 😀 </script>", outcome: .unknown, retryable: true,
            upstream: UpstreamFacts(source: .segura, httpStatus: 400, seguraCode: 1043, message: "Already activated"), attempts: 3
        ),
        {
            var result = Self.builder.success(outcome: .alreadyInState)
            result.grant = Self.grant
            return result
        }(),
    ]

    @Test(arguments: Self.results)
    func decodesAsTheGeneratedTypeWithNothingLostOrAdded(_ result: ActionResult) throws {
        let json = result.json()
        let decoded = try JSONDecoder().decode(Components.Schemas.ActionResult.self, from: Data(json))
        #expect(decoded.requestId == result.requestID)
        #expect(decoded.outcome.rawValue == result.outcome.rawValue)
        #expect(decoded.error?.code.rawValue == result.failure?.code.rawValue)
        #expect(decoded.error?.message == result.failure?.message)
        #expect(decoded.status == result.failure.map { _ in result.status })
        #expect(decoded.target?.id == result.request.map { Int64($0.id) })
        #expect(decoded.grant?.lastErrorCode?.rawValue == result.grant?.lastErrorCode?.rawValue)
        #expect(decoded.grant?.requestedBy == result.grant?.requestedBy)

        // Re-encoded by the generated type, the same members and values come back.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let mine = try JSONSerialization.jsonObject(with: Data(json)) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: encoder.encode(decoded)) as? NSDictionary
        #expect(mine != nil && mine == theirs)
    }

    @Test(arguments: Self.results)
    func keysAreSortedAtEveryLevel(_ result: ActionResult) throws {
        let text = String(decoding: result.json(), as: UTF8.self)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let sorted = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        let resorted = String(decoding: sorted, as: UTF8.self)
        // Foundation may spell numbers and escapes differently; the key order is what must agree.
        #expect(Self.keys(in: text) == Self.keys(in: resorted))
    }

    private static func keys(in json: String) -> [String] {
        json.matches(of: /"([a-z_]+)":/).map { String($0.1) }
    }
}

extension ActionResult: CustomTestStringConvertible {
    public var testDescription: String { "\(self.outcome.rawValue) \(self.failure?.code.rawValue ?? "ok")" }
}
