extension AuditHead: LosslessStringConvertible {
    /// `SEQUENCE:HASH`, e.g. `1234:9f86d081…`: what `audit verify` prints and `--anchor` takes back.
    ///
    /// One short token, so a head is easy to publish where the store's owner cannot rewrite it (a log line, a
    /// ticket, a SIEM) and to paste back when verifying.
    public var description: String { "\(self.sequence):\(self.hash)" }

    /// Parses `SEQUENCE:HASH`: a whole number, `:`, then 64 hex digits.
    ///
    /// Upper-case digits are accepted and kept lower-case, the form hashes are stored and compared in, so a
    /// head that was upper-cased on its way through another system still matches.
    public init?(_ description: String) {
        let parts = description.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2,
            parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
            let sequence = Int(parts[0]),
            parts[1].count == AuditChain.genesisHash.count,
            parts[1].allSatisfy({ $0.isASCII && $0.isHexDigit })
        else { return nil }
        self.init(sequence: sequence, hash: parts[1].lowercased())
    }
}
