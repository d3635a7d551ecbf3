/// A MAC written as a fixed prefix and hex digits: GitHub/Jira's `sha256=<hex>` and Slack's `v0=<hex>`.
struct PrefixedHexSignature: Sendable {
    /// The exact, case-sensitive prefix, e.g. `sha256=`; any other algorithm (such as `sha1=`) is malformed.
    let prefix: String

    /// The MAC bytes of a header value: the prefix, then exactly 64 hex digits in either case.
    func parse(_ value: String) throws(SignatureError) -> [UInt8] {
        guard value.hasPrefix(self.prefix),
            let bytes = Hex.decode(value.dropFirst(self.prefix.count)),
            bytes.count == MessageAuthenticator.codeByteCount
        else { throw .malformedSignature }
        return bytes
    }

    /// The header value for a MAC, in lowercase hex as the senders emit it.
    func render(_ code: [UInt8]) -> String {
        self.prefix + Hex.encode(code)
    }
}
