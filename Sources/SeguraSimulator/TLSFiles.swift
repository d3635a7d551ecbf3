/// The PEM files the simulator serves HTTPS with.
public struct TLSFiles: Sendable {
    /// A PEM file with the server certificate first, then any intermediates.
    public var certificateChainPath: String
    /// A PEM file with the server's private key.
    public var privateKeyPath: String

    /// Names the two PEM files.
    public init(certificateChainPath: String, privateKeyPath: String) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
    }
}
