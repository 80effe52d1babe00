import VFIOCore

/// The udev events a bind must see processed before vfioctl returns: for each device, its `bind`
/// (subsystem pci; the kernel sends it since 4.14), and the `add` of each VFIO node the operation
/// created. udev broadcasts an event only after its rules ran (owners, modes, symlinks, RUN), so a
/// script can open the node when vfioctl exits. Pure: the monitor feeds it events.
struct UdevExpectation: Equatable {
    struct Event: Equatable {
        var action: String
        var subsystem: String
        var sysname: String
        var devnode: String?
    }

    private(set) var binds: Set<String> = []
    private(set) var nodes: Set<String> = []

    var isSatisfied: Bool { binds.isEmpty && nodes.isEmpty }

    mutating func expectBind(of address: PCIAddress) { binds.insert(address.description) }
    mutating func expectNode(_ path: String) { nodes.insert(path) }

    /// Crosses off what `event` shows done.
    mutating func saw(_ event: Event) {
        if event.action == "bind", event.subsystem == "pci" { binds.remove(event.sysname) }
        if event.action == "add", let node = event.devnode { nodes.remove(node) }
    }

    /// What is still missing, for the warning after a timeout.
    var pending: [String] {
        binds.sorted().map { "bind of \($0)" } + nodes.sorted().map { "add of \($0)" }
    }

    /// KOBJ_BIND exists since Linux 4.14: on older kernels only the nodes can be waited for.
    static func kernelSendsBindEvents(release: String) -> Bool {
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return true }
        return (parts[0], parts[1]) >= (4, 14)
    }
}
