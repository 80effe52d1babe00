import ArgumentParser
import VFIOCore
import VFIOSystem

struct OverrideCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "override",
        abstract: "Set or clear a device's driver_override (no unbind, no probe: the next probe obeys it).")

    @OptionGroup var source: SourceOptions

    @Argument(help: ArgumentHelp("The device: a PCI address.", valueName: "device"),
              completion: .custom { _, _, _ in LiveCompletion.addresses() }, transform: BlankValue.refused)
    var device: String

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
        let address = try singleAddress(device)
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

    @Argument(help: ArgumentHelp("VVVV:DDDD[:SVVV:SDDD[:CLASS[:MASK]]] (hex).", valueName: "id"), transform: BlankValue.refused)
    var id: String

    @Flag(help: "Print the write instead of making it.")
    var dryRun = false

    func apply(_ change: LowLevel.DynamicIDChange, _ context: CommandContext) throws {
        let kernel = source.kernel(context)
        context.terminal.out(try LowLevel(kernel: kernel, dryRun: dryRun).dynamicID(change, driver: driver, id: id) + "\n")
    }
}

/// `show`, `override` and `sriov` take exactly one address.
func singleAddress(_ text: String) throws(VFIOError) -> PCIAddress {
    let selector = try DeviceSelector(parsing: text)
    guard case .address(let address) = selector else {
        // The selector's own spelling: already checked, and short.
        throw .usage("'\(selector)' is an id pair; this command takes one PCI address",
                     hint: "use 'vfioctl list \(selector)' to find its address")
    }
    return address
}
