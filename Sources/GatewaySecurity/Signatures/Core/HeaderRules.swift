import HTTPTypes

/// The header lookups and value rules every scheme shares.
///
/// Names are matched case-insensitively by `HTTPFields` itself.
enum HeaderRules {
    /// The longest delivery id accepted, in bytes; ids are dedup keys and log fields, not payloads.
    static let maximumDeliveryIDByteCount = 256

    /// Whether `byte` is visible ASCII (`!` to `~`): no space, no control character, nothing non-ASCII.
    static func isVisibleASCII(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte)
    }

    /// The credentials of an `Authorization` value: what follows its scheme word and one or more spaces
    /// (RFC 9110 §11.4), when that word is one of `schemes` (given in lower case; compared case-insensitively).
    ///
    /// - Returns: the credentials, possibly empty, or `nil` when there is no space or the scheme is another.
    static func authorizationCredentials(in value: String, schemes: Set<String>) -> Substring? {
        guard let space = value.firstIndex(of: " "), schemes.contains(value[..<space].lowercased()) else { return nil }
        return value[space...].drop { $0 == " " }
    }

    /// The one value of a field that may be sent under any of `names` (a standard name and its aliases).
    ///
    /// A field sent twice under one name is ambiguous and refused. The same field under two alias names is
    /// accepted only when both carry the same value, because some senders emit both spellings.
    ///
    /// - Returns: the value, or `nil` when no name is present.
    static func singleValue(of names: [HTTPField.Name], in fields: HTTPFields) throws(SignatureError) -> String? {
        var found: String?
        for name in names {
            let values = fields[values: name]
            guard values.count <= 1 else { throw .duplicateHeader }
            guard let value = values.first else { continue }
            if let earlier = found, earlier != value { throw .duplicateHeader }
            found = value
        }
        return found
    }

    /// Checks a delivery id: 1 to 256 bytes of visible ASCII, and no `.` when the scheme forbids it.
    ///
    /// Standard Webhooks forbids `.` because the id is joined to the timestamp and body with dots.
    static func validatedDeliveryID(_ value: String, allowingDot: Bool) throws(SignatureError) -> String {
        let bytes = value.utf8
        guard (1...Self.maximumDeliveryIDByteCount).contains(bytes.count),
            bytes.allSatisfy(Self.isVisibleASCII),
            allowingDot || !bytes.contains(UInt8(ascii: "."))
        else { throw .malformedDeliveryID }
        return value
    }
}
