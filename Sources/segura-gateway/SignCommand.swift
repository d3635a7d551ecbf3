import ArgumentParser
import Foundation
import GatewaySecurity
import HTTPTypes

/// `segura-gateway sign`: print the signature headers for a body, so integrators can test by hand.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Print the signature headers of a body for a scheme and secret.",
        discussion: """
            The secret is read from an environment variable or a file, never from the command line \
            (where other users could see it in the process list).

              BODY='{"command":"enable credential 42 for ticket CHG0012345"}'
              curl http://127.0.0.1:8080/v1/actions -H 'Content-Type: application/json' \\
                $(printf '%s' "$BODY" | segura-gateway sign --secret-env DEMO_SECRET --format curl) -d "$BODY"

            Any other request is signed over its method, path and query (and body, for DELETE), so a \
            signature serves only that request; give them with --request:

              curl 'http://127.0.0.1:8080/v1/grants?state=all' \\
                $(segura-gateway sign --secret-env DEMO_SECRET --request 'GET /v1/grants?state=all' --format curl)
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case headers
        case curl
    }

    @Option(help: "The scheme: \(SignatureScheme.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scheme: String = SignatureScheme.standardWebhooks.rawValue

    @Option(help: "An environment variable holding the secret.")
    var secretEnv: String?

    @Option(help: "A file holding the secret.")
    var secretFile: String?

    @Option(help: "The body to sign; - reads standard input. Default: standard input, or no body with --request.")
    var bodyFile: String?

    @Option(help: ArgumentHelp("Sign for this request, such as 'GET /v1/grants?state=all' (any request but POST /v1/actions).", valueName: "method target"))
    var request: String?

    @Option(help: "The delivery id (default: a new random id).")
    var deliveryID: String?

    @Option(help: "The Unix timestamp to sign (default: now).")
    var timestamp: Int?

    @Option(help: "`headers`: one `Name: value` per line; `curl`: -H arguments for curl.")
    var format: Format = .headers

    func run() throws {
        guard let scheme = SignatureScheme(rawValue: self.scheme) else {
            throw ValidationError("unknown scheme '\(self.scheme)'; use one of \(SignatureScheme.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let secretText: String
        switch (self.secretEnv, self.secretFile) {
        case (let name?, nil):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { throw ValidationError("environment variable \(name) is not set") }
            secretText = value
        case (nil, let path?):
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            secretText = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        default:
            throw ValidationError("give exactly one of --secret-env or --secret-file")
        }
        let secret: WebhookSecret
        do {
            secret = try WebhookSecret(secretText, scheme: scheme)
        } catch {
            throw ValidationError("the secret is not a valid \(scheme.rawValue) secret (\(error.code))")
        }
        let bodyFile = self.bodyFile ?? (self.request == nil ? "-" : nil)
        let body: [UInt8] = try bodyFile.map { path in
            guard let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read \(path)")
            }
            return Array(data)
        } ?? []
        let signed: [UInt8] = try self.request.map { request in
            let parts = request.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[1].hasPrefix("/"), !RequestBinding.signsBodyAlone(method: parts[0], path: parts[1]) else {
                throw ValidationError("--request takes a method and a target, such as 'GET /v1/grants?state=all'; POST /v1/actions is signed over its body alone")
            }
            return RequestBinding.message(method: parts[0], target: parts[1], body: body)
        } ?? body
        let fields = WebhookSigner.headerFields(
            scheme: scheme,
            secret: secret,
            body: signed,
            deliveryID: self.deliveryID ?? "msg_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(),
            timestamp: self.timestamp.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date()
        )
        switch self.format {
        case .headers:
            for field in fields { print("\(field.name.rawName): \(field.value)") }
        case .curl:
            // Spliced unquoted into a curl command line, so a value with a space would split in two.
            guard fields.allSatisfy({ !$0.value.contains(" ") }) else {
                throw ValidationError("a header value contains a space (\(scheme.rawValue)); use --format headers")
            }
            print(fields.map { "-H \($0.name.rawName):\($0.value)" }.joined(separator: " "))
        }
    }
}

/// Writes a line to standard error.
func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
