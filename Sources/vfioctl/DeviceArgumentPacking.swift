/// swift-argument-parser stores every value of a repeated positional argument by copying the
/// array built so far and merging its set of input origins, so N device arguments cost O(N^2):
/// at 32 VFs that was a quarter of `bind`'s user-space work per VF (~49,000 instructions, measured
/// with scripts/bench/bind-profile-vm.sh), and ~50-80 ms for 2,000 addresses. Its API has no way
/// around that, so `bind` and `unbind` receive each run of consecutive device arguments as one
/// value joined with a separator no device argument can contain, and split it again (`unpack`).
/// Their only positional arguments are devices, so any word that is not an option is one; the
/// commands validate each after unpacking.
enum DeviceArgumentPacking {
    static let separator: Character = "\u{1F}"
    /// The commands' own names and aliases, so a renamed command keeps its packing.
    static let commands: Set<String> = Set([BindCommand.configuration, UnbindCommand.configuration].flatMap { configuration in
        [configuration.commandName].compactMap { $0 } + configuration.aliases
    })

    /// `arguments` without the program name. A word right after an option that may take a value
    /// stays on its own, so the parser still decides whether it is that value.
    static func pack(_ arguments: [String]) -> [String] {
        guard let command = arguments.first, commands.contains(command) else { return arguments }
        var packed = [command]
        var run = ""
        var previous = command
        for argument in arguments.dropFirst() {
            let mayBeOptionValue = previous.hasPrefix("-") && !previous.contains("=")
            if !argument.hasPrefix("-"), !argument.contains(separator), !(run.isEmpty && mayBeOptionValue) {
                if !run.isEmpty { run.append(separator) }
                run += argument
            } else {
                if !run.isEmpty { packed.append(run) }
                run = ""
                packed.append(argument)
            }
            previous = argument
        }
        if !run.isEmpty { packed.append(run) }
        return packed
    }

    static func unpack(_ values: [String]) -> [String] {
        values.flatMap { value in value.split(separator: separator).map(String.init) }
    }
}
