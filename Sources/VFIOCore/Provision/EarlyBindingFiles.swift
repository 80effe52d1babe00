/// The files that install early binding, as deterministic text: the same state gives the same
/// bytes (tests compare them with goldens; `persist status` compares the installed rule with the
/// one the installed state file gives).
public enum EarlyBindingFiles {
    /// Sorts before 80-drivers.rules, whose `kmod load $env{MODALIAS}` loads the host driver: the
    /// override is set before that, in the same `add` event.
    public static let udevRule = "/etc/udev/rules.d/40-vfioctl-early.rules"
    /// The softdep lines; modprobe.d(5) files in /etc are the administrator's, and this one is ours.
    public static let modprobeConfig = "/etc/modprobe.d/vfioctl.conf"
    public static let initramfsToolsHook = "/etc/initramfs-tools/hooks/vfioctl"
    public static let dracutConfig = "/etc/dracut.conf.d/vfioctl.conf"
    /// Where the hook puts the rule inside the image (the initramfs's udev reads it there).
    public static let ruleInImage = "/usr/lib/udev/rules.d/40-vfioctl-early.rules"
    /// The hook leaves `PREFIX<cksum>-<size>` (the POSIX checksum of the rule it copied) in the
    /// image: `lsinitramfs` lists names, not contents, and this name says which rule is inside.
    public static let fingerprintInImagePrefix = "/etc/vfioctl/early-rule.cksum-"

    static let header = "# Installed by `vfioctl persist enable`; removed by `vfioctl persist disable`."

    /// One line per device: on its `add` event, when the slot holds the expected hardware, set
    /// the override and load the module. `ATTR{...}=="..."` compares the attribute as sysfs prints
    /// it (`0x8086`).
    public static func udevRuleText(_ early: EarlyBinding, stateFile: String) -> String {
        var text = """
            \(header)
            # Early binding (vfioctl.persist.enable(1), docs/early-binding.md): each device below gets its
            # driver_override before 80-drivers.rules loads its host driver, here and in the initramfs.
            # Address AND ids: a different card in the slot, or this card in another slot, is left alone.
            # Generated from \(stateFile).

            """
        for device in early.devices {
            var match =
                "ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"\(device.address)\", "
                + "ATTR{vendor}==\"0x\(device.expected.vendor)\", ATTR{device}==\"0x\(device.expected.device)\""
            if let vendor = device.expected.subsystemVendor { match += ", ATTR{subsystem_vendor}==\"0x\(vendor)\"" }
            if let subdevice = device.expected.subsystemDevice {
                match += ", ATTR{subsystem_device}==\"0x\(subdevice)\""
            }
            text +=
                match + ", ATTR{driver_override}=\"\(device.driver)\", RUN{builtin}+=\"kmod load \(device.module)\"\n"
        }
        return text
    }

    /// `softdep HOST pre: VFIO...`, one line per host module; nil when there is none.
    public static func modprobeText(_ early: EarlyBinding) -> String? {
        guard !early.softdeps.isEmpty else { return nil }
        var text = """
            \(header)
            # Whoever loads one of these host drivers (another device's udev event, a modules list,
            # modprobe by hand) loads the VFIO module first, so a device whose driver_override is set
            # is taken by it at once. Only host drivers of early-bound devices are listed.

            """
        for host in early.softdeps {
            text += "softdep \(host.module) pre: \(host.pre.map(\.rawValue).joined(separator: " "))\n"
        }
        return text
    }

    /// An initramfs-tools hook (initramfs-tools(7)): run by mkinitramfs with DESTDIR set, after the
    /// udev hook (PREREQ), it copies the rule and the state file and adds the modules.
    public static func initramfsToolsHookText(_ early: EarlyBinding, stateFile: String) -> String {
        """
        #!/bin/sh
        \(header)
        # Puts vfioctl's early-binding rule in the initramfs, so that its udev sets driver_override
        # before any host driver is loaded there (docs/early-binding.md).
        set -e
        PREREQ="udev"
        prereqs() { echo "$PREREQ"; }
        case "$1" in
        prereqs) prereqs; exit 0 ;;
        esac
        . /usr/share/initramfs-tools/hook-functions

        rule=\(udevRule)
        mkdir -p "$DESTDIR\(parent(ruleInImage))"
        cp "$rule" "$DESTDIR\(ruleInImage)"
        # The udev hook copies every rule of /etc/udev/rules.d, the hot-plug rule too: it runs
        # vfioctl, which the image does not hold.
        rm -f "$DESTDIR/lib/udev/rules.d/\(hotPlugRuleName)" "$DESTDIR/usr/lib/udev/rules.d/\(hotPlugRuleName)"
        # copy_file returns 1 when the file is in the image already. mkinitramfs itself copies
        # /etc/modprobe.d/*.conf, the softdep file included.
        copy_file config \(stateFile) || [ $? -eq 1 ]
        manual_add_modules \(early.modules.map(\.rawValue).joined(separator: " "))
        # What `vfioctl persist status` looks for: the POSIX checksum and size of the rule copied.
        set -- $(cksum < "$rule")
        mkdir -p "$DESTDIR\(parent(fingerprintInImagePrefix))"
        : > "$DESTDIR\(fingerprintInImagePrefix)$1-$2"

        """
    }

    /// A dracut.conf.d(5) file: the modules, and the files kept at their own paths in the image
    /// (dracut's udev reads /etc/udev/rules.d too).
    public static func dracutConfigText(_ early: EarlyBinding, stateFile: String) -> String {
        let items = [udevRule, stateFile] + (early.softdeps.isEmpty ? [] : [modprobeConfig])
        return """
            \(header)
            # Puts vfioctl's early-binding rule and modules in the initramfs (docs/early-binding.md).
            add_drivers+=" \(early.modules.map(\.rawValue).joined(separator: " ")) "
            install_items+=" \(items.joined(separator: " ")) "

            """
    }

    private static var hotPlugRuleName: String { String(PersistedPaths.hotPlugRule.split(separator: "/").last!) }

    private static func parent(_ path: String) -> String {
        String(path[..<path.lastIndex(of: "/")!])
    }
}
