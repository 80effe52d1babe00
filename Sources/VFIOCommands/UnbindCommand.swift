import ArgumentParser
import VFIOCore
import VFIOSystem

struct UnbindCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "unbind",
        abstract: "Return devices to the driver they had before vfioctl moved them (alias: reattach).",
        discussion: """
            unbind does not leave a device without a driver (that is 'bind --driver none'): it undoes \
            vfioctl's bind. With a record of the original driver (vfioctl status), the device goes back \
            to it, with its original driver_override, whatever vfioctl bound it to (vfio-pci, another \
            driver, or none). Without one, the override is cleared and the kernel chooses \
            (unbind + drivers_probe). Refuses, instead of hanging, when a process holds the device's \
            VFIO node open (check open-fd).
            """,
        aliases: ["reattach"])

    @OptionGroup var source: SourceOptions

    @OptionGroup var arguments: TransactionDeviceArguments

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var writing: WritingOptions
    @OptionGroup var saving: SavingOptions

    func run(_ context: CommandContext) throws {
        let selectors = try source.writingSelectors(
            context, arguments.devices, stateDir: writing.stateDirectory(context))
        let engine = try writing.engine(context, source: source)
        // No rule is consulted (only the kernel's aliases, by modalias): the revision is not read.
        let selected = try source.select(
            context, DeviceQuery(selectors: selectors),
            from: try source.inventory(context, changing: selectors, consultsRules: false))
        guard !selected.isEmpty else {
            throw SourceOptions.noDeviceMatches(arguments.devices)
        }
        let setup = planning.setup(context)
        let hostModules = HostModuleLookup { try? setup.kernelIndex() }
        let requests = selected.map { device in
            BindEngine.ReleaseRequest(device: device) { hostModules.modules(for: device) }
        }
        try writing.finish(engine.unbind(requests, options: writing.engineOptions(context)), context)
        guard saving.save else { return }
        // The devices' entries leave the desired state, so the next boot does not bind them again.
        let editing = try saving.editing(dryRun: writing.dryRun, context)
        for device in selected {
            let outcome = try editing.edit("remove", device.address) { update, beforeWriting throws(VFIOError) in
                try update.remove(device.address, dryRun: writing.dryRun, beforeWriting: beforeWriting)
            }
            if outcome == .absent {
                SavingOptions.report(
                    outcome, device.address, "remove", file: editing.update.path, dryRun: writing.dryRun, context)
            }
        }
    }
}
