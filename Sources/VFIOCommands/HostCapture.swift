import VFIOCore
import VFIOSystem

extension SourceOptions {
    /// What the safety checks look at, read once: the live system's mounts, swaps, addresses and
    /// open nodes, or for a sysfs tree only what a test supplies (`VFIOCTL_PROC_ROOT`). A source that
    /// could not be read is a warning: a check that could not look must not pass quietly.
    /// `openNodesChecked` false: the caller ignores open-fd findings, so not being able to look is no warning.
    func hostState(openNodesChecked: Bool = true) -> HostState {
        let host: HostState
        switch source {
        case .live:
            host = HostState.capture()
        case .sysfsTree(let treeRoot):
            // A fake tree has no processes, mounts or addresses of its own: only what a test supplies.
            host = EnvironmentVariable.procRoot.value.map { HostState.capture(sysfsRoot: treeRoot, procRoot: $0, devRoot: treeRoot + "/dev") } ?? HostState()
        }
        for source in host.unreadable { Terminal.warning("safety checks could not read \(source)") }
        if openNodesChecked && host.uncheckedProcesses > 0 {
            Terminal.warning("the open-fd check could not inspect \(host.uncheckedProcesses) process(es) (permission)")
        }
        return host
    }
}
