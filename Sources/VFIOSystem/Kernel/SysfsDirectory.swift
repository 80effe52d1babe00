import VFIOCore

/// One directory opened for several reads inside it. Enumeration reads a dozen attributes of each
/// device: the live implementation reads them relative to one directory descriptor instead of
/// resolving the whole path for every attribute. The directory is listed only when asked: listing a
/// sysfs directory costs more than probing the few names a reader needs.
public protocol SysfsDirectory {
    /// The directory's entries, read now.
    func entries() throws(SysfsError) -> [SysfsEntry]
    /// An attribute in this directory, trailing newline removed.
    func read(_ name: String) throws(SysfsError) -> String
    /// The raw target of a link in this directory.
    func readLink(_ name: String) throws(SysfsError) -> String
    /// `body` run on the raw target's bytes, with no String made for the whole target (every
    /// device read asks for three or four links and keeps only their last components). Not
    /// generic: a generic requirement called through `any SysfsDirectory` runs unspecialised.
    func withLinkTarget(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> String?) throws(SysfsError) -> String?
}

extension SysfsDirectory {
    public func withLinkTarget(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> String?) throws(SysfsError) -> String? {
        var target = try readLink(name)
        return target.withUTF8(body)
    }
}

extension SysfsAccess {
    /// Path-based fallback for implementations without directory descriptors (the simulator).
    public func openDirectory(_ path: String) throws(SysfsError) -> any SysfsDirectory {
        // Opening a missing directory fails here, as open(2) would.
        _ = try list(path)
        return PathDirectory(sysfs: self, path: path)
    }
}

struct PathDirectory: SysfsDirectory {
    let sysfs: any SysfsAccess
    let path: String
    func entries() throws(SysfsError) -> [SysfsEntry] { try sysfs.list(path) }
    func read(_ name: String) throws(SysfsError) -> String { try sysfs.read(path + "/" + name) }
    func readLink(_ name: String) throws(SysfsError) -> String { try sysfs.readLink(path + "/" + name) }
}
