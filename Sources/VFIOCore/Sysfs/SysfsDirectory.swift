/// One directory opened for several reads inside it. Enumeration reads a dozen attributes of each
/// device: the live implementation reads them relative to one directory descriptor instead of
/// resolving the whole path for every attribute.
public protocol SysfsDirectory {
    /// The directory's entries, read when it was opened.
    var entries: [SysfsEntry] { get }
    /// An attribute in this directory, trailing newline removed.
    func read(_ name: String) throws(SysfsError) -> String
    /// The raw target of a link in this directory.
    func readLink(_ name: String) throws(SysfsError) -> String
}

extension SysfsAccess {
    /// Path-based fallback for implementations without directory descriptors (the simulator).
    public func openDirectory(_ path: String) throws(SysfsError) -> any SysfsDirectory {
        PathDirectory(sysfs: self, path: path, entries: try list(path))
    }
}

struct PathDirectory: SysfsDirectory {
    let sysfs: any SysfsAccess
    let path: String
    let entries: [SysfsEntry]
    func read(_ name: String) throws(SysfsError) -> String { try sysfs.read(path + "/" + name) }
    func readLink(_ name: String) throws(SysfsError) -> String { try sysfs.readLink(path + "/" + name) }
}
