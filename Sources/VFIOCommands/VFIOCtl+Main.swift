import ArgumentParser
import VFIOCore

extension VFIOCtl {
    /// One vfioctl command line, run against `context`: what `vfioctl ARGUMENTS` prints and the exit
    /// status it ends with. The CLI owns parsing and exit codes; every failure leaves as one
    /// `vfioctl: error:` line with a documented status (see ExitStatus), never ArgumentParser's 64
    /// or a multi-line dump.
    package static func main(_ arguments: [String], context: CommandContext) -> Int32 {
        let terminal = context.terminal
        do {
            var command = try parseAsRoot(arguments)
            try EnvironmentVariable.checkAll(context.environment)
            try BlankValue.check(arguments)
            if let command = command as? any ContextCommand {
                try command.run(context)
            } else {
                try command.run()
            }
            return ExitStatus.success.rawValue
        } catch let error as VFIOError {
            terminal.error(error)
            return error.status.rawValue
        } catch let code as ExitCode where code != .success {
            return code.rawValue  // `--json` already printed the report, with the error in it
        } catch {
            if exitCode(for: error) == .success {
                // --help, --version, completion scripts: printed as ArgumentParser's exit(withError:) does.
                let text = fullMessage(for: error)
                if !text.isEmpty { terminal.out(text + "\n") }
                return ExitStatus.success.rawValue
            }
            // The parser quotes arguments whole and as they are: quote them as every other message
            // does (escaped, long ones cut) before keeping the message's first line.
            var message = self.message(for: error)
            for argument in Set(arguments)
            where argument.count > UserText.quotedLimit || UserText.escaped(argument) != argument {
                message = message.replacing("'\(argument)'", with: UserText.quoted(argument))
            }
            message = message.split(separator: "\n").first.map(String.init) ?? "invalid usage"
            terminal.error(.usage(message, hint: "see 'vfioctl help'"))
            return ExitStatus.usage.rawValue
        }
    }
}
