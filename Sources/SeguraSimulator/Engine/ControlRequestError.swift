/// A control request the simulator cannot act on; its reason goes back to the caller as a 400.
struct ControlRequestError: Error {
    /// Why, in words the script author can act on.
    var reason: String

    /// Wraps a reason.
    init(_ reason: String) {
        self.reason = reason
    }
}
