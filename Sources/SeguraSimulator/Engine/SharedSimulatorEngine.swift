import Synchronization

/// The engine behind a lock, shared by the public façade and every connection of the server.
///
/// A class because `Mutex` cannot be copied; the façade and the transport each hold a reference, so neither
/// owns the other.
final class SharedSimulatorEngine: Sendable {
    private let engine: Mutex<SimulatorEngine>

    /// Wraps a freshly built engine.
    init(_ engine: SimulatorEngine) {
        self.engine = Mutex(engine)
    }

    /// Runs `body` with exclusive access to the engine; keep it short, every connection waits on it.
    func withLock<Result: Sendable, Failure: Error>(
        _ body: (inout SimulatorEngine) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try self.engine.withLock { (engine: inout SimulatorEngine) throws(Failure) -> Result in
            try body(&engine)
        }
    }
}
