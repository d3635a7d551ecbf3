import ArgumentParser

/// The `segura-gateway` command line. Each capability is a subcommand.
@main
struct SeguraGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segura-gateway",
        abstract: "A signed-webhook gateway that enables and disables Segura PAM objects.",
        subcommands: [ServeCommand.self, DemoCommand.self, SignCommand.self, CheckConfigCommand.self, AuditCommand.self]
    )
}
