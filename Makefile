# The two set-up commands of the README, plus helpers. Each target installs what it needs first.
.PHONY: demo test test-steps check-deploy simulator bench-client bench-gateway bench-stores bench-grants schemathesis crash-test grant-restart-test replica-test abuse-test chat-test approval-test fuzz bootstrap

## Run the demo on embedded defaults: the Segura client against the built-in simulator.
demo: bootstrap
	swift run segura-gateway demo

## Run every test: the contract (openapi-spec-validator), Schemathesis against the demo gateway, the deployment
## files (scripts/check-deploy, with check-config run by the debug gateway), the SIGKILL crash test, the grant
## restart test, the replica test, the abuse test, the chat test and the approval test (debug binaries, which
## the Swift tests' build makes anyway), the fuzz corpora replayed and each fuzz target for 15 s, then Swift Testing over real loopback HTTP, the
## client suites alone first (last, so its summary is the closing line). All of it beside one fresh PostgreSQL server on 127.0.0.1 (scripts/with-postgres, which
## exports SEGURA_TEST_POSTGRES_URL and the rest, and stops and deletes the server at the end).
test: bootstrap
	@scripts/with-postgres $(MAKE) --no-print-directory test-steps

## The steps of `make test`. Run alone, they need SEGURA_TEST_POSTGRES_URL and the rest from scripts/postgres-server.
test-steps:
	scripts/check-openapi
	scripts/schemathesis
	swift build --product segura-gateway
	swift build --product segura-simulator
	SEGURA_GATEWAY_BIN="$$(swift build --show-bin-path)/segura-gateway" scripts/check-deploy
	SEGURA_GATEWAY_BIN="$$(swift build --show-bin-path)/segura-gateway" \
	SEGURA_SIMULATOR_BIN="$$(swift build --show-bin-path)/segura-simulator" scripts/crash-test
	SEGURA_GATEWAY_BIN="$$(swift build --show-bin-path)/segura-gateway" \
	SEGURA_SIMULATOR_BIN="$$(swift build --show-bin-path)/segura-simulator" scripts/grant-restart-test
	SEGURA_GATEWAY_BIN="$$(swift build --show-bin-path)/segura-gateway" \
	SEGURA_SIMULATOR_BIN="$$(swift build --show-bin-path)/segura-simulator" scripts/replica-test
	SEGURA_GATEWAY_BIN="$$(swift build --show-bin-path)/segura-gateway" \
	SEGURA_SIMULATOR_BIN="$$(swift build --show-bin-path)/segura-simulator" scripts/abuse-test
	SEGURA_GATEWAY_BIN="$$(swift build --show-bin-path)/segura-gateway" \
	SEGURA_SIMULATOR_BIN="$$(swift build --show-bin-path)/segura-simulator" scripts/chat-test
	SEGURA_GATEWAY_BIN="$$(swift build --show-bin-path)/segura-gateway" \
	SEGURA_SIMULATOR_BIN="$$(swift build --show-bin-path)/segura-simulator" scripts/approval-test
	scripts/fuzz --replay
	FUZZ_SECONDS=15 scripts/fuzz
	swift build --build-tests
	$(SWIFT_TESTS) --filter '$(TIMED_SUITES)'
	$(SWIFT_TESTS) --skip '$(TIMED_SUITES)'

## The Swift Testing binary swift test runs. The client suites measure their own deadlines in seconds, so they run
## first, alone: beside the hundreds of gateways the other suites start at once on a 2-core machine, a 2 s deadline
## can be missed by waiting for the CPU.
SWIFT_TESTS = "$$(swift build --show-bin-path)/segura-gatewayPackageTests.xctest" --testing-library swift-testing
TIMED_SUITES = ^(SeguraClientTests|CurlHTTPClientTests)\.

## Validate deploy/: systemd-analyze, hadolint, kubectl kustomize with kubernetes-validate, check-config on every
## shipped configuration, and each deployment's files against its configuration (docs/deployment.md).
check-deploy: bootstrap
	scripts/check-deploy

## Property-based API tests against openapi.yaml (demo gateway; installs Schemathesis into .build-tools/venv).
schemathesis: bootstrap
	scripts/schemathesis

## Run the Segura simulator on its own (default http://127.0.0.1:8090).
simulator: bootstrap
	swift run segura-simulator

## Benchmark: operations/s through the libcurl client at concurrency 1 and 64 (release build).
bench-client: bootstrap
	swift run -c release segura-client-bench

## Benchmark: the gateway with and without its durable store, against nginx proxy_pass (release; installs wrk and nginx).
bench-gateway: bootstrap
	scripts/bench-gateway

## Benchmark: the durable gateway on PostgreSQL against the same gateway on SQLite, ABBA at -c32 and -c64, with
## the store's round trips, batches and CPU per request (release; a throw-away PostgreSQL; installs wrk).
bench-stores: bootstrap
	scripts/bench-stores

## Crash test: SIGKILL the gateway under load against a slow simulator, then check the audit chain,
## that every 2xx is audited and that re-sending every delivery converges with no double action (release; ~1 min).
crash-test: bootstrap
	scripts/crash-test

## Benchmark: request latency with and without 10,000 pending grants, and the same-second bound.
bench-grants: bootstrap
	scripts/bench-grants

## Grant restart test: SIGKILL the gateway while time-bound grants are pending, restart it after some
## have expired, then check every expired grant was revoked once, none early and on time (debug; ~40 s).
grant-restart-test: bootstrap
	scripts/grant-restart-test

## Replica test: two gateways on one PostgreSQL database against one simulator: each delivery acted on once
## whichever replica gets it, one change per target at a time, grants revoked once and on time while one replica
## is SIGKILLed, one audit chain, and a PostgreSQL restart refused without acting (debug; ~2 min; a PostgreSQL
## server of its own from scripts/postgres-server, since it restarts it).
replica-test: bootstrap
	scripts/replica-test

## Fuzz the parsers (libFuzzer with AddressSanitizer, .build-fuzz) for FUZZ_SECONDS each (default 60), on copies of
## the seed corpora in Fuzz/Corpus; FUZZ_TARGETS picks some. `scripts/fuzz --replay` only replays the corpora.
fuzz: bootstrap
	scripts/fuzz

## Abuse test: slow heads, idle sockets, held bodies and bad MACs against a built gateway, with bounded RSS,
## descriptors, probe latency and store growth (debug; ~35 s; ABUSE_TEST_FULL=1 for the full sizes, ~2 min).
abuse-test: bootstrap
	swift build --product segura-gateway
	swift build --product segura-simulator
	SEGURA_GATEWAY_BIN="$$(swift build --show-bin-path)/segura-gateway" \
	SEGURA_SIMULATOR_BIN="$$(swift build --show-bin-path)/segura-simulator" scripts/abuse-test

## Chat test: Slack (signed with the Slack SDK), Teams and Mattermost commands end to end against a built gateway,
## with recording servers for response_url, the Teams webhook and the grant callback, one SIGKILL between acting
## and posting the follow-up, refusals that must not reach Segura, and grants/revoke from chat (debug; ~45 s).
chat-test: bootstrap
	swift build --product segura-gateway
	swift build --product segura-simulator
	SEGURA_GATEWAY_BIN="$$(swift build --show-bin-path)/segura-gateway" \
	SEGURA_SIMULATOR_BIN="$$(swift build --show-bin-path)/segura-simulator" scripts/chat-test

## Approval test: requests held for approval in Slack, Teams, Mattermost and through the API, approved (two at
## once), denied, refused, forged and expired, each approved one run exactly once, across two SIGKILLs (debug; ~30 s).
approval-test: bootstrap
	swift build --product segura-gateway
	swift build --product segura-simulator
	SEGURA_GATEWAY_BIN="$$(swift build --show-bin-path)/segura-gateway" \
	SEGURA_SIMULATOR_BIN="$$(swift build --show-bin-path)/segura-simulator" scripts/approval-test

bootstrap:
	@scripts/bootstrap
