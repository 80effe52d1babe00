import VFIOCore

/// The host-wide sysfs facts HostState needs, read through the sysfs boundary from `/sys/class`:
/// interface stacking, block-device stacking, the framebuffer console, and PCI-owned char devices.
struct SysfsClassReader {
    let sysfs: any SysfsAccess

    /// `eth0` → `[br0]` from the `upper_br0` links: bridges, bonds, VLANs and macvlans on top of it.
    func upperInterfaces() -> [String: [String]] {
        var result: [String: [String]] = [:]
        for interface in names(in: "class/net") {
            let links = names(in: "class/net/\(interface)").filter { $0.hasPrefix("upper_") }
            let uppers = links.map { String($0.dropFirst("upper_".count)) }
            if !uppers.isEmpty { result[interface] = uppers.sorted() }
        }
        return result
    }

    /// Every block device with its number, partitions (the child directories that are themselves block
    /// devices: `sda/sda1`), holders (`holders/dm-0`) and, for device-mapper, its name.
    func blockDevices() -> [String: HostState.BlockDevice] {
        let all = names(in: "class/block")
        let known = Set(all)
        var result: [String: HostState.BlockDevice] = [:]
        for name in all {
            let base = "class/block/\(name)"
            let children = ((try? sysfs.list(base)) ?? []).filter { $0.kind == .directory }.map(\.name)
            result[name] = HostState.BlockDevice(
                name: name,
                device: (try? sysfs.read(base + "/dev")).flatMap { DeviceNumber($0) },
                partitions: children.filter { $0 != name && known.contains($0) }.sorted(),
                holders: names(in: base + "/holders").sorted(),
                dmName: name.hasPrefix("dm-") ? try? sysfs.read(base + "/dm/name") : nil)
        }
        return result
    }

    /// The framebuffers fbcon draws on when a vtconsole named `(S) frame buffer device` is bound:
    /// those in fbcon's console map (`fbcon=map:`, default fb0) that exist in /sys/class/graphics.
    /// A remap done later with con2fbmap(1) is not visible in sysfs.
    func consoleFramebuffers(fbconMap: Set<Int>) -> [String: String] {
        let consoles = names(in: "class/vtconsole").sorted()
        guard
            let bound = consoles.first(where: { console in
                (try? sysfs.read("class/vtconsole/\(console)/bind")) == "1"
                    && (try? sysfs.read("class/vtconsole/\(console)/name"))?.contains("frame buffer") == true
            })
        else { return [:] }
        var result: [String: String] = [:]
        for fb in names(in: "class/graphics") where fb.hasPrefix("fb") {
            if let number = Int(fb.dropFirst(2)), fbconMap.contains(number) { result[fb] = bound }
        }
        return result
    }

    /// NVMe controllers (`/dev/nvme0`) and VFIO cdevs (`/dev/vfio/devices/vfio3`) by the PCI function
    /// their `device` link names; fabrics controllers have no PCI function and are skipped.
    func deviceNodes() -> [PCIAddress: [String]] {
        var result: [PCIAddress: [String]] = [:]
        for (deviceClass, nodeDirectory) in [("nvme", ""), ("vfio-dev", "vfio/devices/")] {
            for name in names(in: "class/\(deviceClass)") {
                guard let target = try? sysfs.readLink("class/\(deviceClass)/\(name)/device"),
                    let address = PCIAddress(SysfsPath.lastComponent(target))
                else { continue }
                result[address, default: []].append(nodeDirectory + name)
            }
        }
        return result.mapValues { $0.sorted() }
    }

    /// The class directories whose absence would make a check pass unseen (no block devices means
    /// nothing looks mounted); ENOENT included, since a sysfs without them is not a real one.
    func unreadableClasses() -> [String] {
        ["class/block", "class/net"].compactMap { (path: String) -> String? in
            do throws(SysfsError) {
                _ = try sysfs.list(path)
                return nil
            } catch {
                return error.description
            }
        }
    }

    private func names(in path: String) -> [String] {
        ((try? sysfs.list(path)) ?? []).map(\.name)
    }
}
