import VFIOCore
import VFIOSystem

extension SourceOptions {
    /// What the safety checks look at, read once through the context: the live system's mounts, swaps,
    /// addresses and open nodes, or for a sysfs tree only what a test supplies (`VFIOCTL_PROC_ROOT`).
    /// A source that could not be read is a warning: a check that could not look must not pass quietly.
    /// `openNodesChecked` false: the caller ignores open-fd findings, so not being able to look is no warning.
    func hostState(_ context: CommandContext, openNodesChecked: Bool = true) -> HostState {
        let host = context.hostState(source(context), EnvironmentVariable.procRoot.value(in: context))
        for source in host.unreadable { context.terminal.warning("safety checks could not read \(source)") }
        if openNodesChecked && host.uncheckedProcesses > 0 {
            context.terminal.warning(
                "the open-fd check could not inspect \(host.uncheckedProcesses) process(es) (permission)")
        }
        return host
    }
}
