import Crypto
import FormReading
import Foundation
import HTTPTypes

/// Checks that a webhook came from one configured caller, under that caller's scheme and active secrets.
///
/// Build one per caller at configuration time and share it: it is an immutable value. Verification runs over
/// the exact raw body bytes, before any JSON or form parsing (but for a static token's form field, read with the
/// strict ``URLEncodedForm``), and fails closed with a ``SignatureError``.
///
/// ```swift
/// let verifier = CallerVerifier(scheme: .slackV0, secrets: [current, previous])
/// let delivery = try verifier.verify(headerFields: request.headerFields, body: rawBody, now: Date())
/// ```
///
/// Order of checks: the required headers (duplicated, then missing), their syntax, the signed delivery id,
/// the timestamp window, and only then the MAC, so a replayed or malformed request costs no HMAC work.
/// Unsigned delivery headers are read after the MAC or token matched.
public struct CallerVerifier: Sendable, CustomReflectable {
    /// The scheme every secret of this caller belongs to.
    public let scheme: SignatureScheme
    /// How far a signed timestamp may be from now, in either direction (Standard Webhooks and Slack only).
    public var tolerance: Duration { self.window.tolerance }

    private let window: TimestampWindow
    private let authenticator: MessageAuthenticator
    private let signatureHeader: HTTPField.Name
    private let tokenHeader: HTTPField.Name
    /// Static token only: the form field that may carry the token too; `nil` when only the header does.
    private let tokenFormField: String?
    /// Static token only: each token's HMAC under the authenticator's one random key.
    ///
    /// Comparing HMACs of the presented and the configured tokens, rather than the tokens, gives a
    /// constant-time compare over two 32-byte buffers whatever the tokens' lengths (so not even a token's
    /// length leaks), and the verifier itself keeps no token in plain form.
    private let tokenDigests: [[UInt8]]

    /// Creates a verifier for one caller.
    ///
    /// - Parameters:
    ///   - scheme: the caller's scheme.
    ///   - secrets: the active secrets, two or more during a rotation; a delivery signed with any verifies.
    ///   - tolerance: the replay window for schemes that sign a timestamp. Default 300 s, as Slack and the
    ///     Standard Webhooks libraries use.
    ///   - tokenHeader: static token only: the header carrying the token. In `Authorization` the token follows
    ///     `Bearer ` or `Token `; in any other header it is the whole value.
    ///   - signatureHeader: hub-sha256 only: the signature header; `nil` means `X-Hub-Signature-256` (GitHub).
    ///     Jira admin webhooks use `X-Hub-Signature` with the same `sha256=` format.
    ///   - tokenFormField: static token only: a field of an `application/x-www-form-urlencoded` body that carries
    ///     the token as well as, or instead of, the header (Mattermost slash commands send both: `token`).
    ///     When both are sent, both must match.
    /// - Precondition: `secrets` is not empty, every secret was decoded for `scheme`, and `tolerance` is not
    ///   negative. The configuration layer checks these before building a verifier.
    public init(
        scheme: SignatureScheme,
        secrets: [WebhookSecret],
        tolerance: Duration = .seconds(300),
        tokenHeader: HTTPField.Name = .authorization,
        signatureHeader: HTTPField.Name? = nil,
        tokenFormField: String? = nil
    ) {
        precondition(!secrets.isEmpty, "a caller needs at least one active secret")
        precondition(secrets.allSatisfy { $0.scheme == scheme }, "every secret must be decoded for the caller's scheme")
        self.scheme = scheme
        self.window = TimestampWindow(tolerance: tolerance)
        self.tokenHeader = tokenHeader
        self.tokenFormField = tokenFormField
        self.signatureHeader = signatureHeader ?? HubSignatureFormat.defaultSignatureHeader
        if scheme == .staticToken {
            let digestKey = SymmetricKey(size: .bits256)
            self.authenticator = MessageAuthenticator(keys: [digestKey])
            self.tokenDigests = secrets.map { MessageAuthenticator.code(for: SignedMessage(prefix: [], body: $0.keyBytes), key: digestKey) }
        } else {
            self.authenticator = MessageAuthenticator(keys: secrets.map(\.key))
            self.tokenDigests = []
        }
    }

    /// Verifies one delivery over the exact raw body bytes, before any parsing.
    ///
    /// - Parameters:
    ///   - headerFields: the request's header fields; names are matched case-insensitively.
    ///   - body: the raw request body, byte for byte as received.
    ///   - now: the current time, for the timestamp window (a parameter so tests and replays can pin it).
    /// - Returns: the delivery's id, signed time and signature digest, for dedup and audit.
    /// - Throws: a ``SignatureError``; its ``SignatureError/httpStatus`` is the answer to send.
    public func verify(headerFields: HTTPFields, body: [UInt8], now: Date) throws(SignatureError) -> VerifiedDelivery {
        switch self.scheme {
        case .standardWebhooks: try self.verifyStandardWebhooks(headerFields, body: body, now: now)
        case .hubSHA256: try self.verifyHub(headerFields, body: body)
        case .slackV0: try self.verifySlack(headerFields, body: body, now: now)
        case .staticToken: try self.verifyStaticToken(headerFields, body: body)
        case .teamsHMAC: try self.verifyTeams(headerFields, body: body)
        }
    }

    private func verifyStandardWebhooks(_ fields: HTTPFields, body: [UInt8], now: Date) throws(SignatureError) -> VerifiedDelivery {
        let format = StandardWebhooksFormat.self
        let id = try HeaderRules.singleValue(of: format.idHeaders, in: fields)
        let timestamp = try HeaderRules.singleValue(of: format.timestampHeaders, in: fields)
        let signature = try HeaderRules.singleValue(of: format.signatureHeaders, in: fields)
        guard let id, let timestamp, let signature else { throw .missingSignature }
        let candidates = try format.signatures(in: signature)
        let deliveryID = try HeaderRules.validatedDeliveryID(id, allowingDot: false)
        let signedAt = try self.window.check(timestamp, now: now)
        let code = try self.match(candidates, format.message(id: deliveryID, timestamp: timestamp, body: body))
        return VerifiedDelivery(deliveryID: deliveryID, timestamp: signedAt, scheme: self.scheme, signatureDigest: Self.digest(of: code))
    }

    private func verifyHub(_ fields: HTTPFields, body: [UInt8]) throws(SignatureError) -> VerifiedDelivery {
        guard let signature = try HeaderRules.singleValue(of: [self.signatureHeader], in: fields) else { throw .missingSignature }
        let candidate = try HubSignatureFormat.signature.parse(signature)
        let code = try self.match([candidate], HubSignatureFormat.message(body: body))
        // The delivery id is not signed: read it only once the body is authenticated.
        var deliveryID: String?
        if let id = try HeaderRules.singleValue(of: HubSignatureFormat.deliveryIDHeaders, in: fields) {
            deliveryID = try HeaderRules.validatedDeliveryID(id, allowingDot: true)
        }
        return VerifiedDelivery(deliveryID: deliveryID, timestamp: nil, scheme: self.scheme, signatureDigest: Self.digest(of: code))
    }

    private func verifySlack(_ fields: HTTPFields, body: [UInt8], now: Date) throws(SignatureError) -> VerifiedDelivery {
        let timestamp = try HeaderRules.singleValue(of: [SlackSignatureFormat.timestampHeader], in: fields)
        let signature = try HeaderRules.singleValue(of: [SlackSignatureFormat.signatureHeader], in: fields)
        guard let timestamp, let signature else { throw .missingSignature }
        let candidate = try SlackSignatureFormat.signature.parse(signature)
        let signedAt = try self.window.check(timestamp, now: now)
        let code = try self.match([candidate], SlackSignatureFormat.message(timestamp: timestamp, body: body))
        return VerifiedDelivery(deliveryID: nil, timestamp: signedAt, scheme: self.scheme, signatureDigest: Self.digest(of: code))
    }

    private func verifyTeams(_ fields: HTTPFields, body: [UInt8]) throws(SignatureError) -> VerifiedDelivery {
        guard let value = try HeaderRules.singleValue(of: [.authorization], in: fields) else { throw .missingSignature }
        let candidate = try TeamsSignatureFormat.signature(in: value)
        let code = try self.match([candidate], SignedMessage(prefix: [], body: body))
        return VerifiedDelivery(deliveryID: nil, timestamp: nil, scheme: self.scheme, signatureDigest: Self.digest(of: code))
    }

    /// Every token presented (header, and form field when configured) must match, and all must be the same
    /// token: even two active tokens of a rotation in the header and the body disagree about which configured
    /// sender this is, so they are refused. A body that is not a form, or lacks the field, presents none.
    private func verifyStaticToken(_ fields: HTTPFields, body: [UInt8]) throws(SignatureError) -> VerifiedDelivery {
        var tokens: [[UInt8]] = []
        if let value = try HeaderRules.singleValue(of: [self.tokenHeader], in: fields) {
            tokens.append(try StaticTokenFormat.token(in: value, header: self.tokenHeader))
        }
        if let field = self.tokenFormField, let value = (try? URLEncodedForm(parsing: body))?[field] {
            tokens.append(try StaticTokenFormat.token(inFieldValue: value))
        }
        guard !tokens.isEmpty else { throw .missingSignature }
        var matched: Set<[UInt8]> = []
        for token in tokens {
            matched.insert(try self.match(self.tokenDigests, SignedMessage(prefix: [], body: token)))
        }
        guard matched.count == 1 else { throw .signatureMismatch }
        // The key is not signed: read it only once the caller is authenticated.
        let deliveryID = try Self.idempotencyKey(from: fields)
        return VerifiedDelivery(deliveryID: deliveryID, timestamp: nil, scheme: self.scheme, signatureDigest: nil)
    }

    /// The candidate that authenticates `message`, or ``SignatureError/signatureMismatch``.
    private func match(_ candidates: [[UInt8]], _ message: SignedMessage) throws(SignatureError) -> [UInt8] {
        guard let code = self.authenticator.matchingCandidate(among: candidates, for: message) else { throw .signatureMismatch }
        return code
    }

    private static func digest(of code: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: code))
    }

    /// Shows the scheme and tolerance, and hides every key and token digest from `print` and `dump`.
    public var customMirror: Mirror {
        Mirror(self, children: ["scheme": self.scheme, "tolerance": self.tolerance], displayStyle: .struct)
    }
}
