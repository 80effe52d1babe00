import ArgumentParser
import VFIOCore
import VFIOSystem

struct OverrideCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "override",
        abstract: "Set or clear a device's driver_override (no unbind, no probe: the next probe obeys it).")

    @OptionGroup var source: SourceOptions

    @OptionGroup var target: OneDeviceArgument

    @Argument(help: ArgumentHelp("The driver name to allow.", valueName: "driver"), transform: BlankValue.refused)
    var driver: String?

    @Flag(help: "Clear the override (writes a newline, which is what clears it).")
    var clear = false

    @Flag(help: "Print the write instead of making it.")
    var dryRun = false

    func validate() throws {
        if clear == (driver != nil) { throw ValidationError("give either a driver name or --clear") }
    }

    func run(_ context: CommandContext) throws {
        let address = try source.singleAddress(context, target.device, command: "override")
        let name = try driver.map { text throws(VFIOError) -> DriverName in
            guard let name = DriverName(text) else { throw .usage("invalid driver name \(UserText.quoted(text))") }
            return name
        }
        let result = try LowLevel(kernel: source.kernel(context), dryRun: dryRun)
            .setOverride(address, name)
        context.terminal.out(result + "\n")
    }
}

struct NewIDCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-id",
        abstract: "Add a dynamic id to a driver (new_id). The kernel immediately binds EVERY unbound matching device.")

    @OptionGroup var change: DynamicIDArguments

    func run(_ context: CommandContext) throws { try change.apply(.add, context) }
}

struct RemoveIDCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-id",
        abstract: "Remove a dynamic id from a driver (remove_id). Bound devices stay bound.")

    @OptionGroup var change: DynamicIDArguments

    func run(_ context: CommandContext) throws { try change.apply(.remove, context) }
}

/// What `new-id` and `remove-id` take: the same driver and id, written to new_id or remove_id.
struct DynamicIDArguments: ParsableArguments {
    @OptionGroup var source: SourceOptions

    @Argument(help: ArgumentHelp("The driver.", valueName: "driver"), transform: BlankValue.refused)
    var driver: String

    @Argument(
        help: ArgumentHelp("VVVV:DDDD[:SVVV:SDDD[:CLASS[:MASK]]] (hex).", valueName: "id"),
        transform: BlankValue.refused)
    var id: String

    @Flag(help: "Print the write instead of making it.")
    var dryRun = false

    func apply(_ change: LowLevel.DynamicIDChange, _ context: CommandContext) throws {
        let kernel = source.kernel(context)
        context.terminal.out(
            try LowLevel(kernel: kernel, dryRun: dryRun).dynamicID(change, driver: driver, id: id) + "\n")
    }
}

/// The device forms every device argument takes (DeviceSelector), for help texts.
enum DeviceArgumentHelp {
    static let forms =
        "a PCI address (0000:01:00.0 or 01:00.0), a libvirt name (pci_0000_01_00_0), an id pair VVVV:DDDD, a slot (01:00: all its functions), an address glob (0000:3b:*), or a network interface (eth0)"
}
