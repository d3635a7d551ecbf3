import ArgumentParser
import Foundation
import GatewayServer
import GatewayStore
import Logging

/// `segura-gateway audit`: check and export the hash-chained audit trail, straight from the store file.
///
/// Both subcommands read a consistent snapshot (SQLite in WAL mode), so they run beside a live gateway on the
/// same file. Exit statuses follow grep's convention, so scripts can tell a broken chain from a failed check:
/// 0 success, 1 the chain is broken, 2 the command could not run (a bad value, no store at the path).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify or export the hash-chained audit trail.",
        subcommands: [AuditVerifyCommand.self, AuditExportCommand.self]
    )
}

/// `segura-gateway audit verify --store PATH [--anchor SEQUENCE:HASH]`: re-compute the chain, report the first break.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-compute the audit chain: exit 0 if intact, 1 if broken, 2 if it could not be checked.",
        discussion: """
            When the chain is intact, prints its head as SEQUENCE:HASH. Keep that head somewhere the gateway's \
            host cannot rewrite and pass it back as --anchor: only an anchor detects a rewrite of the whole file.
            """
    )

    @OptionGroup var storeOption: AuditStoreOption

    @Option(help: ArgumentHelp("A head published earlier, which the chain must still contain.", valueName: "sequence:hash"))
    var anchor: String?

    func run() async throws {
        let anchor = try self.anchor.map { text in
            guard let head = AuditHead(text) else {
                throw couldNotRun("--anchor '\(text)' is not SEQUENCE:HASH (a whole number, ':', then 64 hex digits)")
            }
            // Sequence 0 is the chain's start, before any record: an anchor there proves nothing.
            guard head.sequence >= 1 else { throw couldNotRun("--anchor names sequence 0, which is no record; records start at 1") }
            return head
        }
        switch try await self.storeOption.withStore({ store in try await store.verifyAuditChain(anchor: anchor) }) {
        case .intact(let count, let lastHash):
            print("audit chain intact: \(recordCount(count)), head \(AuditHead(sequence: count, hash: lastHash))")
        case .broken(let sequence, let reason):
            printToStandardError("audit chain BROKEN at sequence \(sequence): \(reason)")
            throw ExitCode.failure
        }
    }
}

/// `segura-gateway audit export --store PATH [--since TIME] [--after-sequence N]`: the trail as JSON Lines on
/// standard output, for a SIEM.
struct AuditExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write audit records to standard output, one JSON object per line, in sequence order.",
        discussion: """
            Records stream as they are read, so any size exports in bounded memory. The number written and the \
            last sequence go to standard error; pass that sequence as --after-sequence to continue next time.
            """
    )

    /// How records are written. JSON Lines only for now; a format is added as a case.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// One JSON object per line, as documented on `AuditJSONLines`.
        case jsonl
    }

    @OptionGroup var storeOption: AuditStoreOption

    @Option(help: ArgumentHelp("Only records that occurred at or after this time, ISO 8601 (2026-11-23T10:00:00Z).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only records after this sequence number, to continue an earlier export.", valueName: "n"))
    var afterSequence: Int?

    @Option(help: "The output format.")
    var format: Format = .jsonl

    func run() async throws {
        let since = try self.since.map { text in
            guard let date = AuditTimestamp.date(from: text) else {
                throw couldNotRun("--since '\(text)' is not an ISO 8601 time such as 2026-11-23T10:00:00Z")
            }
            return date
        }
        if let afterSequence, afterSequence < 0 {
            throw couldNotRun("--after-sequence must be 0 or more, not \(afterSequence)")
        }
        let summary = try await self.storeOption.withStore { store in
            let records = store.auditRecords(since: since, afterSequence: self.afterSequence)
            switch self.format {
            case .jsonl:
                // Straight to the file descriptor, chunk by chunk: print() would buffer until exit.
                return try await AuditExport.jsonLines(records) { chunk in try FileHandle.standardOutput.write(contentsOf: chunk) }
            }
        }
        printToStandardError(
            "audit export: \(recordCount(summary.recordCount))" + (summary.lastSequence.map { ", continue with --after-sequence \($0)" } ?? "")
        )
    }
}

/// `--store PATH` or `--config FILE`, shared by the audit subcommands: opens an existing store, never creates one.
struct AuditStoreOption: ParsableArguments {
    @Option(help: ArgumentHelp("The gateway's SQLite store (its store.path); it must exist.", valueName: "path"))
    var store: String?

    @Option(help: ArgumentHelp("The gateway's configuration file: the audit trail of the store it names (SQLite or PostgreSQL).", valueName: "file"))
    var config: String?

    func validate() throws {
        guard (self.store == nil) != (self.config == nil) else { throw ValidationError("give either --store PATH or --config FILE") }
    }

    /// Opens the store, runs `body`, and closes the store whether or not `body` threw.
    ///
    /// A SQLite path must name an existing file, because opening creates a missing store, and an empty trail would
    /// verify as intact. Logs go to standard error, so standard output carries only the command's result.
    ///
    /// - Throws: exit status 2, with a message, when there is no file at the path or the store cannot be read.
    func withStore<T>(_ body: (any GatewayStore) async throws -> T) async throws -> T {
        bootstrapLogging(level: .warning)
        let logger = Logger(label: "segura.gateway.audit")
        let store: any GatewayStore
        let described: String
        do {
            if let path = self.store {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                    throw couldNotRun("no store at '\(path)': give the gateway's store.path (audit commands never create one)")
                }
                described = "SQLite \(path)"
                store = try await SQLiteGatewayStore.open(path: path, configuration: .init(logger: logger))
            } else {
                let configuration = try await loadOrExplain(self.config ?? "")
                described = configuration.storeDescription
                store = try await configuration.openStore(logger: logger)
            }
        } catch let error as StoreError {
            throw couldNotRun("cannot read the audit trail: \(error)")
        } catch let error as StoreOpeningError {
            throw couldNotRun("cannot read the audit trail: \(error)")
        }
        do {
            let result = try await body(store)
            try await store.close()
            return result
        } catch let error as StoreError {
            try? await store.close()
            // The description names the failure kind only; the underlying error may hold SQL and data.
            throw couldNotRun("cannot read the audit trail of \(described): \(error)")
        } catch {
            try? await store.close()
            throw error
        }
    }
}

/// `1 record`, `2 records`.
private func recordCount(_ count: Int) -> String {
    "\(count) \(count == 1 ? "record" : "records")"
}

/// Prints `message` to standard error and returns exit status 2: the command could not do its job at all.
func couldNotRun(_ message: String) -> ExitCode {
    printToStandardError("Error: \(message)")
    return ExitCode(2)
}
