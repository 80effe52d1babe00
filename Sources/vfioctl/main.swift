import ArgumentParser
import VFIOCore

#if canImport(Glibc)
import Glibc
#endif

// The CLI owns parsing and exit codes; every failure leaves as one `vfioctl: error:` line with a
// documented status (see ExitStatus), never ArgumentParser's 64 or a multi-line dump.
do {
    var command = try VFIOCtl.parseAsRoot(DeviceArgumentPacking.pack(Array(CommandLine.arguments.dropFirst())))
    try command.run()
    exit(ExitStatus.success.rawValue)
} catch let error as VFIOError {
    Terminal.error(error)
    exit(error.status.rawValue)
} catch let code as ExitCode where code != .success {
    exit(code.rawValue)  // `--json` already printed the report, with the error in it
} catch {
    if VFIOCtl.exitCode(for: error) == .success {
        VFIOCtl.exit(withError: error)  // --help, --version, completion scripts
    }
    let message = VFIOCtl.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid usage"
    Terminal.error(.usage(message, hint: "see 'vfioctl help'"))
    exit(ExitStatus.usage.rawValue)
}
