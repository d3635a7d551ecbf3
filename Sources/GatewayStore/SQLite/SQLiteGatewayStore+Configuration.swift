import Logging

extension SQLiteGatewayStore {
    /// How the SQLite store behaves; the defaults suit one gateway process on a local disk.
    public struct Configuration: Sendable {
        /// How long an unanswered claim blocks its key before a retry may take it over, reporting
        /// `recoveredFromCrash`. Must exceed the longest an attempt can take, upstream retries included,
        /// or a slow attempt and its takeover would both act. Default: 60 seconds.
        public var staleClaimAfter: Duration
        /// How long an operation waits for another connection's write lock (another process on the same
        /// file, a checkpoint) before failing with ``StoreError/busy``. Default: 5 seconds.
        public var busyTimeout: Duration
        /// The most writes (claims, outcomes, audit records) one group-commit transaction takes; bounds a
        /// transaction under a burst. Default: 256.
        public var maximumBatchSize: Int
        /// The most writes queued for the writer past which a new claim fails at once with
        /// ``StoreError/overloaded`` (the gateway answers 503) instead of waiting in memory. Writes that record
        /// what already happened are never refused. Default: 4096.
        public var maximumQueuedWrites: Int
        /// Records fetched per query when streaming an export. Default: 500.
        public var exportPageSize: Int
        /// Concurrent read connections (lookups, exports, verification) beside the one writer. Default: 4.
        public var maximumReaderCount: Int
        /// Where the store reports recoveries and failures; it never logs event fields or bodies.
        public var logger: Logger

        /// Creates a configuration; every argument has the documented default.
        public init(
            staleClaimAfter: Duration = .seconds(60),
            busyTimeout: Duration = .seconds(5),
            maximumBatchSize: Int = 256,
            maximumQueuedWrites: Int = 4096,
            exportPageSize: Int = 500,
            maximumReaderCount: Int = 4,
            logger: Logger = Logger(label: "segura-gateway.store")
        ) {
            self.staleClaimAfter = staleClaimAfter
            self.busyTimeout = busyTimeout
            self.maximumBatchSize = maximumBatchSize
            self.maximumQueuedWrites = maximumQueuedWrites
            self.exportPageSize = exportPageSize
            self.maximumReaderCount = maximumReaderCount
            self.logger = logger
        }
    }
}
