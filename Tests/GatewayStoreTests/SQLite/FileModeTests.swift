import Foundation
import GatewayStore
import Testing

/// The store holds callers' answers and the audit trail: no other user of the machine may read it.
@Suite struct FileModeTests {
    private func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test("The store and its -wal and -shm files are created 0600, whatever the umask")
    func newStoreIsPrivate() async throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        try await withDatabasePath { path in
            let store = try await SQLiteGatewayStore.open(path: path)
            try await store.appendEvents(3)
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(try self.mode(file) == 0o600, "\(file)")
            }
            try await store.close()
        }
    }

    @Test("An existing store with a wider mode is narrowed to 0600 when opened")
    func existingStoreIsNarrowed() async throws {
        try await withDatabasePath { path in
            let store = try await SQLiteGatewayStore.open(path: path)
            try await store.appendEvents(1)
            try await store.close()
            for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
            }
            let reopened = try await SQLiteGatewayStore.open(path: path)
            for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
                #expect(try self.mode(file) == 0o600, "\(file)")
            }
            try await reopened.close()
        }
    }

    @Test("A private file is written 0600, and an existing one is narrowed and replaced")
    func privateFileWrite() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("private-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PrivateFile.write("SECRET=1\nLONGER=line\n", toPath: path)
        #expect(try self.mode(path) == 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try PrivateFile.write("SECRET=2\n", toPath: path)
        #expect(try self.mode(path) == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "SECRET=2\n")
    }
}
