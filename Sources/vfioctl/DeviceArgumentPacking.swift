/// swift-argument-parser stores every value of a repeated positional argument by copying the
/// array built so far and merging its set of input origins, so N device arguments cost O(N^2):
/// at 32 VFs that was a quarter of `bind`'s user-space work per VF (~49,000 instructions, measured
/// with scripts/bench/bind-profile-vm.sh), and ~50-80 ms for 2,000 addresses. Its API has no way
/// around that, so `bind` and `unbind` receive each run of consecutive device arguments as one
/// value joined with a separator no device argument can contain, and split it again (`unpack`).
/// Their only positional arguments are devices, so any word that is not an option is one; the
/// commands validate each after unpacking.
enum DeviceArgumentPacking {
    /// U+001F, one UTF-8 byte: packing and unpacking work on bytes, because iterating Characters
    /// cost ~100 instructions a character (a tenth of a bound VF's work at 32 VFs).
    static let separatorByte: UInt8 = 0x1F
    /// The commands' own names and aliases, so a renamed command keeps its packing.
    static let commands: Set<String> = Set([BindCommand.configuration, UnbindCommand.configuration].flatMap { configuration in
        [configuration.commandName].compactMap { $0 } + configuration.aliases
    })

    /// `arguments` without the program name. A word right after an option that may take a value
    /// stays on its own, so the parser still decides whether it is that value.
    static func pack(_ arguments: [String]) -> [String] {
        guard let command = arguments.first, commands.contains(command) else { return arguments }
        var packed = [command]
        var run: [UInt8] = []
        var previousMayBeOptionValue = false  // the previous word is an option without `=`
        for argument in arguments.dropFirst() {
            var word = argument
            let (option, hasEquals, hasSeparator) = word.withUTF8 { bytes in
                (bytes.first == UInt8(ascii: "-"), bytes.contains(UInt8(ascii: "=")), bytes.contains(separatorByte))
            }
            // A blank word stays on its own, so the parser refuses it by name (BlankValue): joined
            // into a run it would vanish, and no device argument at all selected every device.
            if !option, !hasSeparator, !BlankValue.isBlank(argument), !(run.isEmpty && previousMayBeOptionValue) {
                if !run.isEmpty { run.append(separatorByte) }
                word.withUTF8 { run.append(contentsOf: $0) }
            } else {
                if !run.isEmpty { packed.append(String(decoding: run, as: UTF8.self)) }
                run.removeAll(keepingCapacity: true)
                packed.append(argument)
            }
            previousMayBeOptionValue = option && !hasEquals
        }
        if !run.isEmpty { packed.append(String(decoding: run, as: UTF8.self)) }
        return packed
    }

    static func unpack(_ values: [String]) -> [String] {
        var arguments: [String] = []
        arguments.reserveCapacity(values.count)
        for value in values {
            var value = value
            value.withUTF8 { bytes in
                var start = 0
                for end in 0...bytes.count where end == bytes.count || bytes[end] == separatorByte {
                    if end > start { arguments.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)) }
                    start = end + 1
                }
            }
        }
        return arguments
    }

}
