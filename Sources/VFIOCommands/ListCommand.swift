import ArgumentParser
import VFIOCore
import VFIOSystem

struct ListCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List PCI devices with driver, IOMMU group, driver_override and SR-IOV state.",
        discussion: """
            With no device arguments every device is listed. An address that names no device fails \
            with status 4; id pairs and filters that match nothing print an empty list.
            """)

    @OptionGroup var source: SourceOptions
    @OptionGroup var selection: SelectionOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Show the PCI topology: root buses, bridges, endpoints, and VFs under their PF.")
    var tree = false

    func validate() throws {
        if tree && output.json { throw ValidationError("--tree and --json cannot be combined") }
    }

    func run(_ context: CommandContext) throws {
        let terminal = context.terminal
        // Only the JSON carries host use.
        let inventory = try source.inventory(context, hostUse: output.json ? .scan : .skip)
        let devices = try selection.query().select(from: inventory)
        let namer = DeviceNamer(numeric: output.numeric)
        if output.json {
            terminal.streaming { stream in
                JSONValue.streamDocument("devices", devices, item: { DeviceJSON.device($0, namer: namer) }, to: stream.write)
            }
            return
        }
        let text = DeviceText(namer: namer, vfioDrivers: VFIODriverSet(sysfs: source.kernel(context)))
        if tree {
            terminal.out(text.tree(inventory))
        } else {
            terminal.streaming { text.list(devices, to: $0.write) }
        }
    }
}
