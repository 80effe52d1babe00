import ArgumentParser
import VFIOCore
import VFIOSystem

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List the devices vfioctl manages: original driver, current driver, since when.")

    @OptionGroup var source: SourceOptions

    @Flag(help: "Print a JSON document (schema: docs/json-schema.md).")
    var json = false

    @Option(help: ArgumentHelp("State directory (default: $VFIOCTL_STATE_DIR, else /run/vfioctl).", valueName: "DIR"),
            completion: .directory, transform: BlankValue.refused)
    var stateDir: String?

    func run() throws {
        // Read-only: status creates, locks and changes nothing in the state directory.
        let store = StateStore.readOnly(directory: stateDir ?? EnvironmentVariable.stateDir.value ?? StateStore.defaultDirectory)
        let transaction = try ManagedStatus.transaction(store: store)
        let status = ManagedStatus.read(store: store, inventory: try source.inventory(hostUse: .skip))
        let entries = try status.get()
        Terminal.out(json ? ManagedStatus.json(entries, transaction: transaction).rendered()
                          : ManagedStatus.text(entries, transaction: transaction))
    }
}
