import Foundation

/// Files only the gateway's own user may read: the store (callers' answers, the audit trail) and the demo's
/// secrets file.
///
/// Modes are set when the file is created, through `open(2)`'s mode argument, so there is no moment when a
/// file with a wider mode exists; an existing file is narrowed to the same mode. SQLite creates a database's
/// `-wal` and `-shm` files with the database file's mode, so making the database private makes them private.
public enum PrivateFile {
    /// Read and write for the owner only.
    public static let mode: mode_t = 0o600

    /// Creates `path` empty with mode 0600 if it does not exist, or narrows an existing file (and any
    /// `suffixes` beside it, such as SQLite's `-wal` and `-shm`) to 0600.
    public static func prepare(path: String, suffixes: [String] = []) throws(PrivateFileError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, self.mode)
        guard descriptor >= 0 else { throw PrivateFileError(path: path, errno: errno) }
        defer { close(descriptor) }
        guard fchmod(descriptor, self.mode) == 0 else { throw PrivateFileError(path: path, errno: errno) }
        for suffix in suffixes where chmod(path + suffix, self.mode) != 0 && errno != ENOENT {
            throw PrivateFileError(path: path + suffix, errno: errno)
        }
    }

    /// Writes `text` to `path`, replacing its content, with mode 0600 whether or not it existed.
    public static func write(_ text: String, toPath path: String) throws(PrivateFileError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, self.mode)
        guard descriptor >= 0 else { throw PrivateFileError(path: path, errno: errno) }
        let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        guard fchmod(descriptor, self.mode) == 0 else { throw PrivateFileError(path: path, errno: errno) }
        do {
            try file.write(contentsOf: Array(text.utf8))
            try file.close()
        } catch {
            throw PrivateFileError(path: path, errno: EIO)
        }
    }
}

/// A private file could not be created, narrowed or written.
public struct PrivateFileError: Error, CustomStringConvertible {
    /// The file concerned.
    public let path: String
    private let code: Int32

    init(path: String, errno code: Int32) {
        self.path = path
        self.code = code
    }

    public var description: String { "\(self.path): \(String(cString: strerror(self.code)))" }
}
