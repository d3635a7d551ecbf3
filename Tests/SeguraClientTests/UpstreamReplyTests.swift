import CurlHTTPClient
@testable import SeguraClient
import Testing

/// Tolerant parsing of every documented envelope variant (segura-api.md §4.1, §4.2, §4.4).
@Suite
struct UpstreamReplyTests {
    private func reply(_ status: Int, _ body: String, headers: [HTTPHeaderField] = []) -> UpstreamReply {
        UpstreamReply(response: OutboundResponse(status: status, headers: headers, body: Array(body.utf8)))
    }

    @Test func fullV1Envelope() {
        let parsed = self.reply(
            200,
            #"{"code":200,"response":{"status":200,"message":"Device successfully activated","error":false,"error_code":0,"detail":"","mensagem":"Device successfully activated","erro":false,"cod_erro":0}}"#
        )
        #expect(parsed.source == .segura)
        #expect(parsed.isEnvelope)
        #expect(parsed.envelopeSaysError == false)
        #expect(parsed.message == "Device successfully activated")
        #expect(parsed.seguraCode == nil)
    }

    @Test func capitalisedMessageWithoutLowercaseMessage() {
        let parsed = self.reply(200, #"{"code":200,"response":{"status":200,"Message":"Credential successfully activated","error":false}}"#)
        #expect(parsed.message == "Credential successfully activated")
    }

    @Test func portugueseOnlyOldestFormWithoutCode() {
        let parsed = self.reply(200, #"{"response":{"status":200,"mensagem":"Sessão interrompida com sucesso","erro":false}}"#)
        #expect(parsed.isEnvelope)
        #expect(parsed.envelopeSaysError == false)
        #expect(parsed.message == "Sessão interrompida com sucesso")
    }

    @Test func errorEnvelopeTakesTheCodeFromTheExceptionBlock() {
        let parsed = self.reply(
            400,
            #"{"code":400,"tenant":"Segura","response":{"status":400,"message":"1006: User does not have access","error":true,"error_code":1,"detail":"","mensagem":"1006: User does not have access","erro":true,"cod_erro":1},"exception":{"code":"1006","message":"1006: User does not have access","detail":null}}"#
        )
        #expect(parsed.seguraCode == 1006)
        #expect(parsed.envelopeSaysError == true)
    }

    @Test func codeFromTheMessagePrefixWhenThereIsNoException() {
        let parsed = self.reply(400, #"{"response":{"status":400,"message":"1043: Credential is already activated!","error":1}}"#)
        #expect(parsed.seguraCode == 1043)
        #expect(parsed.envelopeSaysError == true)
    }

    @Test func kongJSONWithRequestID() {
        let parsed = self.reply(404, #"{"message":"no Route matched with those values","request_id":"abc"}"#)
        #expect(parsed.source == .kong)
        #expect(parsed.message == "no Route matched with those values")
    }

    @Test func kongHTMLPage() {
        let parsed = self.reply(502, "<!doctype html><html><body><h1>An invalid response was received from the upstream server</h1></body></html>")
        #expect(parsed.source == .kong)
        #expect(parsed.message == "An invalid response was received from the upstream server")
    }

    @Test func emptyBodyWithKongHeader() {
        let parsed = self.reply(503, "", headers: [HTTPHeaderField("X-Kong-Response-Latency", "0")])
        #expect(parsed.source == .kong)
        #expect(parsed.message == nil)
    }

    @Test func unknownTextIsKeptShort() {
        let parsed = self.reply(500, String(repeating: "x", count: 5000))
        #expect(parsed.source == .unknown)
        #expect((parsed.message?.count ?? 0) <= UpstreamReply.maxMessageLength + 1)
    }

    @Test func oauthErrorFromTheTokenEndpoint() {
        let parsed = self.reply(401, #"{"error":"invalid_client","message":"Client authentication failed"}"#)
        #expect(parsed.source == .segura)
        #expect(parsed.message == "Client authentication failed")
    }

    @Test func retryAfterIsRead() {
        let parsed = self.reply(429, #"{"message":"API rate limit exceeded"}"#, headers: [HTTPHeaderField("Retry-After", "2")])
        #expect(parsed.retryAfter == .seconds(2))
    }
}
