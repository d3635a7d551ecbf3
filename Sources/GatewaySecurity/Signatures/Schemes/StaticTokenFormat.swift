import HTTPTypes

/// A shared token carried in a header: `Authorization: Bearer <token>` (Jira Automation),
/// `Authorization: Token <token>` (Mattermost slash commands), or the bare token in any other header; or as the
/// whole value of a form field (Mattermost's `token`).
enum StaticTokenFormat {
    /// The `Authorization` schemes accepted, compared case-insensitively as RFC 9110 says.
    private static let authorizationSchemes: Set<String> = ["bearer", "token"]

    /// The presented token's bytes.
    ///
    /// The token must be non-empty visible ASCII; in `Authorization` it follows a known scheme and one or
    /// more spaces. Anything else (another scheme such as `Basic`, a comma-joined duplicate, inner spaces)
    /// is malformed.
    static func token(in value: String, header: HTTPField.Name) throws(SignatureError) -> [UInt8] {
        guard header == .authorization else { return try Self.token(inFieldValue: value) }
        guard let credentials = HeaderRules.authorizationCredentials(in: value, schemes: Self.authorizationSchemes) else { throw .malformedSignature }
        return try Self.token(inFieldValue: credentials)
    }

    /// The presented token's bytes when it is a whole value (a custom header's, a form field's): non-empty
    /// visible ASCII, as a configured token is, or malformed.
    static func token(inFieldValue value: some StringProtocol) throws(SignatureError) -> [UInt8] {
        guard !value.isEmpty, value.utf8.allSatisfy(HeaderRules.isVisibleASCII) else { throw .malformedSignature }
        return Array(value.utf8)
    }

    /// The header value that presents `token`: `Bearer <token>` in `Authorization`, else the bare token.
    static func render(token: String, header: HTTPField.Name) -> String {
        header == .authorization ? "Bearer \(token)" : token
    }
}
