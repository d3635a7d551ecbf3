// The server types are generated at build time from openapi.yaml (a symlink to the top-level contract)
// by the swift-openapi-generator plugin. If the contract and the handler drift apart, the build fails.
