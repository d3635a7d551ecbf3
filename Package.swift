// swift-tools-version:6.1
import PackageDescription

/// Every target is built in Swift 6 language mode with the upcoming features the Swift server
/// anchors (Hummingbird, swift-openapi-generator) enable, so the rules are the same everywhere.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "segura-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CurlHTTPClient", targets: ["CurlHTTPClient"]),
        .library(name: "SeguraClient", targets: ["SeguraClient"]),
        .library(name: "SeguraSimulator", targets: ["SeguraSimulator"]),
        .library(name: "GatewaySecurity", targets: ["GatewaySecurity"]),
        .executable(name: "segura-simulator", targets: ["segura-simulator"]),
        .executable(name: "segura-gateway", targets: ["segura-gateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // MARK: Vocabulary

        /// The words every module shares: target kinds, actions, outcomes, time-ordered ids, audit decisions and
        /// the typed error catalogue. No dependencies, so the client, security, store and server agree on them
        /// without depending on each other.
        .target(name: "GatewayVocabulary", swiftSettings: swiftSettings),
        /// A strict, streaming JSON reader (no dependencies) for the inputs read on every request: the action
        /// request's body and Segura's answers.
        .target(name: "JSONReading", swiftSettings: swiftSettings),
        /// A strict `application/x-www-form-urlencoded` reader (no dependencies) for the chat platforms' slash
        /// commands and interactive payloads (Slack, Mattermost).
        .target(name: "FormReading", swiftSettings: swiftSettings),

        // MARK: libcurl

        /// The system libcurl (OpenSSL flavour) plus `static inline` wrappers for its variadic functions.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        /// An async HTTP client driven by one `curl_multi` loop on a dedicated thread.
        .target(
            name: "CurlHTTPClient",
            dependencies: [
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Segura

        /// Segura's A2A API: OAuth2 tokens, operations, envelope parsing, normalization and retries.
        .target(
            name: "SeguraClient",
            dependencies: [
                "CurlHTTPClient",
                "GatewayVocabulary",
                "JSONReading",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        /// A faithful Segura + Kong simulator on SwiftNIO, with fault injection, for tests, demo and benchmarks.
        .target(
            name: "SeguraSimulator",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "segura-simulator",
            dependencies: [
                "SeguraSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Gateway

        /// Who may call the gateway: webhook signature schemes (verify and sign) and per-caller policy.
        .target(
            name: "GatewaySecurity",
            dependencies: [
                "GatewayVocabulary",
                // A static token may come in a form field (Mattermost slash commands).
                "FormReading",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),

        /// Durable state: idempotent deliveries and the hash-chained audit trail (SQLite through GRDB).
        .target(
            name: "GatewayStore",
            dependencies: [
                "GatewayVocabulary",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the few per-request statements that bypass GRDB's generic layer (DirectStatement).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The PostgreSQL store (postgres-nio): the same store concerns for several replicas on one database.
        .target(
            name: "GatewayPostgresStore",
            dependencies: [
                "GatewayStore",
                "GatewayVocabulary",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The HTTP contract: server types generated from the top-level `openapi.yaml` (symlinked here).
        .target(
            name: "GatewayAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        /// The gateway server: configuration, signature middleware, request handling, metrics and logs.
        .target(
            name: "GatewayServer",
            dependencies: [
                "GatewayAPI",
                "GatewayVocabulary",
                "GatewaySecurity",
                "GatewayStore",
                "GatewayPostgresStore",
                "JSONReading",
                // Slack's and Mattermost's slash commands are form bodies.
                "FormReading",
                "SeguraClient",
                "CurlHTTPClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                // The request-deadline channel handler sits in Hummingbird's HTTP/1 pipeline.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Command line

        /// The `segura-gateway` command: subcommands for each capability.
        .executableTarget(
            name: "segura-gateway",
            dependencies: [
                "GatewayServer",
                "GatewayVocabulary",
                "GatewaySecurity",
                "GatewayStore",
                "GatewayPostgresStore",
                "SeguraClient",
                "SeguraSimulator",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Benchmarks

        /// Requests per second through the libcurl client against the simulator; run with `scripts/bench-client`.
        .executableTarget(
            name: "segura-client-bench",
            dependencies: [
                "SeguraClient",
                "GatewayVocabulary",
                "SeguraSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/SeguraClientBenchmark",
            swiftSettings: swiftSettings
        ),

        // MARK: Fuzzing

        // libFuzzer targets, one per parser; `scripts/fuzz` builds them with sanitizers and runs them on the
        // seed corpora in Fuzz/Corpus. An ordinary build makes the same executables replay a corpus instead.

        /// `LLVMFuzzerRunDriver`'s declaration; libFuzzer itself is linked only by the fuzz build.
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        /// The fuzz targets' shared `main` (libFuzzer's driver, or the corpus replayer) and input helpers.
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Fuzz/Support", swiftSettings: swiftSettings),
        /// GatewayServer's request parsers on their own: `Fuzz/Requests` is a link to `Sources/GatewayServer/Requests`,
        /// which needs only the vocabulary and SeguraClient. The fuzz targets then build under sanitizers without the server, its store,
        /// its generated API or their dependencies, and all their coverage is the parsers'.
        .target(name: "FuzzedRequests", dependencies: ["GatewayVocabulary", "JSONReading", "SeguraClient"], path: "Fuzz/Requests", swiftSettings: swiftSettings),
        .executableTarget(
            name: "fuzz-action-command",
            dependencies: ["FuzzSupport", "FuzzedRequests", "GatewayVocabulary"],
            path: "Fuzz/ActionCommand",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fuzz-action-json",
            dependencies: ["FuzzSupport", "FuzzedRequests", "GatewayVocabulary"],
            path: "Fuzz/ActionJSON",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fuzz-duration",
            dependencies: ["FuzzSupport", "FuzzedRequests"],
            path: "Fuzz/Duration",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fuzz-url-encoded-form",
            dependencies: ["FuzzSupport", "FormReading"],
            path: "Fuzz/URLEncodedForm",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fuzz-segura-envelope",
            dependencies: ["FuzzSupport", "GatewayVocabulary", "SeguraClient", "CurlHTTPClient"],
            path: "Fuzz/SeguraEnvelope",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fuzz-signature-headers",
            dependencies: ["FuzzSupport", "GatewaySecurity", "GatewayVocabulary", .product(name: "HTTPTypes", package: "swift-http-types")],
            path: "Fuzz/SignatureHeaders",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests

        /// Helpers shared by the test targets: simulator harness, loopback sockets, test certificates.
        .target(
            name: "TestSupport",
            dependencies: [
                "CurlHTTPClient",
                "SeguraSimulator",
                "GatewayPostgresStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "JSONReadingTests", dependencies: ["JSONReading"], swiftSettings: swiftSettings),
        .testTarget(name: "FormReadingTests", dependencies: ["FormReading"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CurlHTTPClientTests",
            dependencies: ["CurlHTTPClient", "SeguraSimulator", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SeguraClientTests",
            dependencies: ["SeguraClient", "GatewayVocabulary", "SeguraSimulator", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewaySecurityTests",
            dependencies: ["GatewaySecurity", "GatewayVocabulary", "TestSupport", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayStoreTests",
            dependencies: [
                "GatewayStore",
                "GatewayPostgresStore",
                "GatewayVocabulary",
                "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayServerTests",
            dependencies: [
                "GatewayServer",
                "GatewayAPI",
                "GatewayVocabulary",
                "GatewaySecurity",
                "GatewayStore",
                "GatewayPostgresStore",
                "SeguraClient",
                "CurlHTTPClient",
                "SeguraSimulator",
                "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SeguraSimulatorTests",
            dependencies: ["SeguraSimulator", "TestSupport", .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
    ]
)
