import FormReading
import Testing

@Suite("URLEncodedForm reads application/x-www-form-urlencoded strictly")
struct URLEncodedFormTests {
    private static func form(_ body: String, maximumFields: Int = 64) throws(FormError) -> URLEncodedForm {
        try URLEncodedForm(parsing: Array(body.utf8), maximumFields: maximumFields)
    }

    /// The error code `body` is refused with, or nil when it is read.
    private static func refusal(_ body: [UInt8], maximumFields: Int = 64) -> String? {
        do {
            _ = try URLEncodedForm(parsing: body, maximumFields: maximumFields)
            return nil
        } catch {
            return error.code
        }
    }

    /// The body Slack's slash-command documentation shows, field for field.
    @Test func slackSlashCommandExample() throws {
        let form = try Self.form(
            "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001"
                + "&enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name=test&user_id=U2147483697"
                + "&user_name=Steve&command=/weather&text=94070&response_url=https://hooks.slack.com/commands/1234/5678"
                + "&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456")
        #expect(
            form.names == [
                "token", "team_id", "team_domain", "enterprise_id", "enterprise_name", "channel_id", "channel_name", "user_id",
                "user_name", "command", "text", "response_url", "trigger_id", "api_app_id",
            ])
        #expect(form["token"] == "gIkuvaNzQIHg97ATvDxqgjtO")
        #expect(form["enterprise_name"] == "Globular Construct Inc")
        #expect(form["command"] == "/weather")
        #expect(form["text"] == "94070")
        #expect(form["response_url"] == "https://hooks.slack.com/commands/1234/5678")
        #expect(form["trigger_id"] == "13345224609.738474920.8088930838d88f008e0")
        #expect(form["api_app_id"] == "A123456")
        #expect(form["missing"] == nil)
    }

    /// Slack interactivity: one `payload` field holding percent-encoded JSON.
    @Test func slackInteractivityPayloadDecodesToItsJSON() throws {
        let form = try Self.form(
            "payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22U2147483697%22%2C%22username%22"
                + "%3A%22steve%22%7D%2C%22actions%22%3A%5B%7B%22action_id%22%3A%22approve%22%2C%22value%22%3A%22grant%2042%20"
                + "for%202h%22%7D%5D%2C%22response_url%22%3A%22https%3A%2F%2Fhooks.slack.com%2Factions%2FT0001%2F1234%2Fabcd%22%7D")
        #expect(form.names == ["payload"])
        #expect(
            form["payload"]
                == #"{"type":"block_actions","user":{"id":"U2147483697","username":"steve"},"actions":[{"action_id":"approve","#
                + #""value":"grant 42 for 2h"}],"response_url":"https://hooks.slack.com/actions/T0001/1234/abcd"}"#)
    }

    @Test(arguments: [
        ("a=b+c", "b c"), ("a=b%2Bc", "b+c"), ("a=%26%3D", "&="), ("a=b=c", "b=c"), ("a=", ""), ("a", ""),
        ("a=%c3%a9", "é"), ("a=%C3%A9", "é"), ("a=%00", "\0"), ("a=%F0%9F%98%80", "😀"), ("a=caf\u{E9}", "café"),
    ])
    func valuesDecode(_ body: String, _ expected: String) throws {
        #expect(try Self.form(body)["a"] == expected)
    }

    @Test func namesDecodeLikeValues() throws {
        let form = try Self.form("user+name=x&%61pi=y&=empty-name")
        #expect(form.names == ["user name", "api", ""])
        #expect(form[""] == "empty-name")
    }

    @Test(arguments: ["", "&", "&&&", "a=1&&b=2", "&a=1&b=2&"])
    func emptyPiecesAreSkipped(_ body: String) throws {
        let form = try Self.form(body)
        #expect(form.names == (body.contains("a") ? ["a", "b"] : []))
    }

    @Test(arguments: ["a=100%", "a=%", "a=%2", "a=%zz", "a=%2g", "a=%%41", "b%=1", "a=1&b=%E"])
    func malformedPercentEscapeIsRefused(_ body: String) {
        #expect(Self.refusal(Array(body.utf8)) == "invalid_percent_encoding")
    }

    @Test(arguments: [
        Array("a=%FF".utf8), Array("a=%C3".utf8), Array("a=%ED%A0%80".utf8), Array("a=%C0%AF".utf8), Array("%80=1".utf8),
        [UInt8(ascii: "a"), UInt8(ascii: "="), 0xC3],
    ])
    func invalidUTF8IsRefused(_ body: [UInt8]) {
        #expect(Self.refusal(body) == "invalid_utf8")
    }

    @Test(arguments: ["a=1&a=1", "a=1&b=2&a=3", "a&a=", "a=1&%61=2", "user+name=1&user%20name=2", "caf%C3%A9=1&cafe%CC%81=2"])
    func fieldGivenTwiceIsRefused(_ body: String) {
        #expect(Self.refusal(Array(body.utf8)) == "duplicate_field")
    }

    @Test func fieldCountIsBounded() throws {
        let body = (1...64).map { "f\($0)=\($0)" }.joined(separator: "&")
        #expect(try Self.form(body).names.count == 64)
        #expect(Self.refusal(Array((body + "&f65=65").utf8)) == "too_many_fields")
        #expect(Self.refusal(Array("a=1&b=2".utf8), maximumFields: 1) == "too_many_fields")
        #expect(try Self.form("a=1&&&", maximumFields: 1).names == ["a"])
    }

    /// The message names the field as sent, cut to 40 scalars, so a hostile body stays out of the logs.
    @Test func messageNamesTheFieldInAShortExcerpt() {
        let longName = String(repeating: "n", count: 500)
        do {
            _ = try Self.form("\(longName)=1&\(longName)=2")
            Issue.record("expected duplicate_field")
        } catch {
            #expect(error.code == "duplicate_field")
            #expect(error.message.contains(String(repeating: "n", count: 40) + "…"))
            #expect(!error.message.contains(String(repeating: "n", count: 41)))
            #expect(error.description == "FormError.duplicate_field: \(error.message)")
        }
        do {
            _ = try Self.form("text=ok&response%5Furl=%zz")
            Issue.record("expected invalid_percent_encoding")
        } catch {
            #expect(error.message.contains("'response%5Furl'"))
        }
    }

    /// Errors compare by kind, whatever field their message names.
    @Test func errorsCompareByKind() {
        #expect(throws: FormError.duplicateField) { try Self.form("a=1&a=2") }
        #expect(throws: FormError.invalidPercentEncoding) { try Self.form("b=%") }
        #expect(FormError.invalidUTF8 != FormError.tooManyFields)
        #expect(
            [FormError.invalidPercentEncoding, .invalidUTF8, .duplicateField, .tooManyFields].map(\.code)
                == ["invalid_percent_encoding", "invalid_utf8", "duplicate_field", "too_many_fields"])
    }

    @Test func formsCompareByTheirFields() throws {
        #expect(try Self.form("a=1&b=2") == Self.form("a=1&&b=2&"))
        #expect(try Self.form("a=1&b=2") != Self.form("b=2&a=1"))
    }
}
