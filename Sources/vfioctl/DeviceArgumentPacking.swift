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
    /// The separator as its one UTF-8 byte: packing and unpacking work on bytes, because iterating
    /// Characters cost ~100 instructions a character (a tenth of a bound VF's work at 32 VFs).
    private static let separatorByte: UInt8 = 0x1F
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
            let mayBeOptionValue = isOption(previous) && !previous.utf8.contains(UInt8(ascii: "="))
            if !isOption(argument), !argument.utf8.contains(separatorByte), !(run.isEmpty && mayBeOptionValue) {
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
        var arguments: [String] = []
        arguments.reserveCapacity(values.count)
        for value in values {
            for piece in value.utf8.split(separator: separatorByte) { arguments.append(String(Substring(piece))) }
        }
        return arguments
    }

    private static func isOption(_ word: String) -> Bool { word.utf8.first == UInt8(ascii: "-") }
}
