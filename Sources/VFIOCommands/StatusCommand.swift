import ArgumentParser
import VFIOCore
import VFIOSystem

struct StatusCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List the devices vfioctl manages: original driver, current driver, since when.")

    @OptionGroup var source: SourceOptions

    @Flag(help: "Print a JSON document (schema: docs/json-schema.md).")
    var json = false

    @OptionGroup var directory: StateDirectoryOption<RecordsOnly>

    func run(_ context: CommandContext) throws {
        // Read-only: status creates, locks and changes nothing in the state directory.
        let store = context.stateStore(directory.stateDirectory(context)).readOnly
        let kernel = source.kernel(context)
        let transaction = try ManagedStatus.transaction(store: store, writeIsPending: kernel.writeIsPending)
        let inventory = try source.inventory(context, hostUse: .skip, stateDir: directory.stateDirectory(context))
        let vfioDrivers = VFIODriverSet(sysfs: kernel)
        let reader = VFIONodeReader(kernel: kernel)
        let status = ManagedStatus.read(store: store, inventory: inventory) { device in
            device.driver.map(vfioDrivers.isVFIO) == true
                ? reader.present(device.address, group: device.iommuGroup) : VFIONodes()
        }
        let owners = NodeOwnershipStep(kernel: kernel, nodes: context.deviceNodes(source.source(context)))
        let entries = try status.get().map { entry in
            var entry = entry
            entry.nodeAttributes = owners.attributes(of: entry.nodes, address: entry.record.address)
            return entry
        }
        context.terminal.out(
            json
                ? ManagedStatus.json(entries, transaction: transaction).rendered()
                : ManagedStatus.text(entries, transaction: transaction))
    }
}
