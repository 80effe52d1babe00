/// Parsers for the /proc text formats HostState reads. Pure functions over the file's text, so tests
/// feed them real samples; malformed lines are skipped rather than failing the whole snapshot.
package enum ProcParsers {
    /// /proc/self/mountinfo: `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS`.
    /// The optional fields vary in number, so the ` - ` separator is what finds FSTYPE and SOURCE.
    package static func mounts(_ text: String) -> [HostState.Mount] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 9, let device = DeviceNumber(fields[2]),
                let dash = fields[6...].firstIndex(of: "-"), dash + 2 < fields.count
            else { return nil }
            return HostState.Mount(
                device: device, mountPoint: unescapeOctal(fields[4]),
                source: unescapeOctal(fields[dash + 2]), fsType: unescapeOctal(fields[dash + 1]))
        }
    }

    /// /proc/swaps: a header line, then `FILENAME TYPE SIZE USED PRIORITY`.
    package static func swaps(_ text: String) -> [HostState.Swap] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2 else { return nil }
            return HostState.Swap(path: unescapeOctal(fields[0]), type: String(fields[1]))
        }
    }

    /// /proc/net/route (IPv4, main table): a header, then `IFACE DEST GATEWAY FLAGS ...` with hex flags.
    /// Every up route counts: the only IPv4 routes the kernel adds by itself come with an address.
    package static func ipv4RoutedInterfaces(_ text: String) -> Set<String> {
        var result: Set<String> = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 4, let flags = UInt32(fields[3], radix: 16), flags & rtfUp != 0 else { continue }
            result.insert(String(fields[0]))
        }
        return result
    }

    /// /proc/net/ipv6_route: `DEST DESTLEN SRC SRCLEN NEXTHOP METRIC REFCNT USE FLAGS DEVICE`, all hex.
    /// The kernel adds fe80::/64, ff00::/8 and a local route per link-local address to every interface
    /// that comes up; those say nothing about use, so they are skipped, as are reject routes (`lo`).
    package static func ipv6RoutedInterfaces(_ text: String) -> Set<String> {
        var result: Set<String> = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 10, fields[0].count == 32, let flags = UInt32(fields[8], radix: 16),
                flags & rtfUp != 0, flags & rtfReject == 0
            else { continue }
            let destination = fields[0].lowercased()
            let isLinkLocal = ["fe8", "fe9", "fea", "feb"].contains(String(destination.prefix(3)))
            if isLinkLocal || destination.hasPrefix("ff") { continue }
            result.insert(String(fields[9]))
        }
        return result
    }

    /// The address file used instead of getifaddrs(3) when /proc is not the live one (tests, a fake
    /// root): `IFNAME ADDRESS/PREFIX` per line, `#` starts a comment. Example: `eth0 192.168.1.5/24`.
    package static func addresses(_ text: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.prefix(while: { $0 != "#" }).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 2 else { continue }
            result[String(fields[0]), default: []].append(String(fields[1]))
        }
        return result
    }

    /// The framebuffers `fbcon=map:NNN` on the kernel command line assigns consoles to (digits are fb
    /// numbers, cycled over the consoles); without the option fbcon uses fb0.
    package static func fbconMap(commandLine: String) -> Set<Int> {
        var map: Set<Int> = []
        for word in commandLine.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.hasPrefix("fbcon=") {
            for option in word.dropFirst(6).split(separator: ",") where option.hasPrefix("map:") {
                map = Set(option.dropFirst(4).compactMap { $0.wholeNumberValue })
            }
        }
        return map.isEmpty ? [0] : map
    }

    /// The minor of the node NVIDIA's proprietary driver serves a GPU through (`/dev/nvidiaN`), from
    /// its `/proc/driver/nvidia/gpus/ADDRESS/information` (`Device Minor: \t 0`, nv-procfs.c). That
    /// driver registers no sysfs class for it, so this file is the only link from a PCI function to
    /// its node. nil without such a line or with a value that is not a minor number.
    package static func nvidiaDeviceMinor(_ text: String) -> Int? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, trimmed(parts[0]) == "Device Minor" else { continue }
            let value = trimmed(parts[1])
            guard value.utf8.allSatisfy({ (48...57).contains($0) }), let minor = Int(value), minor <= 1 << 20 else {
                return nil
            }
            return minor
        }
        return nil
    }

    /// `text` without the blanks seq_printf puts around a value.
    private static func trimmed(_ text: Substring) -> Substring {
        let isBlank = { (c: Character) in c == " " || c == "\t" }
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return text[first...last]
    }

    /// A command's full name where `/proc/PID/comm` cut it to 15 bytes (`nvidia-persiste`): the
    /// last component of argv[0] (`/proc/PID/cmdline`, NUL-separated) when it starts with `comm`;
    /// otherwise `comm` itself (a process that renamed itself keeps the name it chose).
    package static func fullCommand(comm: String, cmdline: String?) -> String {
        guard comm.utf8.count == 15, let cmdline,
            let argv0 = cmdline.split(separator: "\0", omittingEmptySubsequences: false).first,
            let name = argv0.split(separator: "/").last, name.hasPrefix(comm)
        else { return comm }
        return String(name)
    }

    /// The kernel escapes space, tab, newline and backslash in paths as `\040`-style octal.
    static func unescapeOctal(_ text: Substring) -> String {
        guard text.contains("\\") else { return String(text) }
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count,
                let value = UInt8(String(decoding: utf8[(i + 1)...(i + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let rtfUp: UInt32 = 0x0001
    private static let rtfReject: UInt32 = 0x0200
}
