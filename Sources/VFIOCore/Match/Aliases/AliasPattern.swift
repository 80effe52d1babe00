/// A lookup key as libkmod sees it: `modprobe KEY` normalises `-` to `_` outside `[...]` before looking
/// anything up, and refuses a key with an unmatched bracket.
public struct AliasKey: Hashable, Sendable, CustomStringConvertible {
    /// The normalised key.
    public let text: String
    package let bytes: [UInt8]
    /// `bytes` and a NUL: what fnmatch(3) reads.
    package let cString: [UInt8]

    /// nil where libkmod's `alias_normalize` fails (an unmatched `[` or `]`): modprobe rejects such keys.
    /// Also nil for a NUL byte, which a C string cannot hold.
    public init?(_ text: String) {
        guard !text.utf8.contains(0), let bytes = normalizeAlias(Array(text.utf8)) else { return nil }
        self.bytes = bytes
        cString = bytes + [0]
        self.text = String(decoding: bytes, as: UTF8.self)
    }

    /// The key udev hands to modprobe for a PCI device: its `modalias`.
    public init(hostDriverKeyFor modalias: Modalias) {
        self.init(validModalias: modalias.rawValue)
    }

    /// The key the kernel's VFIO variant aliases are written for: the modalias with `pci:` replaced by
    /// `vfio_pci:`.
    public init(variantKeyFor modalias: Modalias) {
        self.init(validModalias: "vfio_pci:" + modalias.rawValue.dropFirst(4))
    }

    private init(validModalias text: String) {
        // A Modalias holds no brackets, so normalisation cannot fail; it rarely has anything to change.
        let raw = Array(text.utf8)
        if raw.contains(where: {
            $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") || $0 == 0
        }) {
            let cString = Array(raw.prefix { $0 != 0 })
            bytes = normalizeAlias(cString) ?? cString
            self.text = String(decoding: bytes, as: UTF8.self)
        } else {
            bytes = raw
            self.text = text
        }
        cString = bytes + [0]
    }

    public var description: String { text }
}

/// One alias pattern of `modules.alias` (or of the builtin alias index), with libkmod's matching.
///
/// libkmod never calls fnmatch on a whole alias. depmod stores the patterns in a trie
/// (`modules.alias.bin`) and the lookup walks it byte by byte until the pattern's first `*`, `?` or `[`,
/// then hands the rest of the pattern and the rest of the key to `fnmatch(3)` with flags 0. So the
/// bytes before the first wildcard compare literally — a backslash there is an ordinary byte, not an
/// escape — and from the first wildcard on, fnmatch's rules (escapes included) apply. For every alias the
/// kernel's file2alias writes (no backslashes) this is the same as fnmatch over the whole string.
/// depmod also normalises the pattern as modprobe normalises keys (`-` becomes `_` outside brackets) and
/// leaves out patterns with unmatched brackets; `init?` does the same.
public struct AliasPattern: Hashable, Sendable, CustomStringConvertible {
    /// The pattern as written in `modules.alias`.
    public let text: String
    /// The normalised bytes libkmod matches against.
    package let bytes: [UInt8]
    /// How many leading bytes compare literally (up to the first `*`, `?` or `[`).
    package let literalPrefixLength: Int
    /// The PCI fields, when this is a `pci:` or `vfio_pci:` pattern of the usual shape.
    public let pciFields: PCIAliasFields?

    /// nil when depmod would leave the pattern out of its index (unmatched `[` or `]`), so that modprobe
    /// never sees it.
    public init?(_ text: String) {
        guard !text.utf8.contains(0), let bytes = normalizeAlias(Array(text.utf8)), !bytes.isEmpty else { return nil }
        self.text = text
        self.bytes = bytes
        literalPrefixLength = bytes.firstIndex(where: isWildcardStart) ?? bytes.count
        pciFields = PCIAliasFields(parsing: bytes)
    }

    /// Whether libkmod's lookup of `key` would return this pattern's module.
    public func matches(_ key: AliasKey) -> Bool {
        // The C string is made here, not stored: the index holds tens of thousands of patterns and
        // matches them from its own buffer (`PatternStore`).
        (bytes + [0]).withUnsafeBufferPointer { pattern in
            key.cString.withUnsafeBufferPointer { key in
                Self.libkmodMatches(pattern: pattern, literalPrefixLength: literalPrefixLength, key: key)
            }
        }
    }

    /// libkmod's trie search for one pattern: the literal prefix byte for byte, then fnmatch(3) from the
    /// first wildcard on. Both buffers are C strings: each ends with a NUL byte and holds no other.
    package static func libkmodMatches(
        pattern: UnsafeBufferPointer<UInt8>, literalPrefixLength prefix: Int,
        key: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        let patternLength = pattern.count - 1
        let keyLength = key.count - 1
        if prefix == patternLength {
            // No wildcard at all: the trie walk must end exactly at the end of the key.
            return keyLength == prefix && memoryEqual(pattern.baseAddress, key.baseAddress, prefix)
        }
        guard keyLength >= prefix, memoryEqual(pattern.baseAddress, key.baseAddress, prefix),
            let pattern = pattern.baseAddress, let key = key.baseAddress
        else { return false }
        return FNMatch.matches(pattern: pattern + prefix, key + prefix)
    }

    /// The normalised pattern, as libkmod stores and matches it.
    public var normalized: String { String(decoding: bytes, as: UTF8.self) }

    /// The kernel commit that introduced `vfio_pci:` aliases ranks matches by their number of `*`.
    public var starCount: Int { bytes.reduce(0) { $0 + ($1 == UInt8(ascii: "*") ? 1 : 0) } }

    /// Field-by-field specificity in the PCI core's match order. A pattern that is not of the usual PCI
    /// shape counts as matching anything in every field (the least specific).
    public var specificity: AliasSpecificity { pciFields?.specificity ?? .leastSpecific }

    public var description: String { text }

    public static func == (a: Self, b: Self) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}

/// One field of a PCI alias pattern.
public enum AliasField: Hashable, Sendable, CustomStringConvertible {
    /// `*`: any value.
    case any
    /// A literal value of the field's full width.
    case exact(UInt32)
    /// Anything else: a glob that matches some values (`0000101?`, `[01]*`, ...), kept as written.
    case partial(String)

    public var level: AliasSpecificity.Level {
        switch self {
        case .any: .any
        case .exact: .exact
        case .partial: .partial
        }
    }

    public var description: String {
        switch self {
        case .any: "*"
        case .exact(let value): upperHex(value, width: 1)
        case .partial(let text): text
        }
    }
}

/// The seven fields of a `pci:` or `vfio_pci:` alias (`v%08X d%08X sv%08X sd%08X bc%02X sc%02X i%02X`),
/// as file2alias writes them.
public struct PCIAliasFields: Hashable, Sendable {
    public enum Bus: String, Hashable, Sendable {
        /// `pci:`: a host driver udev autoloads.
        case pci
        /// `vfio_pci:`: a VFIO variant driver (override-only, never autoloaded).
        case vfioPCI = "vfio_pci"
    }

    public var bus: Bus
    public var vendor: AliasField
    public var device: AliasField
    public var subsystemVendor: AliasField
    public var subsystemDevice: AliasField
    public var baseClass: AliasField
    public var subclass: AliasField
    /// file2alias appends `*` to a pattern that does not already end in one, so a pinned interface is
    /// written `i02*`. A key ends right after its two interface digits, so that `*` can only match the
    /// empty string: `i02*` is reported as `.exact(0x02)`.
    public var interface: AliasField

    /// Fields that are exactly `*`: libvirt's measure (it ranks matches by this count, fewest first).
    public var wildcardFieldCount: Int {
        [vendor, device, subsystemVendor, subsystemDevice, baseClass, subclass, interface]
            .filter { $0 == .any }.count
    }

    public var specificity: AliasSpecificity {
        AliasSpecificity(
            device: device.level, subsystemDevice: subsystemDevice.level,
            subsystemVendor: subsystemVendor.level, vendor: vendor.level,
            baseClass: baseClass.level, subclass: subclass.level, interface: interface.level)
    }

    public init(
        bus: Bus, vendor: AliasField, device: AliasField, subsystemVendor: AliasField,
        subsystemDevice: AliasField, baseClass: AliasField, subclass: AliasField, interface: AliasField
    ) {
        self.bus = bus
        self.vendor = vendor
        self.device = device
        self.subsystemVendor = subsystemVendor
        self.subsystemDevice = subsystemDevice
        self.baseClass = baseClass
        self.subclass = subclass
        self.interface = interface
    }

    private static let layout: [(label: [UInt8], width: Int)] = [
        (Array("v".utf8), 8), (Array("d".utf8), 8), (Array("sv".utf8), 8), (Array("sd".utf8), 8),
        (Array("bc".utf8), 2), (Array("sc".utf8), 2), (Array("i".utf8), 2)
    ]

    /// Parses a normalised pattern; nil when it is not a PCI alias of the usual shape.
    package init?(parsing bytes: [UInt8]) {
        let bus: Bus
        var i: Int
        if bytes.starts(with: "pci:".utf8) {
            bus = .pci
            i = 4
        } else if bytes.starts(with: "vfio_pci:".utf8) {
            bus = .vfioPCI
            i = 9
        } else {
            return nil
        }
        var fields: [AliasField] = []
        fields.reserveCapacity(7)
        for (index, (label, width)) in Self.layout.enumerated() {
            guard i + label.count <= bytes.count, bytes[i..<(i + label.count)].elementsEqual(label) else { return nil }
            i += label.count
            let start = i
            // A field runs to the next label: lowercase letters never occur in a field outside brackets
            // (file2alias prints upper-case hex).
            while i < bytes.count {
                let b = bytes[i]
                if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) { break }
                if b == UInt8(ascii: "\\") {
                    i = min(i + 2, bytes.count)
                } else if b == UInt8(ascii: "[") {
                    guard let end = bracketEnd(bytes, from: i) else { return nil }
                    i = end + 1
                } else {
                    i += 1
                }
            }
            let isLast = index == Self.layout.count - 1
            if isLast && i != bytes.count { return nil }
            fields.append(AliasField(bytes[start..<i], width: width, last: isLast))
        }
        self.init(
            bus: bus, vendor: fields[0], device: fields[1], subsystemVendor: fields[2],
            subsystemDevice: fields[3], baseClass: fields[4], subclass: fields[5], interface: fields[6])
    }
}

extension AliasField {
    package init(_ text: ArraySlice<UInt8>, width: Int, last: Bool) {
        let star = UInt8(ascii: "*")
        if !text.isEmpty && text.allSatisfy({ $0 == star }) {
            self = .any
            return
        }
        var digits = text
        if last {
            // The trailing `*` file2alias appends after a pinned last field matches only the empty string.
            while digits.count > width, digits.last == star { digits = digits.dropLast() }
        }
        if digits.count == width, digits.allSatisfy(isUpperHexDigit) {
            self = .exact(
                digits.reduce(0) {
                    $0 << 4 | UInt32($1 <= UInt8(ascii: "9") ? $1 - UInt8(ascii: "0") : $1 - UInt8(ascii: "A") + 10)
                })
        } else {
            self = .partial(String(decoding: text, as: UTF8.self))
        }
    }
}

/// How specifically a PCI alias pins a device, field by field in the order the PCI core itself matches
/// (`pci_match_one_device`): device, subsystem device, subsystem vendor, vendor, base class, subclass,
/// interface. Compared lexicographically in that order, with exact > partial > any: a pattern that pins
/// the device outranks any pattern that does not, whatever else either pins.
public struct AliasSpecificity: Comparable, Hashable, Sendable, CustomStringConvertible {
    public enum Level: Int, Comparable, Hashable, Sendable {
        case any = 0, partial = 1, exact = 2
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    public var device: Level
    public var subsystemDevice: Level
    public var subsystemVendor: Level
    public var vendor: Level
    public var baseClass: Level
    public var subclass: Level
    public var interface: Level

    public init(
        device: Level, subsystemDevice: Level, subsystemVendor: Level, vendor: Level,
        baseClass: Level, subclass: Level, interface: Level
    ) {
        self.device = device
        self.subsystemDevice = subsystemDevice
        self.subsystemVendor = subsystemVendor
        self.vendor = vendor
        self.baseClass = baseClass
        self.subclass = subclass
        self.interface = interface
    }

    public static let leastSpecific = AliasSpecificity(
        device: .any, subsystemDevice: .any, subsystemVendor: .any,
        vendor: .any, baseClass: .any, subclass: .any, interface: .any)

    /// The levels in comparison order.
    public var levels: [Level] { [device, subsystemDevice, subsystemVendor, vendor, baseClass, subclass, interface] }

    public static func < (a: Self, b: Self) -> Bool {
        a.levels.lexicographicallyPrecedes(b.levels)
    }

    /// The same ranking in the layout rules use (`Specificity`: device, subsystem device, subsystem
    /// vendor, vendor, class, interface, revision, address; 2 exact, 1 partial, 0 any). Class is exact
    /// when base class and subclass both are, any when both are, partial otherwise; aliases never pin the
    /// revision or the address.
    public var ranking: Specificity {
        let classLevel: Level =
            baseClass == .exact && subclass == .exact
            ? .exact
            : baseClass == .any && subclass == .any ? .any : .partial
        return Specificity(
            fields: [device, subsystemDevice, subsystemVendor, vendor, classLevel, interface, .any, .any]
                .map(\.rawValue))
    }

    /// One digit per field in comparison order (`2222000`).
    public var description: String { levels.map { String($0.rawValue) }.joined() }
}

// MARK: - Helpers shared with the index

@inlinable package func isWildcardStart(_ b: UInt8) -> Bool {
    b == UInt8(ascii: "*") || b == UInt8(ascii: "?") || b == UInt8(ascii: "[")
}

@inline(__always) func isUpperHexDigit(_ b: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(b)
}

@inline(__always) func memoryEqual(_ a: UnsafePointer<UInt8>?, _ b: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
    guard count > 0 else { return true }
    guard let a, let b else { return false }
    for i in 0..<count where a[i] != b[i] { return false }
    return true
}

/// libkmod's `alias_normalize` (also what depmod applies before indexing a pattern): `-` becomes `_`,
/// except inside `[...]`, which is copied as is; an unmatched `]` or `[` fails.
package func normalizeAlias(_ bytes: [UInt8]) -> [UInt8]? {
    var out = bytes
    var i = 0
    while i < out.count {
        switch out[i] {
        case UInt8(ascii: "-"):
            out[i] = UInt8(ascii: "_")
        case UInt8(ascii: "]"):
            return nil
        case UInt8(ascii: "["):
            while i < out.count && out[i] != UInt8(ascii: "]") { i += 1 }
            if i == out.count { return nil }
        default:
            break
        }
        i += 1
    }
    return out
}

/// The index of the `]` closing the bracket expression that opens at `start`, by fnmatch's reading
/// (`!`/`^` then a leading `]` are part of the set); nil when unterminated.
private func bracketEnd(_ bytes: [UInt8], from start: Int) -> Int? {
    var i = start + 1
    if i < bytes.count && (bytes[i] == UInt8(ascii: "!") || bytes[i] == UInt8(ascii: "^")) { i += 1 }
    if i < bytes.count && bytes[i] == UInt8(ascii: "]") { i += 1 }
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "]") { return i }
        if bytes[i] == UInt8(ascii: "\\") { i += 1 }
        i += 1
    }
    return nil
}
