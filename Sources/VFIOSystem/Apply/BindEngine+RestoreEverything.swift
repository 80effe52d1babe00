import VFIOCore

extension BindEngine {
    /// `persist disable --restore`: every device vfioctl manages goes back to the driver it had,
    /// then, if that worked, every PF whose VFs it changed gets back the VF count and driver
    /// autoprobe vfioctl found (read from a fresh `reread()`: the first step changed the devices).
    public func restoreEverything(
        inventory: DeviceInventory, options: Options,
        reread: () throws(VFIOError) -> DeviceInventory
    ) throws(VFIOError) -> OperationReport {
        let managed = try store.readManaged()
        let requests = managed.compactMap { inventory[$0.address] }.map { ReleaseRequest(device: $0, hostModules: []) }
        var report = unbind(requests, options: options)
        guard report.error == nil else { return report }
        let sriov = restoreRecordedVirtualFunctions(inventory: try reread(), options: options)
        report.devices += sriov.devices
        report.checks += sriov.checks
        report.error = sriov.error
        return report
    }
}
