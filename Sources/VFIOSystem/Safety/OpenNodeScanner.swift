#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// One pass over `/proc/[0-9]*/fd`: which processes hold which device nodes open.
///
/// Only links that point into /dev and name a node a PCI device can own are kept (VFIO, DRM,
/// framebuffers, NVMe, NVIDIA GPUs, block devices), so `/dev/null` and terminals on every process cost nothing
/// beyond the readlink, and `comm` is read only for processes that matter.
struct OpenNodeScanner {
    struct Result {
        var holders: [String: [HostState.NodeHolder]] = [:]
        var unchecked = 0
        /// Set when /proc itself could not be listed: then nothing was checked at all.
        var failure: String?
    }

    let procRoot: String
    let devRoot: String
    /// vfioctl's own pid on the live system: its own fds are not someone else's use.
    let excludedPID: Int32?
    let blockDevices: Set<String>

    func scan() -> Result {
        let proc = LiveSysfs(root: procRoot)
        var result = Result()
        var nodesByPID: [Int32: Set<String>] = [:]
        let processes: [SysfsEntry]
        do {
            processes = try proc.list("")
        } catch {
            result.failure = error.description
            return result
        }
        for entry in processes {
            guard let pid = Int32(entry.name), pid > 0, pid != excludedPID else { continue }
            let descriptors: [SysfsEntry]
            do {
                descriptors = try proc.list("\(pid)/fd")
            } catch {
                // The process exited between the two listings: a normal race.
                if !error.isMissing && error.errno != ESRCH { result.unchecked += 1 }
                continue
            }
            var denied = false
            for descriptor in descriptors {
                do {
                    let target = try proc.readLink("\(pid)/fd/\(descriptor.name)")
                    if let node = relevantNode(target) { nodesByPID[pid, default: []].insert(node) }
                } catch {
                    if !error.isMissing && error.errno != ESRCH { denied = true }
                }
            }
            if denied { result.unchecked += 1 }
        }
        for (pid, nodes) in nodesByPID {
            // A process that exits now still held the node a moment ago: keep it, name unknown.
            let comm = try? TextFile.read("\(procRoot)/\(pid)/comm")
            var command = comm.map { String($0.split(separator: "\n").first ?? "") } ?? "?"
            // comm holds 15 bytes: `nvidia-persiste` is named in full, as its fix must name it.
            command = ProcParsers.fullCommand(
                comm: command, cmdline: try? TextFile.read("\(procRoot)/\(pid)/cmdline"))
            for node in nodes {
                result.holders[node, default: []].append(HostState.NodeHolder(pid: pid, command: command))
            }
        }
        result.holders = result.holders.mapValues { $0.sorted { $0.pid < $1.pid } }
        return result
    }

    /// `/dev/vfio/12` → `vfio/12`; nil for nodes no PCI device owns.
    func relevantNode(_ target: String) -> String? {
        guard target.hasPrefix(devRoot + "/") else { return nil }
        let node = String(target.dropFirst(devRoot.count + 1))
        if node.hasPrefix("vfio/") && node != "vfio/vfio" { return node }
        if node.hasPrefix("dri/") || blockDevices.contains(node) { return node }
        // fb0, nvme0 (controller), nvme0n1 (namespace), nvidia0 (not nvidiactl, shared by all GPUs):
        // a number right after the prefix.
        for prefix in ["fb", "nvme", "nvidia"] where node.hasPrefix(prefix) {
            if node.dropFirst(prefix.count).first?.isNumber == true { return node }
        }
        return nil
    }
}
