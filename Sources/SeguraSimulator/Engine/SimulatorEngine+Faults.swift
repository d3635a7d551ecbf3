import NIOHTTP1

extension SimulatorEngine {
    /// The `X-RateLimit-Limit` a ``Fault/rateLimited(retryAfterSeconds:)`` answer reports (Segura publishes no
    /// number; 60 per window is an assumption).
    static let simulatedRateLimit = 60

    /// Queues a fault for the next `times` matching requests (`Int.max`: until cleared).
    mutating func injectFault(_ fault: Fault, on matcher: RouteMatcher, times: Int) {
        precondition(times > 0, "a fault must apply to at least one request")
        self.faults.append(FaultRule(fault: fault, matcher: matcher, remaining: times))
    }

    /// Drops every pending fault.
    mutating func clearFaults() {
        self.faults.removeAll()
    }

    /// Answers a request that reached `route`: with the oldest matching fault if there is one (consuming it),
    /// otherwise with `normal`.
    mutating func answer(
        _ request: SimulatorRequest,
        on route: MatchableRoute,
        normal: (inout SimulatorEngine) -> SimulatorResponse
    ) -> SimulatorOutcome {
        guard let fault = self.consumeFault(matching: route) else {
            return .respond(normal(&self))
        }
        switch fault {
        case .kongBadGateway:
            return .respond(
                .kong(.badGateway, "An invalid response was received from the upstream server", for: request))
        case .kongServiceUnavailable:
            return .respond(.kong(.serviceUnavailable, "The upstream server is currently unavailable", for: request))
        case .kongGatewayTimeout:
            return .respond(.kongGatewayTimeout(for: request))
        case .latency(let delay):
            return .respond(normal(&self).withUpstreamLatency(delay), after: delay)
        case .connectionReset:
            return .resetConnection
        case .garbageBody:
            return .respond(.proxied(.ok, body: Self.garbageBody))
        case .applyThenGatewayTimeout:
            _ = normal(&self)
            return .respond(.kongGatewayTimeout(for: request))
        case .unexpectedError:
            return .respond(.seguraError(.internalServerError, "Unexpected error."))
        case .notAuthorized:
            return .respond(.seguraError(.internalServerError, "You are not authorized to access this resource."))
        case .requestTimedOut:
            return .respond(.proxied(.requestTimeout, body: "{\"message\":\"Request timed out.\"}"))
        case .invalidSignature:
            return .respond(.seguraError(.unauthorized, "Invalid signature"))
        case .resourceSubNotFound:
            return .respond(.seguraError(.notFound, "Resource sub not found"))
        case .rateLimited(let retryAfter):
            let headers: HTTPHeaders = [
                "Retry-After": String(retryAfter),
                "X-RateLimit-Limit": String(Self.simulatedRateLimit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": String(retryAfter),
            ]
            return .respond(.kong(.tooManyRequests, "API rate limit exceeded", for: request, extraHeaders: headers))
        case .emptyBody(let status):
            return .respond(.proxied(HTTPResponseStatus(statusCode: status), body: "", contentType: nil))
        case .seguraError(let status, let message):
            return .respond(.seguraError(HTTPResponseStatus(statusCode: status), message))
        }
    }

    /// What a PHP upstream prints when it dies mid-response: HTML, under a JSON content type.
    static let garbageBody =
        "<br />\n<b>Fatal error</b>:  Maximum execution time of 30 seconds exceeded in "
        + "<b>/var/www/html/index.php</b> on line <b>1</b><br />\n"

    private mutating func consumeFault(matching route: MatchableRoute) -> Fault? {
        guard let index = self.faults.firstIndex(where: { $0.matcher.matches(route) }) else {
            return nil
        }
        let fault = self.faults[index].fault
        if self.faults[index].remaining == 1 {
            self.faults.remove(at: index)
        } else if self.faults[index].remaining != Int.max {
            self.faults[index].remaining -= 1
        }
        return fault
    }
}
