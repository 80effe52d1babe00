#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

extension HostState {
    /// Reads the live system (or fake roots, for tests) once: no child processes, nothing written.
    ///
    /// Addresses come from getifaddrs(3) only when `procRoot` is `/proc`; with any other root they are
    /// read from `PROCROOT/net/vfioctl-addresses` (`IFNAME ADDRESS/PREFIX` per line; absent means no
    /// addresses), since a fake /proc cannot fake a netlink socket. Sources that cannot be read are
    /// listed in `unreadable` instead of failing the run.
    public static func capture(
        sysfsRoot: String = "/sys", procRoot: String = "/proc", devRoot: String = "/dev"
    )
        -> HostState
    {
        capture(sysfs: LiveSysfs(root: sysfsRoot), procRoot: procRoot, devRoot: devRoot)
    }

    /// As `capture(sysfsRoot:procRoot:devRoot:)`, with sysfs read through any `SysfsAccess`.
    public static func capture(
        sysfs: any SysfsAccess, procRoot: String = "/proc", devRoot: String = "/dev"
    )
        -> HostState
    {
        let proc = trimmedRoot(procRoot)
        let live = proc == "/proc"
        var state = HostState()
        var procFiles = ProcFileReader(root: proc)

        state.mounts = procFiles.read("self/mountinfo").map(ProcParsers.mounts) ?? []
        state.swaps = procFiles.read("swaps").map(ProcParsers.swaps) ?? []
        state.routedInterfaces = routedInterfaces(&procFiles)
        state.addresses = addresses(live: live, &procFiles)
        let commandLine = procFiles.read("cmdline", missingIsNormal: true) ?? ""
        let fbconMap = ProcParsers.fbconMap(commandLine: commandLine)

        let classes = SysfsClassReader(sysfs: sysfs)
        state.upperInterfaces = classes.upperInterfaces()
        state.blockDevices = classes.blockDevices()
        state.consoleFramebuffers = classes.consoleFramebuffers(fbconMap: fbconMap)
        state.deviceNodes = classes.deviceNodes()
        for (address, node) in nvidiaNodes(proc: proc, &procFiles) {
            state.deviceNodes[address, default: []].append(node)
        }

        let scan = OpenNodeScanner(
            procRoot: proc, devRoot: trimmedRoot(devRoot),
            excludedPID: live ? getpid() : nil,
            blockDevices: Set(state.blockDevices.keys)
        )
        .scan()
        state.openNodes = scan.holders
        state.uncheckedProcesses = scan.unchecked
        state.unreadable = procFiles.failures + classes.unreadableClasses() + [scan.failure].compactMap { $0 }
        return state
    }

    private static func routedInterfaces(_ procFiles: inout ProcFileReader) -> Set<String> {
        let ipv4 = procFiles.read("net/route").map(ProcParsers.ipv4RoutedInterfaces) ?? []
        // Missing when IPv6 is disabled: nothing to report then.
        let ipv6 = procFiles.read("net/ipv6_route", missingIsNormal: true).map(ProcParsers.ipv6RoutedInterfaces) ?? []
        return ipv4.union(ipv6)
    }

    private static func addresses(live: Bool, _ procFiles: inout ProcFileReader) -> [String: [String]] {
        guard live else {
            return procFiles.read("net/vfioctl-addresses", missingIsNormal: true).map(ProcParsers.addresses) ?? [:]
        }
        switch InterfaceAddresses.live() {
        case .success(let addresses):
            return addresses
        case .failure(let error):
            procFiles.failures.append(error.description)
            return [:]
        }
    }

    /// `/dev/nvidiaN` of each GPU NVIDIA's proprietary driver serves, by the PCI function that
    /// names its directory in `/proc/driver/nvidia/gpus` (absent without that driver: normal).
    private static func nvidiaNodes(proc: String, _ procFiles: inout ProcFileReader) -> [(PCIAddress, String)] {
        let directory = "driver/nvidia/gpus"
        let gpus: [SysfsEntry]
        do {
            gpus = try LiveSysfs(root: proc).list(directory)
        } catch {
            if !error.isMissing { procFiles.failures.append(error.description) }
            return []
        }
        return gpus.sorted { $0.name < $1.name }.compactMap { gpu in
            guard let address = PCIAddress(gpu.name),
                let minor = procFiles.read("\(directory)/\(gpu.name)/information").flatMap(
                    ProcParsers.nvidiaDeviceMinor)
            else { return nil }
            return (address, "nvidia\(minor)")
        }
    }

    private static func trimmedRoot(_ root: String) -> String {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        return root
    }
}

/// Whole-file reads under a /proc root that remember what failed, for `HostState.unreadable`.
private struct ProcFileReader {
    let root: String
    var failures: [String] = []

    mutating func read(_ path: String, missingIsNormal: Bool = false) -> String? {
        do {
            return try TextFile.read(root + "/" + path)
        } catch {
            if !(missingIsNormal && error.isMissing) { failures.append(error.description) }
            return nil
        }
    }
}
