import Configuration
import CurlHTTPClient
import Foundation
import GatewayPostgresStore
import GatewaySecurity
import GatewayVocabulary
import HTTPTypes
import Logging
import SeguraClient
import SystemPackage
import Yams

/// Loads and validates a YAML configuration file, with environment variables overriding file values
/// (`http.port` ← `HTTP_PORT`), and explains every problem with its key path.
///
/// ## Configuration keys
/// - `http.host` (string, default `127.0.0.1`), `http.port` (int, default 8080), `http.max_body_bytes` (int, default 65536),
///   `http.max_connections` (1024), `http.idle_timeout_seconds` (60), `http.header_timeout_seconds` (10),
///   `http.body_timeout_seconds` (30), `http.max_requests_in_flight` (256)
/// - `ops.host` (default `127.0.0.1`), `ops.port` (default 9090 when `ops` is present): `/healthz`, `/readyz` and
///   `/metrics` on a listener of their own; the main listener then answers 404 for `/metrics`
/// - `log.level` (trace … critical, default `info`)
/// - `store.path` (SQLite file, default `segura-gateway.sqlite`), `store.delivery_expiry_hours` (int, default 24),
/// - `store.postgres.url` (`postgres://user@host:port/database?sslmode=verify-full&sslrootcert=/ca.pem`; PostgreSQL
///   instead of SQLite when given; no password in it), `store.postgres.password` (reference),
///   `store.postgres.max_connections` (10), `store.postgres.connect_timeout_seconds` (10),
///   `store.postgres.operation_timeout_seconds` (5)
///   `store.stale_claim_seconds` (int, default 60, more than `segura.deadline_seconds`), `store.refusal_summary_seconds` (60)
/// - `segura.base_url`, `segura.client_id` (required), `segura.client_secret` (required, `env:NAME` or `file:/path`)
/// - `segura.token_path` (default `/iso/oauth2/token`), `segura.api_prefix` (`/api` or `/iso`, default `/api`),
///   `segura.client_authentication` (`request_body` or `basic`)
/// - `segura.connect_timeout_seconds` (5), `segura.request_timeout_seconds` (30), `segura.deadline_seconds` (30),
///   `segura.max_attempts` (5), `segura.max_connections_per_host` (8)
/// - `segura.ca_file`, `segura.client_certificate_file`, `segura.client_key_file`, `segura.client_key_password`
///   (reference), `segura.insecure_skip_tls_verification` (false), `segura.proxy`
/// - `callers.<name>.scheme` (`standard-webhooks`, `hub-sha256`, `slack-v0`, `static-token`, `teams-hmac`),
///   `callers.<name>.secrets` (list of references, at least one), `callers.<name>.tolerance_seconds` (300),
///   `callers.<name>.signature_header` (hub-sha256), `callers.<name>.token_header` (static-token)
/// - `callers.<name>.policy.actions`, `.kinds` (lists), `.ids.<kind>` (list of `N` or `N-M`),
///   `.ticket_pattern` (regex), `.max_duration` (ISO 8601, such as `PT8H`; makes a duration required on `enable`),
///   `.allow_permanent_enable` (false; true lets an `enable` without a duration through despite `max_duration`)
/// - `callers.<name>.callback.url` (http(s)), `callers.<name>.callback.secret` (a `whsec_` secret reference)
/// - `callers.<name>.rate_limit.requests_per_minute`, `.burst` (optional: signed requests past it get 429)
/// - `callers.<name>.chat`: a chat platform calling `POST /v1/chat/<platform>` (see ``ChatConfigurationLoader``):
///   `.platform` (`slack`, `teams`, `mattermost`), `.people.<person>.user`, `.people.<person>.policy`,
///   `.answer_within_percent` (60), `.reply_url_prefixes`, `.incoming_webhook` (Teams, a reference),
///   `.signing_public_key` (Mattermost)
/// - `grants.instance_id` (default `local`), `grants.revocation_concurrency` (8), `grants.poll_interval_ms`
///   (250), `grants.retry_initial_seconds` (2), `grants.retry_max_seconds` (300), `grants.max_revoke_attempts` (20),
///   `grants.callback_attempts` (8)
public enum GatewayConfigurationLoader {
    /// Loads `path`. Throws ``ConfigurationError`` listing every problem.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> GatewayConfiguration {
        guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw ConfigurationError(issues: [ConfigurationIssue(keyPath: path, message: "cannot read the file")])
        }
        let outline: Node?
        do {
            outline = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(issues: [ConfigurationIssue(keyPath: path, message: "is not valid YAML: \(error)")])
        }
        let file = try await FileProvider<YAMLSnapshot>(filePath: FilePath(path))
        let variables = EnvironmentVariablesProvider(environmentVariables: environment)
        let recorder = ConfigSection.IssueRecorder()
        let root = ConfigSection(
            reader: ConfigReader(providers: [variables, file]),
            environmentOnly: ConfigReader(provider: variables),
            recorder: recorder
        )
        return try self.build(root: root, recorder: recorder, outline: outline, environment: environment)
    }

    /// Builds a configuration from the root section; `outline` is the file's YAML, for the names of mappings'
    /// keys (callers, people), which the configuration reader does not list.
    private static func build(
        root: ConfigSection, recorder: ConfigSection.IssueRecorder, outline: Node?, environment: [String: String]
    ) throws -> GatewayConfiguration {
        let callerNames = Self.mappingKeys(in: outline, at: ["callers"])

        var http = GatewayConfiguration.HTTP()
        let httpSection = root.section("http")
        http.host = httpSection.string("host") ?? http.host
        http.port = httpSection.int("port", default: http.port, range: 0...65535)
        http.maxBodyBytes = httpSection.int("max_body_bytes", default: http.maxBodyBytes, range: 1024...(16 << 20))
        http.maxConnections = httpSection.int("max_connections", default: http.maxConnections, range: 1...1_000_000)
        http.idleTimeout = .seconds(httpSection.int("idle_timeout_seconds", default: Int(http.idleTimeout.components.seconds), range: 1...3600))
        http.headerTimeout = .seconds(httpSection.int("header_timeout_seconds", default: Int(http.headerTimeout.components.seconds), range: 1...600))
        http.bodyTimeout = .seconds(httpSection.int("body_timeout_seconds", default: Int(http.bodyTimeout.components.seconds), range: 1...600))
        http.maxRequestsInFlight = httpSection.int("max_requests_in_flight", default: http.maxRequestsInFlight, range: 1...100_000)

        var operations: GatewayConfiguration.Operations?
        let opsSection = root.section("ops")
        if opsSection.contains("port") || opsSection.contains("host") {
            operations = .init(port: opsSection.int("port", default: 9090, range: 0...65535))
            operations?.host = opsSection.string("host") ?? "127.0.0.1"
            if operations?.port == http.port, operations?.port != 0 { opsSection.fail("port", "must differ from http.port") }
        }

        let logLevel = root.section("log").choice("level", default: Logger.Level.info)
        let (segura, outbound) = self.segura(root.section("segura"), environment: environment)

        if callerNames.isEmpty { root.fail("callers", "at least one caller is required") }
        let callers = callerNames.compactMap { name in
            self.caller(name, root.section("callers").section(name), outline: outline, environment: environment)
        }
        Self.checkApprovals(of: callers, in: root.section("callers"))

        let grants = self.grants(root.section("grants"))
        let store = root.section("store")
        let storePath = store.string("path")
        let postgres = self.postgres(store.section("postgres"), environment: environment)
        if postgres != nil, root.section("grants").string("instance_id") == nil {
            // Each replica releases, at start, the revocation leases held under its id: replicas sharing an id
            // would release each other's live leases.
            root.section("grants").fail("instance_id", "is required with store.postgres, and must differ per replica (GRANTS_INSTANCE_ID=<pod or host name>)")
        }
        let expiryHours = store.int("delivery_expiry_hours", default: 24, range: 1...(24 * 30))
        let staleClaimSeconds = store.int("stale_claim_seconds", default: 60, range: 2...3600)
        let summarySeconds = store.int("refusal_summary_seconds", default: 60, range: 1...86_400)
        if let segura, .seconds(staleClaimSeconds) <= segura.retry.deadline {
            store.fail("stale_claim_seconds", "must exceed segura.deadline_seconds (\(segura.retry.deadline.components.seconds)), or a slow attempt could be taken over and act twice")
        }
        guard recorder.issues.isEmpty, let segura else { throw ConfigurationError(issues: recorder.issues) }
        var configuration = GatewayConfiguration(http: http, segura: segura, outbound: outbound, callers: callers, logLevel: logLevel)
        configuration.storePath = storePath ?? configuration.storePath
        configuration.postgres = postgres
        configuration.postgres?.staleClaimAfter = .seconds(staleClaimSeconds)
        configuration.deliveryExpiry = .seconds(expiryHours * 3600)
        configuration.staleClaimAfter = .seconds(staleClaimSeconds)
        configuration.refusalSummaryInterval = .seconds(summarySeconds)
        configuration.operations = operations
        configuration.grants = grants
        return configuration
    }

    /// Every approval rule names only people of its caller, and API callers other than its own.
    private static func checkApprovals(of callers: [GatewayConfiguration.Caller], in section: ConfigSection) {
        let apiCallers = Set(callers.filter { $0.chat == nil }.map(\.name))
        let chatCallers = Set(callers.filter { $0.chat != nil }.map(\.name))
        for caller in callers {
            let people = caller.chat.map { Set($0.people.values.map(\.name)) } ?? []
            let context = ApprovalConfigurationLoader.Context(
                people: people, apiCallers: apiCallers, chatCallers: chatCallers, owner: caller.name, platform: caller.chat?.platform
            )
            if let rule = caller.approval {
                ApprovalConfigurationLoader.check(rule, in: section.section(caller.name).section("approval"), context)
            }
            for person in caller.chat?.people.values.sorted(by: { $0.name < $1.name }) ?? [] {
                guard let rule = person.approval else { continue }
                let personSection = section.section(caller.name).section("chat").section("people").section(person.name).section("approval")
                ApprovalConfigurationLoader.check(rule, in: personSection, context)
            }
        }
    }

    /// `store.postgres`: the database shared by replicas; `nil` when the section is absent (SQLite).
    private static func postgres(_ section: ConfigSection, environment: [String: String]) -> PostgresGatewayStore.Configuration? {
        guard let url = section.string("url") else {
            if section.string("password", isSecret: true) != nil { section.fail("url", "is required when store.postgres is given") }
            return nil
        }
        let password = self.secret(section, "password", required: false, environment: environment)
        var configuration: PostgresGatewayStore.Configuration
        do {
            configuration = try PostgresGatewayStore.Configuration(url: url, password: password)
        } catch {
            section.fail("url", error.description)
            return nil
        }
        configuration.maximumConnections = section.int("max_connections", default: configuration.maximumConnections, range: 3...500)
        configuration.connectTimeout = .seconds(section.int("connect_timeout_seconds", default: 10, range: 1...300))
        configuration.operationTimeout = .seconds(section.int("operation_timeout_seconds", default: 5, range: 1...600))
        if let path = configuration.rootCertificatePath, !FileManager.default.isReadableFile(atPath: path) {
            section.fail("url", "sslrootcert \(path) cannot be read")
        }
        return configuration
    }

    private static func grants(_ section: ConfigSection) -> GatewayConfiguration.Grants {
        var grants = GatewayConfiguration.Grants()
        grants.instanceID = section.string("instance_id") ?? grants.instanceID
        grants.revocationConcurrency = section.int("revocation_concurrency", default: grants.revocationConcurrency, range: 1...256)
        grants.pollInterval = .milliseconds(section.int("poll_interval_ms", default: 250, range: 10...60_000))
        let initial = section.int("retry_initial_seconds", default: 2, range: 1...3600)
        let maximum = section.int("retry_max_seconds", default: 300, range: 1...86_400)
        if initial > maximum { section.fail("retry_initial_seconds", "must not exceed retry_max_seconds (\(maximum))") }
        grants.retryInitial = .seconds(initial)
        grants.retryMaximum = .seconds(maximum)
        grants.maximumRevokeAttempts = section.int("max_revoke_attempts", default: grants.maximumRevokeAttempts, range: 1...1000)
        grants.callbackAttempts = section.int("callback_attempts", default: grants.callbackAttempts, range: 1...100)
        return grants
    }

    /// `rate_limit: {requests_per_minute: N, burst: M}`; absent sets no limit.
    private static func rateLimit(_ section: ConfigSection) -> GatewayConfiguration.RateLimit? {
        guard section.contains("requests_per_minute") || section.contains("burst") else { return nil }
        let perMinute = section.int("requests_per_minute", default: 60, range: 1...1_000_000)
        let burst = section.int("burst", default: max(1, perMinute / 6), range: 1...100_000)
        return GatewayConfiguration.RateLimit(requestsPerSecond: Double(perMinute) / 60, burst: burst)
    }

    private static func callback(_ section: ConfigSection, environment: [String: String]) -> GatewayConfiguration.Callback? {
        guard let url = section.string("url") else {
            if section.string("secret", isSecret: true) != nil { section.fail("url", "is required with callback.secret") }
            return nil
        }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            section.fail("url", "must be an absolute http(s) URL")
            return nil
        }
        guard let reference = section.requiredString("secret") else { return nil }
        switch SecretReference.parse(reference).flatMap({ $0.resolve(environment: environment) }) {
        case .failure(let error):
            section.fail("secret", error.message)
            return nil
        case .success(let value):
            guard let secret = try? WebhookSecret(value, scheme: .standardWebhooks) else {
                section.fail("secret", "is not a valid standard-webhooks secret (whsec_ and base64)")
                return nil
            }
            return GatewayConfiguration.Callback(url: url, secret: secret)
        }
    }

    /// The keys of the mapping at `path` (such as `callers`), in file order; none when it is absent or not a mapping.
    static func mappingKeys(in outline: Node?, at path: [String]) -> [String] {
        var node = outline
        for key in path {
            guard case .mapping(let mapping)? = node else { return [] }
            node = mapping[key]
        }
        guard case .mapping(let mapping)? = node else { return [] }
        return mapping.keys.compactMap { $0.string }
    }

    private static func segura(_ section: ConfigSection, environment: [String: String]) -> (SeguraClient.Configuration?, CurlHTTPClient.Configuration) {
        var outbound = CurlHTTPClient.Configuration()
        outbound.connectTimeout = .seconds(section.int("connect_timeout_seconds", default: 5, range: 1...120))
        outbound.requestTimeout = .seconds(section.int("request_timeout_seconds", default: 30, range: 1...600))
        outbound.maxConnectionsPerHost = section.int("max_connections_per_host", default: 8, range: 1...256)
        outbound.tls.caFile = section.string("ca_file")
        outbound.tls.clientCertificateFile = section.string("client_certificate_file")
        outbound.tls.clientKeyFile = section.string("client_key_file")
        outbound.tls.clientKeyPassword = self.secret(section, "client_key_password", required: false, environment: environment)
        outbound.tls.insecureSkipVerification = section.bool("insecure_skip_tls_verification", default: false)
        outbound.proxy = section.string("proxy")

        let baseURL = section.requiredString("base_url")
        if let baseURL, !Self.isOrigin(baseURL) {
            section.fail("base_url", "must be an http(s) URL with no path, user, query or fragment, such as https://segura.example.com")
        }
        let clientID = section.requiredString("client_id")
        let clientSecret = self.secret(section, "client_secret", required: true, environment: environment)
        guard let baseURL, let clientID, let clientSecret else { return (nil, outbound) }

        var configuration = SeguraClient.Configuration(baseURL: baseURL, clientID: clientID, clientSecret: clientSecret)
        configuration.tokenPath = section.string("token_path") ?? configuration.tokenPath
        configuration.apiPrefix = section.string("api_prefix") ?? configuration.apiPrefix
        if !["/api", "/iso"].contains(configuration.apiPrefix) { section.fail("api_prefix", "must be /api or /iso") }
        configuration.clientAuthentication = section.choice("client_authentication", default: .requestBody)
        configuration.retry.deadline = .seconds(section.int("deadline_seconds", default: 30, range: 1...600))
        configuration.retry.maxAttempts = section.int("max_attempts", default: 5, range: 1...20)
        return (configuration, outbound)
    }

    private static func caller(_ name: String, _ section: ConfigSection, outline: Node?, environment: [String: String]) -> GatewayConfiguration.Caller? {
        let scheme = section.choice("scheme", default: SignatureScheme.standardWebhooks)
        let tolerance = Duration.seconds(section.int("tolerance_seconds", default: 300, range: 1...3600))
        let references = section.stringArray("secrets") ?? []
        if references.isEmpty { section.fail("secrets", "at least one secret reference is required") }
        var secrets: [WebhookSecret] = []
        for (index, reference) in references.enumerated() {
            let key = "secrets[\(index)]"
            switch SecretReference.parse(reference).flatMap({ $0.resolve(environment: environment) }) {
            case .failure(let error):
                section.fail(key, error.message)
            case .success(let value):
                do {
                    secrets.append(try WebhookSecret(value, scheme: scheme))
                } catch {
                    section.fail(key, "is not a valid \(scheme.rawValue) secret (\(error.code))")
                }
            }
        }
        let tokenHeader = self.headerName(section, "token_header") ?? .authorization
        let signatureHeader = self.headerName(section, "signature_header")
        let policy = self.policy(section.section("policy"))
        let callback = self.callback(section.section("callback"), environment: environment)
        let chat = ChatConfigurationLoader.chat(
            section.section("chat"), outline: ChatConfigurationLoader.Outline(node: outline, caller: name), scheme: scheme, tolerance: tolerance,
            environment: environment
        )
        guard !secrets.isEmpty, secrets.count == references.count, let policy else { return nil }
        let verifier = CallerVerifier(
            scheme: scheme, secrets: secrets, tolerance: tolerance, tokenHeader: tokenHeader, signatureHeader: signatureHeader,
            tokenFormField: chat?.platform.tokenFormField
        )
        var caller = GatewayConfiguration.Caller(
            name: name, verifier: verifier, policy: policy, callback: callback, rateLimit: self.rateLimit(section.section("rate_limit")), chat: chat
        )
        caller.approval = ApprovalConfigurationLoader.rule(section.section("approval"), keys: Self.mappingKeys(in: outline, at: ["callers", name, "approval"]))
        return caller
    }

    static func policy(_ section: ConfigSection) -> CallerPolicy? {
        let actions = self.enumList(section, "actions", of: TargetAction.self)
        let kinds = self.enumList(section, "kinds", of: TargetKind.self)
        let ids = self.ids(section.section("ids"))
        var maxDuration: Duration?
        if let text = section.string("max_duration") {
            maxDuration = ISO8601Duration.parse(text)
            if maxDuration == nil { section.fail("max_duration", "'\(text)' is not an ISO 8601 duration such as PT8H") }
        }
        do throws(PolicyConfigurationError) {
            return try CallerPolicy(
                allowedActions: actions,
                allowedKinds: kinds,
                allowedIDs: ids,
                ticketPattern: section.string("ticket_pattern"),
                maxDuration: maxDuration,
                allowsPermanentEnable: section.bool("allow_permanent_enable", default: false)
            )
        } catch {
            section.fail("ticket_pattern", "is not a supported regular expression: \(error.message)")
            return nil
        }
    }

    /// `ids.<kind>`: per kind, a list of `N` or `N-M`.
    static func ids(_ idSection: ConfigSection) -> [TargetKind: [ClosedRange<Int>]] {
        var ids: [TargetKind: [ClosedRange<Int>]] = [:]
        for kind in TargetKind.allCases {
            guard let entries = idSection.stringArray(kind.rawValue) else { continue }
            ids[kind] = entries.enumerated().compactMap { index, entry in
                guard let range = Self.idRange(entry) else {
                    idSection.fail("\(kind.rawValue)[\(index)]", "'\(entry)' is not an id (42) or a range (40-49)")
                    return nil
                }
                return range
            }
        }
        return ids
    }

    /// A required list of `Value`'s raw values.
    static func enumList<Value: RawRepresentable & CaseIterable & Hashable>(
        _ section: ConfigSection, _ key: String, of: Value.Type
    ) -> Set<Value> where Value.RawValue == String {
        guard section.contains(key) else {
            section.fail(key, "is required: a list of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
            return []
        }
        return self.optionalEnumList(section, key, of: Value.self) ?? []
    }

    /// A list of `Value`'s raw values, `nil` when absent.
    static func optionalEnumList<Value: RawRepresentable & CaseIterable & Hashable>(
        _ section: ConfigSection, _ key: String, of: Value.Type
    ) -> Set<Value>? where Value.RawValue == String {
        guard let entries = section.stringArray(key) else { return nil }
        return Set(entries.enumerated().compactMap { index, entry in
            guard let value = Value(rawValue: entry) else {
                section.fail("\(key)[\(index)]", "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")), found '\(entry)'")
                return nil
            }
            return value
        })
    }

    /// An http(s) origin. Credentials, a query or a fragment are refused: the URL is printed (`check-config`,
    /// logs), and Segura's credentials belong in `client_id` and the `client_secret` reference.
    private static func isOrigin(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else { return false }
        guard url.user == nil, url.password == nil, url.query == nil, url.fragment == nil else { return false }
        return url.path.isEmpty || url.path == "/"
    }

    private static func idRange(_ entry: String) -> ClosedRange<Int>? {
        let bounds = entry.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        switch bounds.count {
        case 1: return bounds[0].flatMap { $0 >= 1 ? $0...$0 : nil }
        case 2:
            guard let low = bounds[0], let high = bounds[1], low >= 1, low <= high else { return nil }
            return low...high
        default: return nil
        }
    }

    private static func headerName(_ section: ConfigSection, _ key: String) -> HTTPField.Name? {
        guard let text = section.string(key) else { return nil }
        guard let name = HTTPField.Name(text) else {
            section.fail(key, "'\(text)' is not a valid HTTP header name")
            return nil
        }
        return name
    }

    /// A secret: the value of its environment variable (`SEGURA_CLIENT_SECRET` for `segura.client_secret`) when
    /// one is set, otherwise the file's value, which must be a reference.
    static func secret(_ section: ConfigSection, _ key: String, required: Bool, environment: [String: String]) -> String? {
        if let value = section.environmentValue(key), !value.isEmpty { return value }
        guard let reference = required ? section.requiredString(key) : section.string(key, isSecret: true) else { return nil }
        switch SecretReference.parse(reference).flatMap({ $0.resolve(environment: environment) }) {
        case .success(let value): return value
        case .failure(let error):
            section.fail(key, error.message)
            return nil
        }
    }
}
