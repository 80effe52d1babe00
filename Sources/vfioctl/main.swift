import ArgumentParser
import VFIOCommands
import VFIOCore

#if canImport(Glibc)
import Glibc
#endif

// The CLI owns parsing and exit codes; every failure leaves as one `vfioctl: error:` line with a
// documented status (see ExitStatus), never ArgumentParser's 64 or a multi-line dump.
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    var command = try VFIOCtl.parseAsRoot(arguments)
    try EnvironmentVariable.checkAll()
    try BlankValue.check(arguments)
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
    // The parser quotes arguments whole and as they are: quote them as every other message does
    // (escaped, long ones cut) before keeping the message's first line.
    var message = VFIOCtl.message(for: error)
    for argument in Set(arguments) where argument.count > UserText.quotedLimit || UserText.escaped(argument) != argument {
        message = message.replacing("'\(argument)'", with: UserText.quoted(argument))
    }
    message = message.split(separator: "\n").first.map(String.init) ?? "invalid usage"
    Terminal.error(.usage(message, hint: "see 'vfioctl help'"))
    exit(ExitStatus.usage.rawValue)
}
