import Foundation

/// A throw-away certificate authority and a server certificate for 127.0.0.1 and localhost, made
/// with the `openssl` command so tests need no certificate files in the repository.
public struct TestCertificates: Sendable {
    /// The folder holding the files; remove it when done.
    public let directory: String
    /// The CA certificate (PEM), for a client's trust store.
    public var caCertificate: String { self.directory + "/ca.pem" }
    /// The server certificate (PEM), signed by the CA.
    public var serverCertificate: String { self.directory + "/server.pem" }
    /// The server's private key (PEM).
    public var serverKey: String { self.directory + "/server.key" }

    /// Creates a new CA and server certificate in a new temporary folder.
    public static func generate() async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("segura-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await OpenSSL.run(["req", "-x509"] + curve + [
            "-keyout", directory + "/ca.key", "-out", certificates.caCertificate, "-days", "2", "-subj", "/CN=segura-gateway test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try await OpenSSL.run(["req"] + curve + ["-keyout", certificates.serverKey, "-out", directory + "/server.csr", "-subj", "/CN=127.0.0.1"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n".write(
            toFile: directory + "/server.ext", atomically: true, encoding: .utf8)
        try await OpenSSL.run([
            "x509", "-req", "-in", directory + "/server.csr", "-CA", certificates.caCertificate, "-CAkey", directory + "/ca.key",
            "-CAcreateserial", "-out", certificates.serverCertificate, "-days", "2", "-extfile", directory + "/server.ext",
        ])
        return certificates
    }
}
