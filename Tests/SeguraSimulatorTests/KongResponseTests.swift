import NIOHTTP1
import Testing

@testable import SeguraSimulator

@Suite("Kong-generated answers")
struct KongResponseTests {
    @Test(
        "the body format follows Accept the way Kong picks it",
        arguments: [
            (nil, KongErrorFormat.json),
            ("application/json", .json),
            ("application/json; charset=utf-8", .json),
            ("*/*", .json),
            ("application/*", .json),
            ("image/png", .json),
            ("text/html", .html),
            ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", .html),
            ("text/plain", .plain),
            ("text/*", .plain),
            ("application/xml", .xml),
            ("text/html;q=0.5, application/json", .json),
            ("application/json;q=0.5, text/plain;q=0.9", .plain),
            ("text/plain;q=0, text/html;q=0.1", .html),
            ("text/plain;q=2, text/html;q=0.1", .html),
        ] as [(String?, KongErrorFormat)]
    )
    func negotiation(_ accept: String?, _ expected: KongErrorFormat) {
        #expect(KongErrorFormat(accept: accept) == expected)
    }

    @Test("no route: JSON by default, in Kong's template")
    func noRouteJSON() {
        var harness = EngineHarness()
        let response = harness.response(SimulatorRequest(.GET, "/"))
        #expect(response.status == .notFound)
        #expect(response.body == "{\n  \"message\":\"no Route matched with those values\"\n}")
        #expect(response.headers.first(name: "Content-Type") == "application/json; charset=utf-8")
        #expect(response.headers.first(name: "Server") == "kong/3.4.2")
        #expect(response.headers.first(name: "X-Kong-Response-Latency") == "0")
    }

    @Test("no route: an HTML page for text/html")
    func noRouteHTML() {
        var harness = EngineHarness()
        let response = harness.response(SimulatorRequest(.GET, "/", headers: ["Accept": "text/html"]))
        #expect(response.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
        #expect(response.body.hasPrefix("<!doctype html>"))
        #expect(response.body.contains("<p>no Route matched with those values.</p>"))
    }

    @Test("no route: the bare message for text/plain")
    func noRoutePlain() {
        var harness = EngineHarness()
        let response = harness.response(SimulatorRequest(.GET, "/", headers: ["Accept": "text/plain"]))
        #expect(response.headers.first(name: "Content-Type") == "text/plain; charset=utf-8")
        #expect(response.body == "no Route matched with those values\n")
    }

    @Test("no route: XML for application/xml")
    func noRouteXML() {
        var harness = EngineHarness()
        let response = harness.response(SimulatorRequest(.GET, "/", headers: ["Accept": "application/xml"]))
        #expect(response.body.contains("<message>no Route matched with those values</message>"))
    }

    @Test("upstream faults follow Accept too")
    func faultFollowsAccept() throws {
        var harness = EngineHarness()
        let token = try harness.token()
        harness.engine.injectFault(.kongBadGateway, on: .anyRequest, times: 1)
        let response = harness.response(
            .operation(.credential, .enable, id: 42, token: token, headers: ["Accept": "text/plain"])
        )
        #expect(response.status == .badGateway)
        #expect(response.body == "An invalid response was received from the upstream server\n")
    }
}
