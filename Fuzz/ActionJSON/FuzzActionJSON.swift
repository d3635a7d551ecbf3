import Foundation
import FuzzSupport
import GatewayVocabulary
import SeguraClient
@testable import FuzzedRequests

/// Fuzzes `ActionRequestDecoder.decode`, the JSON body of `POST /v1/actions` in both forms.
///
/// Invariants beyond not crashing: an accepted request re-validates (field limits of `openapi.yaml`, in
/// code points, as JSON Schema counts them) and decodes to the same request when written back as JSON in the
/// structured form (when it has a `requested_by`) and in the command form; a refused body carries one of the
/// documented codes and a short message.
@main enum FuzzActionJSON {
    static func main() {
        FuzzMain.run { data, size in
            let body = FuzzInput.bytes(data, size)
            do throws(RequestValidationError) {
                let request = try ActionRequestDecoder.decode(body)
                Self.checkAccepted(request, body)
            } catch {
                let codes: Set<String> = ["invalid_json", "invalid_request", "invalid_command", "invalid_duration"]
                FuzzExpect.error(code: error.code.rawValue, message: error.message, in: codes, input: String(decoding: body, as: UTF8.self))
            }
            return 0
        }
    }

    private static func checkAccepted(_ request: ActionRequest, _ body: [UInt8]) {
        let input = String(decoding: body, as: UTF8.self)
        precondition(RequestLimits.isValidTicket(request.ticket), "accepted an invalid ticket: \(input)")
        precondition((1...RequestLimits.maximumID).contains(request.id), "accepted id \(request.id): \(input)")
        if let requestedBy = request.requestedBy {
            precondition(
                requestedBy.unicodeScalars.count <= RequestLimits.requestedByLength && !requestedBy.trimmingCharacters(in: .whitespaces).isEmpty,
                "accepted requested_by out of limits: \(input)"
            )
        }
        precondition((request.reason?.unicodeScalars.count ?? 0) <= RequestLimits.reasonLength, "accepted a reason over the limit: \(input)")
        if let duration = request.duration {
            precondition(duration > .zero && duration <= ISO8601Duration.maximum, "accepted duration \(duration): \(input)")
        }

        var fields: [String: Any] = [:]
        fields["requested_by"] = request.requestedBy
        fields["reason"] = request.reason
        var command = fields
        command["command"] = "\(request.action.rawValue) \(request.kind.rawValue) \(request.id) for ticket \(request.ticket)"
            + (request.duration.map { " for " + ISO8601Duration.format($0) } ?? "")
        Self.expectRoundTrip(command, to: request, input)
        if request.requestedBy != nil {
            var structured = fields
            structured["action"] = request.action.rawValue
            structured["target"] = ["kind": request.kind.rawValue, "id": request.id]
            structured["ticket"] = request.ticket
            structured["duration"] = request.duration.map(ISO8601Duration.format)
            Self.expectRoundTrip(structured, to: request, input)
        }
    }

    /// Traps unless `object`, written as JSON, decodes to `request`.
    private static func expectRoundTrip(_ object: [String: Any], to request: ActionRequest, _ input: String) {
        let json = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let decoded = Result { () throws(RequestValidationError) in try ActionRequestDecoder.decode(Array(json)) }
        precondition(
            (try? decoded.get()) == request,
            "accepted \(input)\nbut its re-encoding \(String(decoding: json, as: UTF8.self)) gives \(decoded)"
        )
    }
}
