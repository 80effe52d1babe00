import ArgumentParser
import VFIOCore

#if canImport(Glibc)
import Glibc
#endif
import VFIOSystem

/// Options of every command that changes driver bindings.
struct WritingOptions: ParsableArguments {
    @Flag(help: "Print the exact writes and the checks that would be made; change nothing.")
    var dryRun = false

    @Flag(help: "Print a JSON report (schema: docs/json-schema.md).")
    var json = false

    @Flag(name: .shortAndLong, help: "Also print every check and every sysfs write.")
    var verbose = false

    @Option(overriding: "Override one refusal by its code")
    var forced: [ForceCode] = []

    @Option(
        help: ArgumentHelp(
            "Seconds to wait for each unbind, bind, drivers_probe and sriov_numvfs write, for a write an interrupted run left pending, for /dev/vfio nodes and for udev (default: 10); a write still blocked then is left pending (the journal records it), exit 6.",
            valueName: "seconds"))
    var timeout: Double = 10

    @OptionGroup var lock: LockOptions<BindingState>

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("timeouts must be positive") }
    }

    /// The engine's options; progress lines go to stderr when it is a terminal (and not for --json).
    func engineOptions(_ context: CommandContext) -> BindEngine.Options {
        var options = BindEngine.Options()
        options.dryRun = dryRun
        options.forced = Set(forced.map(\.code))
        options.timeout = timeout
        options.lockTimeout = lock.lockTimeout
        options.waitForUdev = context.waitsForUdev
        if context.standardError.isTerminal && !json {
            let terminal = context.terminal
            options.progress = { done, total in
                guard total >= 8 else { return }
                terminal.progress(done < total ? "vfioctl: \(done)/\(total) devices" : nil)
            }
        }
        return options
    }

    /// The engine for this command, holding the lock (unless a dry run). Unless `recoverFirst` is
    /// false (the recover command itself), an interrupted run is rolled back here: create the engine
    /// before reading the devices.
    func engine(_ context: CommandContext, source: SourceOptions, recoverFirst: Bool = true) throws -> BindEngine {
        let kernel = source.kernel(context)
        var engine = BindEngine(
            kernel: kernel, store: context.stateStore(stateDirectory(context)),
            captureHost: { source.hostState(context) }, vfioDrivers: VFIODriverSet(sysfs: kernel))
        engine.clock = context.clock
        try engine.lockBeforeReading(options: engineOptions(context))
        // Roll back an interrupted run before the command reads the devices.
        if recoverFirst, let recovered = engine.recoverPending(options: engineOptions(context)) {
            // A failed recovery ends the command here, reported once (its report and one error
            // line): the command's own transaction would only meet the same journal again.
            if recovered.error != nil { try finish(recovered, context) }
            for check in recovered.checks { context.terminal.warning(check) }
            engine.recoveryNotes = recovered.checks
        }
        return engine
    }

    func stateDirectory(_ context: CommandContext) -> String { lock.stateDirectory(context) }

    /// Prints the report and turns a failed operation into the process's exit status.
    func finish(_ report: OperationReport, _ context: CommandContext) throws {
        let terminal = context.terminal
        if json {
            terminal.out(OperationJSON.report(report).rendered())
        } else {
            terminal.out(OperationText.report(report, verbose: verbose))
        }
        if let error = report.error {
            guard json else { throw error }
            // The JSON on stdout carries the error; stderr gets the same one line as without --json,
            // for whoever reads only that (a script's log, a terminal with stdout redirected).
            terminal.error(error)
            throw ExitCode(error.status.rawValue)
        }
    }
}
