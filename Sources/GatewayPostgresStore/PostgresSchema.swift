import GatewayStore
import Logging
import PostgresNIO

/// The PostgreSQL schema, as versioned migrations applied in order when a store opens.
///
/// The shape is SQLite's (``GatewayStore``'s semantics do not depend on the backend): times are `bigint`
/// milliseconds since 1970 (UTC), so values compare and hash the same in both backends.
///
/// Replicas that start together migrate one at a time: the whole migration runs in one transaction holding a
/// transaction-scoped advisory lock, and `schema_migration` records each version applied. Migrations only add
/// (columns with defaults, tables, indexes), so replicas still running the previous version keep working during
/// a rolling upgrade; a version that must remove something ships one release after the code stopped using it.
enum PostgresSchema {
    /// The advisory lock key that serializes migrations (bigint form; target locks use the two-integer form,
    /// a separate key space).
    private static let migrationLockKey: Int64 = 0x5345_4755_5241_4D31  // "SEGURAM1"

    /// Every migration, in order; never edit one that shipped, add another.
    static let migrations: [(version: String, statements: [String])] = [
        ("v1", version1),
        ("v2", version2),
        ("v3", version3),
        ("v4", version4),
    ]

    /// Applies the migrations this database has not seen yet.
    static func migrate(on connection: PostgresConnection, logger: Logger) async throws {
        try await PostgresTransaction.run(on: connection, logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migration (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: logger
            )
            var applied: Set<String> = []
            for try await version in try await connection.query("SELECT version FROM schema_migration", logger: logger).decode(String.self) {
                applied.insert(version)
            }
            for migration in Self.migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migration (version) VALUES (\(migration.version))", logger: logger)
                logger.notice("Applied a schema migration", metadata: ["store.migration": "\(migration.version)"])
            }
        }
    }

    private static let openStates = "('active', 'revoking', 'revoke_failed')"

    /// Every ``CallbackEvent/Destination`` kind, for the columns that store one.
    private static let destinations = "('callback', 'chat_reply', 'chat_webhook', 'approval_channel')"

    private static let version1: [String] = [
        // One row per delivery key; the response columns are NULL until the claim is answered.
        """
        CREATE TABLE delivery (
            caller text NOT NULL,
            delivery_id text NOT NULL,
            fingerprint text NOT NULL,
            request_id text NOT NULL,
            claimed_at bigint NOT NULL,
            expires_at bigint NOT NULL,
            response_status bigint,
            response_content_type text,
            response_body bytea,
            completed_at bigint,
            reopens_at bigint,
            PRIMARY KEY (caller, delivery_id),
            CHECK ((completed_at IS NULL) = (response_status IS NULL)),
            CHECK ((completed_at IS NULL) = (response_content_type IS NULL))
        )
        """,
        "CREATE INDEX delivery_by_expiry ON delivery (expires_at)",
        "CREATE INDEX delivery_by_request ON delivery (caller, request_id)",
        """
        CREATE TABLE delivery_signature (
            caller text NOT NULL,
            signature_digest text NOT NULL,
            delivery_id text NOT NULL,
            expires_at bigint NOT NULL,
            PRIMARY KEY (caller, signature_digest)
        )
        """,
        "CREATE INDEX delivery_signature_by_expiry ON delivery_signature (expires_at)",
        // The hash-chained trail; `sequence` is assigned by the store from the head row it holds locked.
        """
        CREATE TABLE audit (
            sequence bigint PRIMARY KEY,
            previous_hash text NOT NULL,
            hash text NOT NULL,
            request_id text NOT NULL,
            delivery_id text,
            caller text,
            decision text NOT NULL,
            ticket text,
            action text,
            target_kind text,
            target_id text,
            outcome text,
            upstream_status bigint,
            segura_code bigint,
            error_code text,
            attempts bigint NOT NULL,
            latency_ms bigint,
            received_at bigint NOT NULL,
            occurred_at bigint NOT NULL
        )
        """,
        "CREATE INDEX audit_by_occurrence ON audit (occurred_at)",
        // The chain's end, moved in the transaction of every append. Every write transaction locks this one
        // row first, which is what serializes writers across replicas.
        """
        CREATE TABLE audit_head (
            id integer PRIMARY KEY CHECK (id = 1),
            sequence bigint NOT NULL,
            hash text NOT NULL
        )
        """,
        "INSERT INTO audit_head (id, sequence, hash) VALUES (1, \(AuditHead.genesis.sequence), '\(AuditHead.genesis.hash)')",
        // Append-only by construction, as in SQLite: not a security boundary (the owner can drop the triggers);
        // the hash chain is.
        """
        CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$
        """,
        "CREATE TRIGGER audit_is_append_only BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
        "CREATE TRIGGER audit_is_append_only_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
        "CREATE TRIGGER audit_head_is_kept BEFORE DELETE ON audit_head FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
        // Time-bound grants: at most one open grant per target (the partial unique index).
        """
        CREATE TABLE access_grant (
            id text PRIMARY KEY,
            target_kind text NOT NULL,
            target_id bigint NOT NULL,
            caller text NOT NULL,
            ticket text NOT NULL,
            requested_by text,
            request_id text NOT NULL,
            starts_at bigint NOT NULL,
            expires_at bigint NOT NULL,
            state text NOT NULL CHECK (state IN ('active', 'revoking', 'revoke_failed', 'revoked', 'cancelled')),
            due_at bigint,
            lease_owner text,
            lease_token text,
            extensions bigint NOT NULL DEFAULT 0,
            revoke_attempts bigint NOT NULL DEFAULT 0,
            ended_at bigint,
            ended_by text,
            last_error_code text,
            updated_at bigint NOT NULL,
            CHECK ((state IN ('revoked', 'cancelled')) = (ended_at IS NOT NULL))
        )
        """,
        "CREATE UNIQUE INDEX access_grant_open_target ON access_grant (target_kind, target_id) WHERE state IN \(openStates)",
        "CREATE INDEX access_grant_due ON access_grant (due_at) WHERE due_at IS NOT NULL",
        "CREATE INDEX access_grant_by_start ON access_grant (starts_at)",
        // Grant callbacks, written in the transaction of the transition they announce.
        """
        CREATE TABLE callback_outbox (
            seq bigserial PRIMARY KEY,
            id text NOT NULL UNIQUE,
            caller text NOT NULL,
            body bytea NOT NULL,
            created_at bigint NOT NULL,
            due_at bigint NOT NULL,
            attempts bigint NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX callback_outbox_due ON callback_outbox (due_at)",
        // The last completed change of each target.
        """
        CREATE TABLE target_change (
            target_kind text NOT NULL,
            target_id text NOT NULL,
            request_id text NOT NULL,
            completed_at bigint NOT NULL,
            PRIMARY KEY (target_kind, target_id)
        )
        """,
    ]

    /// The person who asked and the chat platform, for chat callers. NULL in every earlier record, which keeps
    /// those hashing as ``AuditChain``'s `v1`, and in the records of a replica from before this migration, which does
    /// not know the columns (its `audit verify` would report a record naming a person as altered: verify with a
    /// release that has them). The append-only triggers are per row, not per column, so they cover these too.
    private static let version2: [String] = [
        "ALTER TABLE audit ADD COLUMN requested_by text",
        "ALTER TABLE audit ADD COLUMN platform text",
    ]

    /// Chat replies share the callback outbox: `destination` says where an event goes (every earlier event is a
    /// grant callback), and `url` holds a `chat_reply`'s `response_url`, NULL for the other kinds. A replica from
    /// before this migration does not read `destination` and would deliver a chat reply as a grant callback: enable
    /// chat callers once every replica has it.
    private static let version3: [String] = [
        """
        ALTER TABLE callback_outbox ADD COLUMN destination text NOT NULL DEFAULT 'callback'
            CHECK (destination IN ('callback', 'chat_reply', 'chat_webhook'))
        """,
        "ALTER TABLE callback_outbox ADD COLUMN url text",
    ]

    /// Approval requests, as SQLite's `v9-approvals`: `due_at` is when the due-work loop next acts on one (a pending
    /// request's expiry, an approved one's approval time or lease end), NULL once it is final; votes are rows of their
    /// own, so the primary key itself refuses a second vote by one approver. The outbox takes `approval_channel`
    /// events, the notices to a caller's approval channel. Replicas from before this migration do not read the
    /// tables and cannot deliver those notices: enable approvals once every replica has it.
    private static let version4: [String] = [
        """
        ALTER TABLE callback_outbox DROP CONSTRAINT callback_outbox_destination_check,
            ADD CONSTRAINT callback_outbox_destination_check CHECK (destination IN \(destinations))
        """,
        """
        CREATE TABLE approval_request (
            id text PRIMARY KEY,
            caller text NOT NULL,
            delivery_id text NOT NULL,
            request_id text NOT NULL,
            requested_by text NOT NULL,
            platform text,
            action text NOT NULL,
            target_kind text NOT NULL,
            target_id bigint NOT NULL,
            ticket text NOT NULL,
            reason text,
            duration_ms bigint,
            required_approvals bigint NOT NULL CHECK (required_approvals >= 1),
            state text NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'expired', 'executed')),
            created_at bigint NOT NULL,
            expires_at bigint NOT NULL,
            decided_by text,
            decided_at bigint,
            reply_kind text CHECK (reply_kind IN \(destinations)),
            reply_url text,
            decision_reply_kind text CHECK (decision_reply_kind IN \(destinations)),
            decision_reply_url text,
            execution_request_id text,
            due_at bigint,
            lease_owner text,
            updated_at bigint NOT NULL,
            UNIQUE (caller, delivery_id)
        )
        """,
        "CREATE INDEX approval_request_due ON approval_request (state, due_at) WHERE due_at IS NOT NULL",
        "CREATE INDEX approval_request_by_creation ON approval_request (created_at)",
        """
        CREATE TABLE approval_vote (
            approval_id text NOT NULL REFERENCES approval_request (id),
            approver text NOT NULL,
            position bigint NOT NULL,
            voted_at bigint NOT NULL,
            PRIMARY KEY (approval_id, approver),
            UNIQUE (approval_id, position)
        )
        """,
    ]
}
