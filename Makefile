# The two set-up commands of the README, plus helpers. Each target installs what it needs first.
.PHONY: demo test simulator bench-client bootstrap

## Run the demo on embedded defaults: the Segura client against the built-in simulator.
demo: bootstrap
	swift run segura-gateway demo

## Run every test (Swift Testing) over real loopback HTTP.
test: bootstrap
	swift test --disable-xctest

## Run the Segura simulator on its own (default http://127.0.0.1:8090).
simulator: bootstrap
	swift run segura-simulator

## Benchmark: operations/s through the libcurl client at concurrency 1 and 64 (release build).
bench-client: bootstrap
	swift run -c release segura-client-bench

bootstrap:
	@scripts/bootstrap
