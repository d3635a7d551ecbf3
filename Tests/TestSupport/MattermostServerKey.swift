import Crypto
import Foundation

/// A Mattermost server's asymmetric signing key, for tests: it makes `trigger_id`s exactly as the server's
/// `model.GenerateTriggerId` does.
public struct MattermostServerKey: Sendable {
    private let key = P256.Signing.PrivateKey()

    public init() {}

    /// The public key as Mattermost publishes it (`AsymmetricSigningPublicKey`): base64 of its DER.
    public var publicKey: String { self.key.publicKey.derRepresentation.base64EncodedString() }

    /// `base64(clientTriggerId:userId:millis:base64(DER ECDSA-P256-SHA256 signature over "clientTriggerId:userId:millis:"))`.
    public func triggerID(user: String, at date: Date = Date(), client: String = "efyf4gw4xbbq8reehx1zdhz3nr") throws -> String {
        let data = "\(client):\(user):\(Int64(date.timeIntervalSince1970 * 1000)):"
        let signature = try self.key.signature(for: SHA256.hash(data: Data(data.utf8))).derRepresentation.base64EncodedString()
        return Data((data + signature).utf8).base64EncodedString()
    }
}
