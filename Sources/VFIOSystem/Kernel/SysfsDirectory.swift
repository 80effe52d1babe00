import VFIOCore

/// One directory opened for several reads inside it. Enumeration reads a dozen attributes of each
/// device: the live implementation reads them relative to one directory descriptor instead of
/// resolving the whole path for every attribute. The directory is listed only when asked.
public protocol SysfsDirectory {
    /// The directory's entries, read now.
    func entries() throws(SysfsError) -> [SysfsEntry]
    /// An attribute in this directory, trailing newline removed.
    func read(_ name: String) throws(SysfsError) -> String
    /// The raw target of a link in this directory.
    func readLink(_ name: String) throws(SysfsError) -> String
}

extension SysfsAccess {
    /// Path-based directories, for implementations without directory descriptors (the simulator).
    public func openDirectory(_ path: String) throws(SysfsError) -> any SysfsDirectory {
        // Opening a missing directory fails here, as open(2) would.
        _ = try list(path)
        return PathDirectory(sysfs: self, path: path)
    }
}

/// A directory read by joining its path and each entry's name.
struct PathDirectory: SysfsDirectory {
    let sysfs: any SysfsAccess
    let path: String
    func entries() throws(SysfsError) -> [SysfsEntry] { try sysfs.list(path) }
    func read(_ name: String) throws(SysfsError) -> String { try sysfs.read(path + "/" + name) }
    func readLink(_ name: String) throws(SysfsError) -> String { try sysfs.readLink(path + "/" + name) }
}
