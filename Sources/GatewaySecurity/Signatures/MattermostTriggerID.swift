import Crypto
import Foundation

/// Verifies the signature Mattermost puts in a slash command's `trigger_id`, which binds the command to the user who
/// typed it.
///
/// A slash command is authenticated only by the command's static token, which does not cover the body: whoever holds
/// the token could send any `user_id`. But the server signs every `trigger_id` it makes with its own asymmetric
/// signing key (ECDSA P-256, SHA-256; `model.GenerateTriggerId` in Mattermost's server):
///
/// ```text
/// trigger_id = base64( clientTriggerId ":" userId ":" millis ":" base64(DER ECDSA signature) )
/// signature  = ECDSA-P256-SHA256( clientTriggerId ":" userId ":" millis ":" )
/// ```
///
/// Checking it with the server's public key (its client configuration's `AsymmetricSigningPublicKey`) proves that the
/// Mattermost server itself issued the command for `userId`, within the timestamp window. The verifier holds only a
/// public key, so it is safe to print.
public struct MattermostTriggerID: Sendable {
    private let publicKey: P256.Signing.PublicKey
    private let window: TimestampWindow

    /// - Parameters:
    ///   - publicKey: the server's public signing key: PEM, or standard base64 of its DER (SubjectPublicKeyInfo), as
    ///     Mattermost publishes it.
    ///   - tolerance: how far the trigger's time may be from now, either way.
    /// - Returns: `nil` when `publicKey` is not a P-256 public key in either form.
    public init?(publicKey: String, tolerance: Duration = .seconds(300)) {
        let text = publicKey.trimmingCharacters(in: .whitespacesAndNewlines)
        if let key = try? P256.Signing.PublicKey(pemRepresentation: text) {
            self.publicKey = key
        } else if let der = Data(base64Encoded: text), let key = try? P256.Signing.PublicKey(derRepresentation: der) {
            self.publicKey = key
        } else {
            return nil
        }
        self.window = TimestampWindow(tolerance: tolerance)
    }

    private init(publicKey: P256.Signing.PublicKey, window: TimestampWindow) {
        self.publicKey = publicKey
        self.window = window
    }

    /// The same key with a narrower window, for triggers that must be fresh: a button click is posted the moment it
    /// happens, so a trigger much older than that is being replayed.
    public func narrowed(to tolerance: Duration) -> MattermostTriggerID {
        MattermostTriggerID(publicKey: self.publicKey, window: TimestampWindow(tolerance: tolerance))
    }

    /// Checks that `triggerID` was signed by the server for `userID`, within the window around `now`.
    public func verify(_ triggerID: String, userID: String, now: Date) throws(SignatureError) {
        guard let decoded = Data(base64Encoded: triggerID), let text = String(data: decoded, encoding: .utf8) else { throw .malformedSignature }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, !parts[0].isEmpty, !parts[1].isEmpty, parts[2].utf8.count <= 16,
            let der = Data(base64Encoded: String(parts[3])), let signature = try? P256.Signing.ECDSASignature(derRepresentation: der)
        else { throw .malformedSignature }
        guard let millis = Int64(parts[2]) else { throw .malformedTimestamp }
        let signed = Data(parts[0...2].joined(separator: ":").utf8 + [UInt8(ascii: ":")])
        guard self.publicKey.isValidSignature(signature, for: SHA256.hash(data: signed)) else { throw .signatureMismatch }
        // Only now is the user id the server's word: the command must be for the user the form names.
        guard parts[1] == userID else { throw .signatureMismatch }
        _ = try self.window.check(String(millis / 1000), now: now)
    }
}
