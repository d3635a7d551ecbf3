/// Microsoft Teams outgoing webhooks: `Authorization: HMAC <base64>`, where the MAC is HMAC-SHA256 over the raw
/// body keyed with the base64-decoded security token Teams shows when the webhook is created.
///
/// Teams signs no timestamp and sends no delivery-id header, so there is no replay window. The Activity `id`
/// inside the (signed) body is the delivery id; the layer above reads it once the body is authenticated.
enum TeamsSignatureFormat {
    /// The `Authorization` scheme word, compared case-insensitively as RFC 9110 says.
    private static let authorizationScheme = "HMAC"

    /// The MAC of an `Authorization` value: `HMAC`, one or more spaces, then canonical padded standard base64
    /// of exactly 32 bytes. Anything else (another scheme, unpadded or URL-safe base64, a comma-joined
    /// duplicate, a MAC of another length) is malformed.
    static func signature(in value: String) throws(SignatureError) -> [UInt8] {
        guard let credentials = HeaderRules.authorizationCredentials(in: value, schemes: [Self.authorizationScheme.lowercased()]),
            let code = Base64.decodeCanonical(credentials),
            code.count == MessageAuthenticator.codeByteCount
        else { throw .malformedSignature }
        return code
    }

    /// The `Authorization` value that presents a MAC, as Microsoft's sample computes it.
    static func render(_ code: [UInt8]) -> String {
        "\(Self.authorizationScheme) \(Base64.encode(code))"
    }
}
