/// Who may open a device's VFIO nodes (`bind --owner USER[:GROUP] --mode MODE`, state keys `owner`
/// and `mode`), as written: names are resolved on the host (VFIOSystem's `AccountResolver`).
///
/// The owner is read the way chown(1) reads it: `USER` changes the owner only, `USER:GROUP` both,
/// `USER:` the owner and the user's login group, `:GROUP` the group only. Ids may be numbers.
public struct OwnerSpec: Sendable, Equatable, CustomStringConvertible {
    /// A user or group: a name, or a numeric id.
    public enum Account: Sendable, Equatable, CustomStringConvertible {
        case name(String)
        case id(UInt32)

        public var description: String {
            switch self {
            case .name(let name): name
            case .id(let id): String(id)
            }
        }
    }

    public enum Group: Sendable, Equatable {
        /// `USER`: the node keeps its group.
        case unchanged
        /// `USER:`: the user's login group.
        case loginGroup
        case account(Account)
    }

    public var user: Account?
    public var group: Group

    public init(user: Account?, group: Group) {
        self.user = user
        self.group = group
    }

    /// `USER`, `USER:`, `USER:GROUP` or `:GROUP`; names are checked (see `Account.parse`).
    public init(parsing text: String) throws(OwnershipSyntaxError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let userText = parts[0], groupText = parts.count == 2 ? parts[1] : nil
        guard !userText.isEmpty || groupText?.isEmpty == false else {
            throw OwnershipSyntaxError(
                "invalid owner \(UserText.quoted(text)): expected USER, USER:GROUP, USER: or :GROUP")
        }
        user = userText.isEmpty ? nil : try Self.account(userText, kind: "user", in: text)
        switch groupText {
        case nil: group = .unchanged
        case let name? where name.isEmpty: group = .loginGroup
        case let name?: group = .account(try Self.account(name, kind: "group", in: text))
        }
    }

    /// The longest user or group name accepted: useradd's default limit (and utmp's).
    public static let maximumNameLength = 32

    /// A number (an id, as chown accepts), or a name of the portable form useradd(8) and systemd
    /// accept by default: a letter or `_` first, then letters, digits, `_`, `.`, `-`, an optional
    /// final `$` (Samba machine accounts). Nothing that needs quoting in a udev rule gets through.
    private static func account(
        _ text: Substring, kind: String, in whole: String
    ) throws(OwnershipSyntaxError)
        -> Account
    {
        if text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // 4294967295 is (uid_t)-1, which chown(2) reads as "leave unchanged".
            guard text.count <= 10, let id = UInt32(text), id != UInt32.max else {
                throw OwnershipSyntaxError(
                    "invalid \(kind) id \(UserText.quoted(String(text))) in owner \(UserText.quoted(whole))")
            }
            return .id(id)
        }
        let bytes = Array(text.utf8)
        let isLetter = { (b: UInt8) in (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
        let isDigit = { (b: UInt8) in b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        let body = bytes.last == UInt8(ascii: "$") ? bytes.dropLast() : bytes[...]
        guard bytes.count <= maximumNameLength, let first = body.first, isLetter(first) || first == UInt8(ascii: "_"),
            body.allSatisfy({ isLetter($0) || isDigit($0) || "_.-".utf8.contains($0) })
        else {
            throw OwnershipSyntaxError(
                "invalid \(kind) name \(UserText.quoted(String(text))) in owner \(UserText.quoted(whole)): expected a letter or _ first, then letters, digits, _ . - (at most \(maximumNameLength)), or a numeric id"
            )
        }
        return .name(String(text))
    }

    public var description: String {
        let groupText: String? =
            switch group {
            case .unchanged: nil
            case .loginGroup: ""
            case .account(let account): account.description
            }
        return (user?.description ?? "") + (groupText.map { ":" + $0 } ?? "")
    }
}

/// `--mode MODE`, state key `mode`: the permission bits of a device's VFIO nodes, in octal.
public struct NodeMode: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let bits: UInt16

    /// 3 or 4 octal digits (`660`, `0660`). Refused: setuid, setgid and sticky (meaningless on a
    /// device node, and a sign of a typo), and any access for others: whoever opens a VFIO node can
    /// make the device DMA into the memory it is given, so it is for a named user or group only.
    public init(parsing text: String) throws(OwnershipSyntaxError) {
        let digits = text.utf8
        guard (3...4).contains(digits.count), digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }),
            let value = UInt16(text, radix: 8)
        else {
            throw OwnershipSyntaxError(
                "invalid mode \(UserText.quoted(text)): expected 3 or 4 octal digits, such as 0660")
        }
        guard value & 0o7000 == 0 else {
            throw OwnershipSyntaxError(
                "mode \(text) sets setuid, setgid or sticky bits, which mean nothing on a device node: use 3 digits such as 660"
            )
        }
        guard value & 0o007 == 0 else {
            throw OwnershipSyntaxError(
                "mode \(text) gives other users access to the device (it can DMA into whatever memory its user maps): grant a user or group instead, such as 0660"
            )
        }
        bits = value
    }

    public init(bits: UInt16) { self.bits = bits & 0o777 }

    /// `0660`.
    public var description: String {
        let octal = String(bits, radix: 8)
        return String(repeating: "0", count: max(0, 4 - octal.count)) + octal
    }
}

/// An `--owner`/`--mode` value that is not well formed; the message names it.
public struct OwnershipSyntaxError: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// Ownership resolved to ids on the host, ready for chown/chmod (`nil`: leave as it is).
public struct NodeOwnership: Sendable, Equatable, Hashable {
    public var uid: UInt32?
    public var gid: UInt32?
    public var mode: NodeMode?
    /// The user and group as the user named them (or as resolved), for reports and udev rules.
    public var userName: String?
    public var groupName: String?

    public init(uid: UInt32?, gid: UInt32?, mode: NodeMode?, userName: String? = nil, groupName: String? = nil) {
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.userName = userName
        self.groupName = groupName
    }

    /// `alice:kvm 0660`, as reports print it.
    public var description: String {
        let owner =
            (userName ?? uid.map(String.init) ?? "") + ((groupName ?? gid.map(String.init)).map { ":" + $0 } ?? "")
        return [owner.isEmpty ? nil : owner, mode?.description].compactMap { $0 }.joined(separator: " ")
    }
}

/// What a node's owner, group and mode are (`ls -l`), and whether a bind changed them.
public struct NodeAttributes: Sendable, Equatable {
    public var path: String
    public var uid: UInt32
    public var gid: UInt32
    public var mode: NodeMode
    public var userName: String?
    public var groupName: String?
    /// For a bind with `--owner`: whether it changed them (false: they already were so).
    public var changed: Bool?

    public init(
        path: String, uid: UInt32, gid: UInt32, mode: NodeMode, userName: String? = nil, groupName: String? = nil,
        changed: Bool? = nil
    ) {
        self.path = path
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.userName = userName
        self.groupName = groupName
        self.changed = changed
    }

    /// `/dev/vfio/12 alice:kvm 0660`.
    public var description: String {
        "\(path) \(userName ?? String(uid)):\(groupName ?? String(gid)) \(mode)"
    }

    /// The nodes, each per-device node given to someone (`bind --owner`) followed by its owner, group
    /// and mode: `/dev/vfio/12[alice:kvm 0660] /dev/vfio/vfio`, as `status` and `show` print them. The
    /// kernel's own (root, 0600) is not repeated.
    public static func annotated(_ paths: [String], _ attributes: [NodeAttributes]) -> String {
        paths.map { path in
            guard let node = attributes.first(where: { $0.path == path }),
                node.uid != 0 || node.gid != 0 || node.mode != NodeMode(bits: 0o600)
            else { return path }
            return "\(path)[\(node.userName ?? String(node.uid)):\(node.groupName ?? String(node.gid)) \(node.mode)]"
        }.joined(separator: " ")
    }

    /// Whether `ownership` asks for nothing these attributes do not have already.
    public func satisfies(_ ownership: NodeOwnership) -> Bool {
        (ownership.uid.map { $0 == uid } ?? true) && (ownership.gid.map { $0 == gid } ?? true)
            && (ownership.mode.map { $0 == mode } ?? true)
    }
}
