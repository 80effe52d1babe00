/// The block devices that stand on a device's disks: the disks, their partitions, and every dm/md/LVM
/// device holding any of those, recursively (`nvme0n1` → `nvme0n1p3` → `dm-0` → `dm-1`).
struct BlockStack {
    struct Member: Equatable {
        package var name: String
        /// The device's own disks or partitions this one stands on, through any number of layers
        /// (`[sda1, sdb]` for a RAID1 over both); empty for the device's own disks and partitions.
        var bases: [String]
    }

    /// The device's own disks and partitions first, then what is stacked on them, each sorted by name.
    package let members: [Member]

    /// A device without disks.
    package static let none = BlockStack(members: [])

    private init(members: [Member]) {
        self.members = members
    }

    package init(disks: [String], in host: HostState) {
        // Most devices a command moves have no disks: nothing to walk (bulk binds check every VF).
        guard !disks.isEmpty else {
            members = []
            return
        }
        var own: Set<String> = []
        var queue = disks
        while let disk = queue.popLast() {
            // A partition is the disk itself as far as the user is concerned: no "on nvme0n1".
            if own.insert(disk).inserted { queue += host.blockDevices[disk]?.partitions ?? [] }
        }
        // Walk up the holders, remembering which devices each holder sits directly on.
        var lowers: [String: Set<String>] = [:]
        var visited = own
        queue = Array(own)
        while let lower = queue.popLast() {
            for holder in host.blockDevices[lower]?.holders ?? [] where !own.contains(holder) {
                lowers[holder, default: []].insert(lower)
                if visited.insert(holder).inserted { queue.append(holder) }
            }
        }
        // Push each own device up through the holders until nothing changes; a fixed point rather
        // than a recursive walk, so a cycle (only a corrupt or racing sysfs could show one) ends too.
        var bases: [String: Set<String>] = [:]
        var changed = true
        while changed {
            changed = false
            for (holder, below) in lowers {
                let reached = below.reduce(into: Set<String>()) { reached, lower in
                    reached.formUnion(own.contains(lower) ? [lower] : bases[lower] ?? [])
                }
                if !reached.isSubset(of: bases[holder] ?? []) {
                    bases[holder, default: []].formUnion(reached)
                    changed = true
                }
            }
        }
        members =
            own.sorted().map { Member(name: $0, bases: []) }
            + lowers.keys.sorted().map { Member(name: $0, bases: (bases[$0] ?? []).sorted()) }
    }

    /// The devices that belong to the PCI device itself (disks and partitions), not stacked on it.
    package var own: [Member] { members.filter(\.bases.isEmpty) }

    /// `nvme0n1p2`, or `dm-1 (vg0-root) on nvme0n1p3` for a stacked device.
    static func label(_ member: Member, in host: HostState) -> String {
        let name = name(of: member.name, in: host)
        return member.bases.isEmpty ? name : name + " on " + member.bases.joined(separator: ", ")
    }

    package static func name(of block: String, in host: HostState) -> String {
        host.blockDevices[block]?.dmName.map { "\(block) (\($0))" } ?? block
    }
}
