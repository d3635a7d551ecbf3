extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (header values are ASCII).
    func trimmingASCIIWhitespace() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = self.firstIndex(where: { !isSpace($0) }), let end = self.lastIndex(where: { !isSpace($0) })
        else {
            return self[self.endIndex...]
        }
        return self[start...end]
    }
}
