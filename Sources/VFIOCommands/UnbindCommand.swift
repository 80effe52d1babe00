import ArgumentParser
import VFIOCore
import VFIOSystem

struct UnbindCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "unbind",
        abstract: "Return devices to the driver they had before vfioctl moved them (alias: reattach).",
        discussion: """
            With a record of the original driver (vfioctl status), the device goes back to it, with its \
            original driver_override. Without one, the override is cleared and the kernel chooses \
            (unbind + drivers_probe). Refuses, instead of hanging, when a process holds the device's \
            VFIO node open (check open-fd).
            """,
        aliases: ["reattach"])

    @OptionGroup var source: SourceOptions

    @Argument(help: ArgumentHelp("Devices: PCI addresses or id pairs VVVV:DDDD.", valueName: "device"),
              completion: .custom { _, _, _ in LiveCompletion.addresses() }, transform: BlankValue.refused)
    var devices: [String]

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var writing: WritingOptions

    func validate() throws {
        if devices.isEmpty { throw ValidationError("name at least one device") }
    }

    func run(_ context: CommandContext) throws {
        let engine = try writing.engine(context, source: source)
        let selectors = try devices.map { text throws(VFIOError) in try DeviceSelector(parsing: text) }
        // No rule is consulted (only the kernel's aliases, by modalias): the revision is not read.
        let selected = try DeviceQuery(selectors: selectors).select(from: try source.inventory(context, changing: selectors, consultsRules: false))
        guard !selected.isEmpty else { throw VFIOError.notFound("no device matches \(UserText.quoted(devices.joined(separator: " ")))") }
        let setup = planning.setup(context)
        let hostModules = HostModuleLookup { try? setup.kernelIndex() }
        let requests = selected.map { device in
            BindEngine.ReleaseRequest(device: device) { hostModules.modules(for: device) }
        }
        try writing.finish(engine.unbind(requests, options: writing.engineOptions(context)), context)
    }
}
