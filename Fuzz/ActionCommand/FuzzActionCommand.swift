import FuzzSupport
import GatewayVocabulary
import SeguraClient
@testable import FuzzedRequests

/// Fuzzes `ActionCommandParser.parse`, the text form `enable credential 42 for ticket CHG0012345 for 2h`.
///
/// Invariants beyond not crashing: an accepted command re-validates (ticket, id and duration within their
/// limits) and its canonical spelling parses to the same request; a refused one carries an
/// `invalid_command` or `invalid_duration` code and a short message.
@main enum FuzzActionCommand {
    static func main() {
        FuzzMain.run { data, size in
            let command = FuzzInput.text(data, size)
            do throws(RequestValidationError) {
                let request = try ActionCommandParser.parse(command, requestedBy: "fuzz", reason: nil)
                Self.checkAccepted(request, command)
            } catch {
                FuzzExpect.error(code: error.code.rawValue, message: error.message, in: ["invalid_command", "invalid_duration"], input: command)
            }
            return 0
        }
    }

    private static func checkAccepted(_ request: ActionRequest, _ command: String) {
        precondition(RequestLimits.isValidTicket(request.ticket), "'\(command)' accepted an invalid ticket")
        precondition((1...RequestLimits.maximumID).contains(request.id), "'\(command)' accepted id \(request.id)")
        if let duration = request.duration {
            precondition(duration > .zero && duration <= ISO8601Duration.maximum, "'\(command)' accepted duration \(duration)")
        }
        let canonical = Self.canonical(request)
        let reparsed = try? ActionCommandParser.parse(canonical, requestedBy: "fuzz", reason: nil)
        precondition(reparsed == request, "'\(command)' parsed, but its canonical form '\(canonical)' gives \(String(describing: reparsed))")
    }

    /// The command in its plainest spelling: lower-case keywords, the kind's API name, an ISO 8601 duration.
    static func canonical(_ request: ActionRequest) -> String {
        let duration = request.duration.map { " for " + ISO8601Duration.format($0) } ?? ""
        return "\(request.action.rawValue) \(request.kind.rawValue) \(request.id) for ticket \(request.ticket)\(duration)"
    }
}
