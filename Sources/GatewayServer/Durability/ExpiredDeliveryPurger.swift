import Foundation
import GatewayStore
import Logging
import ServiceLifecycle

/// Deletes expired deliveries (and the signatures remembered with them) every `interval`, so the store holds
/// about one expiry window of them. An expired key already behaves as absent; purging only reclaims space, and
/// the audit trail keeps every decision.
struct ExpiredDeliveryPurger: Service {
    let store: any GatewayStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while true {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            do {
                let purged = try await self.store.purgeExpiredDeliveries(now: Date())
                if purged > 0 { self.logger.info("Purged expired deliveries", metadata: ["deliveries.purged": "\(purged)"]) }
            } catch {
                self.logger.error("Could not purge expired deliveries; retrying at the next interval", metadata: ["error": "\(error)"])
            }
        }
    }
}
