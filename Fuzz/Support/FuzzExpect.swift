/// The checks shared by the request fuzz targets.
public enum FuzzExpect {
    /// The longest error message a request error may carry, in UTF-8 bytes.
    ///
    /// Request errors promise to echo no more than a short excerpt of the input (40 characters); the longest
    /// fixed text around an excerpt is about 110 bytes. The bound is in bytes because a message's size, not its
    /// character count, is what reaches logs and responses.
    public static let maximumMessageByteCount = 512

    /// Traps unless an error's stable code is one of `codes` and its message is non-empty and short.
    public static func error(code: String, message: String, in codes: Set<String>, input: @autoclosure () -> String) {
        precondition(codes.contains(code), "unexpected error code '\(code)' for \(input())")
        precondition(!message.isEmpty, "empty error message for \(input())")
        precondition(
            message.utf8.count <= Self.maximumMessageByteCount,
            "error message of \(message.utf8.count) bytes (over \(Self.maximumMessageByteCount)) for \(input())"
        )
    }
}
