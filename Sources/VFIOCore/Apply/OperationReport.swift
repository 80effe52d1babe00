/// What a writing command did, per device, for the human summary and the `--json` document.
public struct OperationReport: Sendable {
    public enum Status: String, Sendable {
        /// Moved to the wanted driver.
        case changed
        /// Already as wanted: nothing written.
        case unchanged
        /// Every candidate failed; the device is back where it was.
        case failed
        /// Put back because another device of the same transaction failed.
        case rolledBack = "rolled_back"
        /// Would change (dry run).
        case planned
    }

    public struct Attempt: Sendable {
        public var module: ModuleName?
        public var driver: DriverName
        public var error: String?

        package init(module: ModuleName? = nil, driver: DriverName, error: String? = nil) {
            self.module = module
            self.driver = driver
            self.error = error
        }
    }

    public struct DeviceResult: Sendable {
        public var address: PCIAddress
        public var from: DeviceBinding
        public var to: DriverName?
        public var status: Status
        public var group: IOMMUGroup?
        /// The nodes a VFIO user opens once the device is usable (group node, container, cdev,
        /// `/dev/iommu`: those the kernel made).
        public var nodes = VFIONodes()
        /// What `--owner`/`--mode` (state keys `owner`, `mode`) asked for this device's nodes.
        public var owner: NodeOwnership?
        /// The owner, group and mode of its per-device nodes after the ownership step (a dry run:
        /// as they are, `changed` saying whether it would change them).
        public var nodeAttributes: [NodeAttributes] = []
        /// `/dev/vfio/12` or `/dev/vfio/devices/vfio0` once usable (`nodes.primary`).
        public var deviceNode: String? { nodes.primary }
        public var attempts: [Attempt] = []
        public var steps: [SysfsWriteStep] = []
        public var message: String?
        /// Whether this device was being returned to a host driver (ends its managed record).
        public var released = false
        /// The `reset_method` the bind wrote (state key `reset_method`), or the release put back.
        public var resetMethod: ResetMethodChange?
        /// What this device's failure means for the whole operation (its exit status and message).
        package var failure: VFIOError?
        /// Set when a failed device could not be put back either: how putting it back failed.
        /// The journal is kept so `vfioctl recover` can finish the job.
        public var restoreError: String?

        package init(
            address: PCIAddress, from: DeviceBinding, to: DriverName? = nil, status: Status, group: IOMMUGroup? = nil,
            nodes: VFIONodes = VFIONodes(), attempts: [Attempt] = [], steps: [SysfsWriteStep] = [],
            message: String? = nil, released: Bool = false, failure: VFIOError? = nil, restoreError: String? = nil
        ) {
            self.address = address
            self.from = from
            self.to = to
            self.status = status
            self.group = group
            self.nodes = nodes
            self.attempts = attempts
            self.steps = steps
            self.message = message
            self.released = released
            self.failure = failure
            self.restoreError = restoreError
        }
    }

    public var operation: String
    public var dryRun: Bool
    public var devices: [DeviceResult] = []
    /// Safety checks and group verdicts that were applied (and what `--force` overrode).
    public var checks: [String] = []
    public var error: VFIOError?

    /// A device moved (or would be), or the owner or mode of one of its nodes was set (or would be).
    public var changed: Bool {
        devices.contains { device in
            device.status == .changed || device.status == .planned
                || device.nodeAttributes.contains { $0.changed == true }
        }
    }

    /// `diff` and `apply --dry-run` report pending changes as exit status 7.
    public var reportsPendingChanges = false

    public var exitStatus: ExitStatus {
        if let error { return error.status }
        return reportsPendingChanges && dryRun && changed ? .changesPending : .success
    }

    package init(
        operation: String, dryRun: Bool, devices: [DeviceResult] = [], checks: [String] = [], error: VFIOError? = nil,
        reportsPendingChanges: Bool = false
    ) {
        self.operation = operation
        self.dryRun = dryRun
        self.devices = devices
        self.checks = checks
        self.error = error
        self.reportsPendingChanges = reportsPendingChanges
    }
}
