/// What the transport must do with a request.
enum SimulatorOutcome: Sendable, Equatable {
    /// Send this response once `delay` has passed (`.zero` for at once).
    case respond(SimulatorResponse, after: Duration = .zero)
    /// Send nothing and close the connection with a TCP RST.
    case resetConnection
}
