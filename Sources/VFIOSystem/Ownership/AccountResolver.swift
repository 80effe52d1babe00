#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// Users and groups by name or id, through the C library (getpwnam_r(3), getgrnam_r(3)), so NSS
/// sources (LDAP, sssd, systemd-userdb) answer as they do for chown(1).
public enum AccountResolver {
    /// `--owner`/`--mode` as ids. An unknown name is a usage error (exit 2) naming it; a numeric id
    /// is taken as it is, known or not, as chown takes it (`USER:` needs a known user: its login
    /// group comes from its passwd entry).
    public static func resolve(_ spec: OwnerSpec, mode: NodeMode?) throws(VFIOError) -> NodeOwnership {
        var ownership = NodeOwnership(uid: nil, gid: nil, mode: mode)
        var loginGroup: UInt32?
        if let user = spec.user {
            guard let entry = Self.user(user) else {
                if case .id(let uid) = user {
                    ownership.uid = uid
                    ownership.userName = String(uid)
                } else {
                    throw VFIOError.usage(
                        "unknown user \(UserText.quoted(user.description)) (owner \(UserText.quoted(spec.description)))"
                    )
                }
                return try finish(spec, ownership, loginGroup: nil)
            }
            ownership.uid = entry.id
            ownership.userName = entry.name
            loginGroup = entry.group
        }
        return try finish(spec, ownership, loginGroup: loginGroup)
    }

    private static func finish(
        _ spec: OwnerSpec, _ partial: NodeOwnership, loginGroup: UInt32?
    ) throws(VFIOError)
        -> NodeOwnership
    {
        var ownership = partial
        switch spec.group {
        case .unchanged: break
        case .loginGroup:
            guard let loginGroup else {
                throw VFIOError.usage(
                    "owner \(UserText.quoted(spec.description)): user \(spec.user?.description ?? "") has no passwd entry to take a login group from; name the group"
                )
            }
            ownership.gid = loginGroup
            ownership.groupName = groupName(loginGroup) ?? String(loginGroup)
        case .account(let account):
            if let entry = group(account) {
                ownership.gid = entry.id
                ownership.groupName = entry.name
            } else if case .id(let gid) = account {
                ownership.gid = gid
                ownership.groupName = String(gid)
            } else {
                throw VFIOError.usage(
                    "unknown group \(UserText.quoted(account.description)) (owner \(UserText.quoted(spec.description)))"
                )
            }
        }
        return ownership
    }

    struct Entry {
        var id: UInt32
        var name: String
        /// A user's login group.
        var group: UInt32?
    }

    /// `getent passwd USER`: by name, else (a number) by id.
    static func user(_ account: OwnerSpec.Account) -> Entry? {
        withBuffer(sysconf(Int32(_SC_GETPW_R_SIZE_MAX))) { buffer, size in
            var entry = passwd()
            var found: UnsafeMutablePointer<passwd>?
            let status =
                switch account {
                case .name(let name): getpwnam_r(name, &entry, buffer, size, &found)
                case .id(let id): getpwuid_r(id, &entry, buffer, size, &found)
                }
            guard status != ERANGE else { return .tooSmall }
            guard status == 0, let found else { return .done(nil) }
            return .done(
                Entry(
                    id: found.pointee.pw_uid, name: String(cString: found.pointee.pw_name), group: found.pointee.pw_gid)
            )
        }
    }

    /// `getent group GROUP`: by name, else (a number) by id.
    static func group(_ account: OwnerSpec.Account) -> Entry? {
        withBuffer(sysconf(Int32(_SC_GETGR_R_SIZE_MAX))) { buffer, size in
            var entry = Glibc.group()
            var found: UnsafeMutablePointer<Glibc.group>?
            let status =
                switch account {
                case .name(let name): getgrnam_r(name, &entry, buffer, size, &found)
                case .id(let id): getgrgid_r(id, &entry, buffer, size, &found)
                }
            guard status != ERANGE else { return .tooSmall }
            guard status == 0, let found else { return .done(nil) }
            return .done(Entry(id: found.pointee.gr_gid, name: String(cString: found.pointee.gr_name)))
        }
    }

    /// The name of user `uid`, if it has one.
    public static func userName(_ uid: UInt32) -> String? { user(.id(uid))?.name }

    /// The name of group `gid`, if it has one.
    public static func groupName(_ gid: UInt32) -> String? { group(.id(gid))?.name }

    enum Lookup { case done(Entry?), tooSmall }

    /// Calls `body` with a buffer, doubling it while the C library says it is too small (a group
    /// with many members needs more than _SC_GETGR_R_SIZE_MAX suggests), up to 1 MiB.
    private static func withBuffer(_ suggested: Int, _ body: (UnsafeMutablePointer<CChar>, Int) -> Lookup) -> Entry? {
        var size = suggested > 0 ? suggested : 16_384
        while size <= 1 << 20 {
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            if case .done(let entry) = body(buffer, size) { return entry }
            size *= 2
        }
        return nil
    }
}
