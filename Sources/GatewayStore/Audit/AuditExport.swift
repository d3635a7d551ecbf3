/// Streams audit records out as lines, in bounded memory: what `segura-gateway audit export` runs, kept here so
/// other tools and tests get the same bytes.
///
/// ```swift
/// let records = store.auditRecords(since: since, afterSequence: lastRun)
/// let summary = try await AuditExport.jsonLines(records) { chunk in try FileHandle.standardOutput.write(contentsOf: chunk) }
/// ```
///
/// Records are encoded one at a time as they arrive and handed to the sink in chunks of whole lines, so an
/// export of millions of records holds one page of records and one chunk of bytes, never the whole trail.
public enum AuditExport {
    /// What an export wrote: to report it, and to start the next export where this one ended.
    public struct Summary: Sendable, Hashable {
        /// How many records (lines) were written.
        public var recordCount: Int
        /// The last record's sequence, to pass as `afterSequence` next time; `nil` when nothing was written.
        public var lastSequence: Int?
    }

    /// Writes `records` as ``AuditJSONLines``, each line ending in `\n`.
    ///
    /// - Parameters:
    ///   - records: the records to write, usually ``GatewayStore/auditRecords(since:afterSequence:)``.
    ///   - chunkSize: lines are gathered until they reach this many bytes, then passed to `write`; a chunk
    ///     always ends at the end of a line, so a consumer reading chunk by chunk never sees half a record.
    ///   - write: receives each chunk, in order, as soon as it is full, and the rest at the end; it may block.
    /// - Throws: the first error of `records` or `write`; chunks written before it stay written.
    public static func jsonLines(
        _ records: some AsyncSequence<AuditRecord, any Error>,
        chunkSize: Int = 64 * 1024,
        to write: ([UInt8]) async throws -> Void
    ) async throws -> Summary {
        precondition(chunkSize > 0, "a chunk must hold at least one byte")
        var summary = Summary(recordCount: 0, lastSequence: nil)
        var chunk: [UInt8] = []
        chunk.reserveCapacity(chunkSize)
        for try await record in records {
            chunk.append(contentsOf: AuditJSONLines.object(for: record))
            chunk.append(UInt8(ascii: "\n"))
            summary.recordCount += 1
            summary.lastSequence = record.sequence
            if chunk.count >= chunkSize {
                try await write(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { try await write(chunk) }
        return summary
    }
}
