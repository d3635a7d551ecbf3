/// The requests faults can apply to, as the engine classifies them.
enum MatchableRoute {
    /// A request to a token path.
    case token
    /// An authenticated enable/disable request.
    case operation(SimulatedOperation)
    /// An authenticated request under `/api` or `/iso` that names no operation.
    case otherAPI
}
