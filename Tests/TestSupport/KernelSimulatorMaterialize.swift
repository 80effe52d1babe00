#if canImport(Glibc)
import Glibc
#endif
import VFIOCore
import VFIOSystem

extension KernelSimulator {
    /// Writes a snapshot of the current sysfs tree under `root` (which must exist): directories, every
    /// attribute with its contents and a trailing newline (mode 0444 read-only, 0200 write-only, 0644
    /// read-write), every link with its exact relative target. Lets `--sysfs-root`, `lspci -A linux-sysfs`
    /// or `LiveSysfs` read the simulated machine; writes to the snapshot do nothing to the simulation.
    public func materialize(to root: String) throws(SysfsError) {
        let tree = lock.withLock { core.tree() }
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        try materialize(tree, directory: "", root: root)
    }

    private func materialize(_ tree: SimulatorTree, directory: String, root: String) throws(SysfsError) {
        for entry in tree.entries(of: directory) {
            let path = directory.isEmpty ? entry.name : directory + "/" + entry.name
            let absolute = root + "/" + path
            switch tree.nodes[path] {
            case .directory:
                guard mkdir(absolute, 0o755) == 0 || errno == EEXIST else {
                    throw SysfsError(.write, absolute, errno: errno)
                }
                try materialize(tree, directory: path, root: root)
            case .file(let content, let handler):
                let mode: mode_t = content == nil ? 0o200 : handler == nil ? 0o444 : 0o644
                let fd = open(absolute, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
                guard fd >= 0 else { throw SysfsError(.write, absolute, errno: errno) }
                defer { close(fd) }
                let bytes = content.map { Array(($0 + "\n").utf8) } ?? []
                let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                guard written == bytes.count else { throw SysfsError(.write, absolute, errno: errno) }
                fchmod(fd, mode)
            case .link(let target):
                guard symlink(target, absolute) == 0 else { throw SysfsError(.write, absolute, errno: errno) }
            case nil:
                continue
            }
        }
    }
}
