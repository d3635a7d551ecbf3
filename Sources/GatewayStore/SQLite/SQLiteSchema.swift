import GRDB

/// The SQLite schema, as GRDB migrations applied in order when a store opens.
///
/// Times are INTEGER milliseconds since 1970 (UTC), the precision the domain types keep, so values compare
/// and hash the same in every backend.
enum SQLiteSchema {
    /// Every migration, in the order they were introduced; never edit one that shipped, add another.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: Self.createVersion1)
        migrator.registerMigration("v2-replay-window", migrate: Self.addReplayWindow)
        migrator.registerMigration("v3-append-friendly-keys", migrate: Self.appendFriendlyKeys)
        migrator.registerMigration("v4-grants", migrate: Self.addGrants)
        migrator.registerMigration("v5-callback-outbox", migrate: Self.addCallbackOutbox)
        migrator.registerMigration("v6-target-changes", migrate: Self.addTargetChanges)
        migrator.registerMigration("v7-audit-requester", migrate: Self.addAuditRequester)
        migrator.registerMigration("v8-chat-replies", migrate: Self.addChatReplies)
        migrator.registerMigration("v9-approvals", migrate: Self.addApprovals)
        return migrator
    }

    private static func createVersion1(_ db: Database) throws {
        // One row per delivery key. `request_id` is the attempt holding the claim and, once answered, the
        // attempt that acted. The response columns are NULL until the claim is answered; an empty body may be
        // stored as NULL too (SQLite binds a zero-length blob without bytes as NULL).
        try db.execute(
            sql: """
                CREATE TABLE delivery (
                    caller TEXT NOT NULL,
                    delivery_id TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    claimed_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    response_status INTEGER,
                    response_content_type TEXT,
                    response_body BLOB,
                    completed_at INTEGER,
                    PRIMARY KEY (caller, delivery_id),
                    CHECK ((completed_at IS NULL) = (response_status IS NULL)),
                    CHECK ((completed_at IS NULL) = (response_content_type IS NULL))
                ) WITHOUT ROWID;
                CREATE INDEX delivery_by_expiry ON delivery (expires_at);
                CREATE INDEX delivery_by_request ON delivery (caller, request_id);
                """
        )
        // The hash-chained trail. `sequence` is assigned by the store, never by SQLite.
        try db.execute(
            sql: """
                CREATE TABLE audit (
                    sequence INTEGER PRIMARY KEY NOT NULL,
                    previous_hash TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    delivery_id TEXT,
                    caller TEXT,
                    decision TEXT NOT NULL,
                    ticket TEXT,
                    action TEXT,
                    target_kind TEXT,
                    target_id TEXT,
                    outcome TEXT,
                    upstream_status INTEGER,
                    segura_code INTEGER,
                    error_code TEXT,
                    attempts INTEGER NOT NULL,
                    latency_ms INTEGER,
                    received_at INTEGER NOT NULL,
                    occurred_at INTEGER NOT NULL
                );
                CREATE INDEX audit_by_request ON audit (request_id);
                CREATE INDEX audit_by_occurrence ON audit (occurred_at);
                """
        )
        // The chain's end, updated in the same transaction as every append, so a record deleted from the
        // tail leaves the head pointing past the chain. Exactly one row.
        try db.execute(
            sql: """
                CREATE TABLE audit_head (
                    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
                    sequence INTEGER NOT NULL,
                    hash TEXT NOT NULL
                );
                """
        )
        try db.execute(
            literal: "INSERT INTO audit_head (id, sequence, hash) VALUES (1, \(AuditHead.genesis.sequence), \(AuditHead.genesis.hash))"
        )
        // Append-only by construction: a bug (or a careless manual query) cannot rewrite history. This is not
        // a security boundary (anyone who can write the file can drop the triggers); the hash chain is.
        try db.execute(
            sql: """
                CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
                BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
                CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
                BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
                CREATE TRIGGER audit_head_is_kept BEFORE DELETE ON audit_head
                BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END;
                """
        )
    }

    /// Replay protection: answers that are not final reopen after the replay window, and every
    /// signature is remembered with the one delivery id it authenticated.
    private static func addReplayWindow(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE delivery ADD COLUMN reopens_at INTEGER")
        try db.execute(
            sql: """
                CREATE TABLE delivery_signature (
                    caller TEXT NOT NULL,
                    signature_digest TEXT NOT NULL,
                    delivery_id TEXT NOT NULL,
                    expires_at INTEGER NOT NULL,
                    PRIMARY KEY (caller, signature_digest)
                ) WITHOUT ROWID;
                CREATE INDEX delivery_signature_by_expiry ON delivery_signature (expires_at);
                """
        )
    }

    /// Fewer pages dirtied per commit (measured by `scripts/bench-gateway`): every page a transaction touches is written to
    /// the WAL and fsynced, so an insert at a random key costs a whole page.
    ///
    /// - `delivery` becomes a rowid table with a unique key: a claim appends its row at the end of the table,
    ///   and the answer updates that recent row, instead of both rewriting a random leaf of a table clustered
    ///   on the sender's random delivery ids. Only the small key index takes a random insert.
    /// - `audit_by_request` goes: nothing queries the trail by request id, and request ids were random.
    private static func appendFriendlyKeys(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE delivery_v3 (
                    id INTEGER PRIMARY KEY,
                    caller TEXT NOT NULL,
                    delivery_id TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    claimed_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    response_status INTEGER,
                    response_content_type TEXT,
                    response_body BLOB,
                    completed_at INTEGER,
                    reopens_at INTEGER,
                    UNIQUE (caller, delivery_id),
                    CHECK ((completed_at IS NULL) = (response_status IS NULL)),
                    CHECK ((completed_at IS NULL) = (response_content_type IS NULL))
                );
                INSERT INTO delivery_v3 (caller, delivery_id, fingerprint, request_id, claimed_at, expires_at, response_status,
                    response_content_type, response_body, completed_at, reopens_at)
                SELECT caller, delivery_id, fingerprint, request_id, claimed_at, expires_at, response_status,
                    response_content_type, response_body, completed_at, reopens_at
                FROM delivery ORDER BY claimed_at;
                DROP TABLE delivery;
                ALTER TABLE delivery_v3 RENAME TO delivery;
                CREATE INDEX delivery_by_expiry ON delivery (expires_at);
                CREATE INDEX delivery_by_request ON delivery (caller, request_id);
                DROP INDEX audit_by_request;
                """
        )
    }

    /// Time-bound grants. `id` is time-ordered, so inserts append. At most one grant per target is
    /// open (the partial unique index, also the lookup of a target's grant), and the scheduler finds the next
    /// due grant through the partial index on `due_at`, so pending grants cost a request nothing.
    private static func addGrants(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE access_grant (
                    id TEXT PRIMARY KEY NOT NULL,
                    target_kind TEXT NOT NULL,
                    target_id INTEGER NOT NULL,
                    caller TEXT NOT NULL,
                    ticket TEXT NOT NULL,
                    requested_by TEXT,
                    request_id TEXT NOT NULL,
                    starts_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('active', 'revoking', 'revoke_failed', 'revoked', 'cancelled')),
                    due_at INTEGER,
                    lease_owner TEXT,
                    lease_token TEXT,
                    extensions INTEGER NOT NULL DEFAULT 0,
                    revoke_attempts INTEGER NOT NULL DEFAULT 0,
                    ended_at INTEGER,
                    ended_by TEXT,
                    last_error_code TEXT,
                    updated_at INTEGER NOT NULL,
                    CHECK ((state IN ('revoked', 'cancelled')) = (ended_at IS NOT NULL))
                ) WITHOUT ROWID;
                CREATE UNIQUE INDEX access_grant_open_target ON access_grant (target_kind, target_id)
                    WHERE state IN ('active', 'revoking', 'revoke_failed');
                CREATE INDEX access_grant_due ON access_grant (due_at) WHERE due_at IS NOT NULL;
                CREATE INDEX access_grant_by_start ON access_grant (starts_at);
                """
        )
    }

    /// Grant callbacks: an event is inserted in the transaction of the transition it announces and
    /// stays until delivered or abandoned (then deleted; the log and a metric record it), so a killed process
    /// sends it after its restart. `seq` appends.
    private static func addCallbackOutbox(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE callback_outbox (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    caller TEXT NOT NULL,
                    body BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    due_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX callback_outbox_due ON callback_outbox (due_at);
                """
        )
    }

    /// The last completed change of each target (``TargetChangeTable``), so a delivery acted on again never
    /// undoes a change that completed after its earlier attempt.
    private static func addTargetChanges(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE target_change (
                    target_kind TEXT NOT NULL,
                    target_id TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    completed_at INTEGER NOT NULL,
                    PRIMARY KEY (target_kind, target_id)
                ) WITHOUT ROWID;
                """
        )
    }

    /// The person who asked and the chat platform, for chat callers; NULL in every earlier record, which is what
    /// keeps those records hashing as ``AuditChain``'s `v1`. The append-only triggers cover every column.
    private static func addAuditRequester(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE audit ADD COLUMN requested_by TEXT;
                ALTER TABLE audit ADD COLUMN platform TEXT;
                """
        )
    }

    /// Chat replies share the callback outbox: `destination` says where an event goes (every earlier event is a
    /// grant callback), and `url` holds a `chat_reply`'s `response_url`, NULL for the other kinds.
    private static func addChatReplies(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE callback_outbox ADD COLUMN destination TEXT NOT NULL DEFAULT 'callback'
                    CHECK (destination IN ('callback', 'chat_reply', 'chat_webhook'));
                ALTER TABLE callback_outbox ADD COLUMN url TEXT;
                """
        )
    }

    /// Approval requests (``ApprovalTable``). `due_at` is when the due-work loop next acts on one: a pending request's
    /// expiry, an approved one's approval time or lease end; NULL once it is final. `reply_kind` and `reply_url`
    /// hold a ``CallbackEvent/Destination`` as the outbox does, and so do `decision_reply_kind` and
    /// `decision_reply_url`. Votes are rows of their own, so the primary key itself refuses a second vote by one
    /// approver, and a vote is one insert instead of a rewrite of a list.
    ///
    /// The outbox takes the notices to a caller's approval channel: SQLite cannot change a column's CHECK, so the
    /// table is rebuilt with `approval_channel` among its destinations, its events kept.
    private static func addApprovals(_ db: Database) throws {
        let destinations = "('callback', 'chat_reply', 'chat_webhook', 'approval_channel')"
        try db.execute(
            sql: """
                CREATE TABLE callback_outbox_with_approvals (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    caller TEXT NOT NULL,
                    body BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    due_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    destination TEXT NOT NULL CHECK (destination IN \(destinations)),
                    url TEXT
                );
                INSERT INTO callback_outbox_with_approvals (seq, id, caller, body, created_at, due_at, attempts, destination, url)
                    SELECT seq, id, caller, body, created_at, due_at, attempts, destination, url FROM callback_outbox;
                DROP TABLE callback_outbox;
                ALTER TABLE callback_outbox_with_approvals RENAME TO callback_outbox;
                CREATE INDEX callback_outbox_due ON callback_outbox (due_at);
                CREATE TABLE approval_request (
                    id TEXT PRIMARY KEY,
                    caller TEXT NOT NULL,
                    delivery_id TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    requested_by TEXT NOT NULL,
                    platform TEXT,
                    action TEXT NOT NULL,
                    target_kind TEXT NOT NULL,
                    target_id INTEGER NOT NULL,
                    ticket TEXT NOT NULL,
                    reason TEXT,
                    duration_ms INTEGER,
                    required_approvals INTEGER NOT NULL CHECK (required_approvals >= 1),
                    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'expired', 'executed')),
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    decided_by TEXT,
                    decided_at INTEGER,
                    reply_kind TEXT CHECK (reply_kind IN \(destinations)),
                    reply_url TEXT,
                    decision_reply_kind TEXT CHECK (decision_reply_kind IN \(destinations)),
                    decision_reply_url TEXT,
                    execution_request_id TEXT,
                    due_at INTEGER,
                    lease_owner TEXT,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (caller, delivery_id)
                );
                CREATE INDEX approval_request_due ON approval_request (state, due_at) WHERE due_at IS NOT NULL;
                CREATE INDEX approval_request_by_creation ON approval_request (created_at);
                CREATE TABLE approval_vote (
                    approval_id TEXT NOT NULL REFERENCES approval_request (id),
                    approver TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    voted_at INTEGER NOT NULL,
                    PRIMARY KEY (approval_id, approver),
                    UNIQUE (approval_id, position)
                ) WITHOUT ROWID;
                """
        )
    }
}
