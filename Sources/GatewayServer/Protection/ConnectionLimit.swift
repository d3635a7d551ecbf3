import HummingbirdCore

/// Hummingbird's connection limit, counted in the metrics: past `maximum` open connections the server stops
/// accepting, so new connections wait in the kernel's listen backlog (and past that are refused by it)
/// instead of taking file descriptors and memory in the gateway.
///
/// The server channel calls it on its event loop, one call at a time, so the count needs no lock.
struct ConnectionLimit: AvailableConnectionsDelegate {
    let maximum: Int
    let metrics: GatewayMetrics
    private var open = 0

    init(maximum: Int, metrics: GatewayMetrics) {
        self.maximum = maximum
        self.metrics = metrics
    }

    mutating func connectionOpened() {
        self.open += 1
        self.metrics.recordOpenConnections(self.open)
    }

    mutating func connectionClosed() {
        self.open -= 1
        self.metrics.recordOpenConnections(self.open)
    }

    func isAcceptingNewConnections() -> Bool {
        self.open < self.maximum
    }
}
