import Foundation

/// The client id and secret of a token request, from the form body or an HTTP Basic header (RFC 6749 §2.3.1).
struct ClientCredentials: Equatable {
    /// `client_id`, if the request carried one.
    var id: String?
    /// `client_secret`, if the request carried one.
    var secret: String?

    /// Reads the credentials the way `thephpleague/oauth2-server` does: a body parameter wins, the Basic header
    /// fills in what the body lacks.
    init(form: [String: String], authorization: String?) {
        let basic = authorization.flatMap(Self.basic)
        self.id = form["client_id"] ?? basic?.id
        self.secret = form["client_secret"] ?? basic?.secret
    }

    /// `Basic base64(urlencode(id) ":" urlencode(secret))`.
    private static func basic(_ header: String) -> (id: String, secret: String)? {
        let parts = header.trimmingASCIIWhitespace().split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1].trimmingASCIIWhitespace())),
            let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":"),
            let id = FormURLEncoding.decode(decoded[..<colon]),
            let secret = FormURLEncoding.decode(decoded[decoded.index(after: colon)...])
        else {
            return nil
        }
        return (id, secret)
    }

    /// Whether these are the configured credentials; the secret is compared in constant time.
    func match(id expectedID: String, secret expectedSecret: String) -> Bool {
        guard let id = self.id, let secret = self.secret else {
            return false
        }
        let given = Array(secret.utf8)
        let expected = Array(expectedSecret.utf8)
        var difference = given.count ^ expected.count
        for index in expected.indices {
            difference |= Int(expected[index] ^ (index < given.count ? given[index] : 0))
        }
        return id == expectedID && difference == 0
    }
}
