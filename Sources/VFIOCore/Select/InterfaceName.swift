/// A network interface name as the kernel accepts one (`dev_valid_name()`: 1 to 15 bytes, not `.`
/// or `..`, no `/`, `:` or white space), narrowed to printable ASCII (no control character a terminal
/// would act on; an argument that was not valid UTF-8 arrives as U+FFFD and could never match) and
/// not only hex digits (`8086` is a vendor id typed without its `:`, not an interface). The name is
/// only ever compared with directory entries, never joined into a path.
public struct InterfaceName: Hashable, Sendable, Comparable {
    public let rawValue: String

    /// IFNAMSIZ (16) minus the terminating NUL.
    public static let lengthLimit = 15

    public init?(_ text: String) {
        let bytes = text.utf8
        guard (1...Self.lengthLimit).contains(bytes.count), text != ".", text != "..",
            !bytes.allSatisfy(\.isHexDigit),
            bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: ":") })
        else { return nil }
        rawValue = text
    }

    public static func < (lhs: InterfaceName, rhs: InterfaceName) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Which devices hold which network interfaces (`bus/pci/devices/ADDRESS/net/NAME`), read only when a
/// selector names an interface.
public struct NetworkInterfaceIndex: Sendable {
    public let owners: [InterfaceName: [PCIAddress]]

    public init(owners: [InterfaceName: [PCIAddress]] = [:]) {
        self.owners = owners
    }

    public static let empty = NetworkInterfaceIndex()
}
