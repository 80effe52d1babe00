/// The documented `--json` form of a device (docs/json-schema.md). Keys are snake_case, ids are
/// lowercase 4-hex strings, class is 6-hex, absent values are null.
public enum DeviceJSON {
    public static func device(_ device: PCIDevice, namer: DeviceNamer) -> JSONValue {
        let identity = device.identity
        let object = JSONValue.object([
            ("address", .string(device.address.description)),
            ("vendor_id", .string(identity.vendor.description)),
            ("device_id", .string(identity.device.description)),
            ("subsystem_vendor_id", .string(identity.subsystemVendor.description)),
            ("subsystem_device_id", .string(identity.subsystemDevice.description)),
            ("class", .string(identity.classCode.description)),
            ("revision", .optional(identity.revision?.description)),
            ("modalias", .string(device.modalias.rawValue)),
            ("driver", .optional(device.driver)),
            ("driver_override", .optional(device.driverOverride)),
            ("iommu_group", .optional(device.iommuGroup?.number)),
            ("numa_node", .optional(device.numaNode)),
            ("is_bridge", .bool(device.isBridge)),
            ("boot_vga", .bool(device.bootVGA)),
            ("parent", .optional(device.parent)),
            ("physfn", .optional(device.sriov.physfn)),
            ("virtfns", .array(device.sriov.virtfns.map { .string($0.description) })),
            ("sriov", sriov(device.sriov)),
            ("host_use", device.hostUseRead ? hostUse(device.hostUse) : .null),
            ("vendor_name", .optional(namer.vendorName(device))),
            ("device_name", .optional(namer.deviceName(device))),
            ("class_name", .optional(namer.className(device))),
            ("unreadable", .array(device.unreadable.map(JSONValue.string)))
        ])
        // Only while a write to the device is blocked in the kernel: every other document is unchanged.
        guard let write = device.pendingWrite, case .object(var fields) = object else { return object }
        fields.append(("pending_write", .string(write)))
        return .object(fields)
    }

    /// `list --modules`: the device object with `kernel_modules` (lspci -k's "Kernel modules:") added
    /// last; without the flag the key is absent, so the default document is unchanged.
    public static func adding(kernelModules: [ModuleName], to device: JSONValue) -> JSONValue {
        guard case .object(var fields) = device else { return device }
        fields.append(("kernel_modules", .array(kernelModules.map { .string($0.rawValue) })))
        return .object(fields)
    }

    /// `show`'s reset and power keys (docs/json-schema.md).
    public static func power(_ power: DevicePower) -> [(String, JSONValue)] {
        [
            ("reset_method", power.resetMethods.map { .array($0.map(JSONValue.string)) } ?? .null),
            ("power_state", .optional(power.powerState)),
            ("runtime_status", .optional(power.runtimeStatus)),
            ("d3cold_allowed", .optional(power.d3coldAllowed)),
            ("vfio_pci_disable_idle_d3", .optional(power.vfioDisableIdleD3))
        ]
    }

    package static func sriov(_ sriov: SRIOVState) -> JSONValue {
        guard sriov.isPhysicalFunction else { return .null }
        return .object([
            ("numvfs", .optional(sriov.numVFs)),
            ("totalvfs", .optional(sriov.totalVFs)),
            ("drivers_autoprobe", .optional(sriov.driversAutoprobe))
        ])
    }

    package static func hostUse(_ use: HostUse) -> JSONValue {
        .object([
            (
                "network_interfaces",
                .array(
                    use.networkInterfaces.map {
                        .object([
                            ("name", .string($0.name)), ("operstate", .optional($0.operstate)),
                            ("admin_up", .optional($0.adminUp))
                        ])
                    })
            ),
            ("block_devices", .array(use.blockDevices.map(JSONValue.string))),
            ("display_nodes", .array(use.displayNodes.map(JSONValue.string)))
        ])
    }

    /// A group member as `show` and `groups` list it.
    package static func member(_ device: PCIDevice) -> JSONValue {
        .object([
            ("address", .string(device.address.description)),
            ("vendor_id", .string(device.identity.vendor.description)),
            ("device_id", .string(device.identity.device.description)),
            ("class", .string(device.identity.classCode.description)),
            ("driver", .optional(device.driver)),
            ("is_bridge", .bool(device.isBridge))
        ])
    }

    /// `show --json`: the device, its VFIO nodes and their owners, its group's verdict and members,
    /// and the driver decision (null when it could not be made).
    public static func show(
        _ device: PCIDevice, namer: DeviceNamer, group: GroupViability?, plan: DevicePlan?,
        nodes: VFIONodes = VFIONodes(), owners: [NodeAttributes] = [], power: DevicePower = DevicePower()
    ) -> JSONValue {
        var fields: [(String, JSONValue)] = []
        if case .object(let deviceFields) = self.device(device, namer: namer) { fields = deviceFields }
        fields.append(("nodes", .array(nodes.all.map(JSONValue.string))))
        fields.append(("node_owners", .array(owners.map(OperationJSON.attributes))))
        fields += Self.power(power)
        fields.append(("iommu_group_detail", group.map(Self.group) ?? .null))
        fields.append(("plan", plan.map(PlanJSON.plan) ?? .null))
        return JSONValue.document("device", .object(fields))
    }

    public static func group(_ viability: GroupViability) -> JSONValue {
        .object([
            ("group", .int(viability.group.number)),
            ("viable", .bool(viability.isViable)),
            ("members", .array(viability.members.map(member))),
            (
                "blockers",
                .array(
                    viability.blockers.map {
                        .object([("address", .string($0.address.description)), ("driver", .string($0.driver.rawValue))])
                    })
            )
        ])
    }
}
