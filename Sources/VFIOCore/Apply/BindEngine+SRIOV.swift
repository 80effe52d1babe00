/// `sriov DEVICE --vfs N`: VFs are created with driver autoprobe off (so host drivers do not grab
/// devices meant for VFIO, and nvme does not fail on them), and a different count needs 0 first
/// (the kernel answers EBUSY otherwise). `autoprobe: true` is for putting a PF back as it was
/// (a rolled-back `apply`): VFs are created with autoprobe on, so host drivers take them again.
extension BindEngine {
    public func setVirtualFunctions(_ pf: PCIDevice, count: Int, inventory: DeviceInventory, options: Options,
                                    autoprobe: Bool = false) -> OperationReport {
        var report = OperationReport(operation: "sriov", dryRun: options.dryRun)
        report.checks += recoveryNotes
        do throws(VFIOError) {
            guard let total = pf.sriov.totalVFs else {
                throw .usage("\(pf.address) is not an SR-IOV physical function (it has no sriov_totalvfs)")
            }
            guard (0...total).contains(count) else {
                throw .usage("\(pf.address) supports at most \(total) VFs, not \(count)")
            }
            guard pf.driver != nil else {
                throw VFIOError(.refused, "\(pf.address) has no driver: the PF's driver creates VFs",
                                hint: "bind it to its host driver first (vfioctl unbind \(pf.address))")
            }
            let current = pf.sriov.numVFs ?? 0
            let autoprobeAsWanted = autoprobe ? pf.sriov.driversAutoprobe == true : pf.sriov.driversAutoprobe == false
            // With no VFs, autoprobe off does not matter; putting it back on does.
            if current == count && (autoprobeAsWanted || (count == 0 && !autoprobe)) {
                report.devices.append(.init(address: pf.address, from: DeviceBinding(driver: pf.driver, override: pf.driverOverride),
                                            to: pf.driver, status: .unchanged, group: pf.iommuGroup, message: "\(count) VFs already"))
                return report
            }
            // Destroying VFs unbinds them: the same checks as unbinding them by hand.
            if current != count && current > 0 {
                let checker = SafetyChecker(host: host, vfioDrivers: vfioDrivers)
                var refusals: [String] = []
                for vf in pf.sriov.virtfns.compactMap({ inventory[$0] }) {
                    // Forced findings are reported as overridden, as bind and unbind report them.
                    screen(checker.findings(for: vf).filter { $0.code != .bridge }, options: options, report: &report, refusals: &refusals)
                }
                if !refusals.isEmpty {
                    throw VFIOError(.refused, "removing the VFs of \(pf.address) would disturb them: " + refusals.joined(separator: "; "),
                                    hint: "nothing was changed")
                }
            }
            if !options.dryRun { try Preflight.checkWritable(pf.address, kernel: kernel) }

            let writer = KernelWriter(kernel: kernel, dryRun: options.dryRun)
            // The caller's lock stays held: `sriov --bind` binds the new VFs under it.
            let lock = options.dryRun ? nil : try operationLock(options)
            defer { if let lock, !lock.heldByCaller { lock.lock.release() } }
            var result = OperationReport.DeviceResult(address: pf.address, from: DeviceBinding(driver: pf.driver, override: pf.driverOverride),
                                                      to: pf.driver, status: options.dryRun ? .planned : .changed, group: pf.iommuGroup,
                                                      message: "\(current) -> \(count) VFs")
            do throws(SysfsError) {
                if !autoprobeAsWanted { try writer.write(PCIPaths.sriovAutoprobe(pf.address), autoprobe ? "1" : "0") }
                if current != count && current > 0 { try writer.write(PCIPaths.sriovNumVFs(pf.address), "0") }
                if current != count && count > 0 { try writer.write(PCIPaths.sriovNumVFs(pf.address), String(count)) }
            } catch {
                result.steps = writer.steps
                // Put the PF back as it was: its VF count and autoprobe setting.
                if current > 0 { try? writer.write(PCIPaths.sriovNumVFs(pf.address), "0"); try? writer.write(PCIPaths.sriovNumVFs(pf.address), String(current)) }
                if !autoprobeAsWanted { try? writer.write(PCIPaths.sriovAutoprobe(pf.address), autoprobe ? "0" : "1") }
                result.status = .failed
                result.message = "setting \(count) VFs failed: \(errnoName(error.errno))"
                report.devices.append(result)
                throw VFIOError(error.errno == ERANGE_CODE ? .usage : .failed,
                                "\(pf.address): writing \(error.path) failed with \(errnoName(error.errno))",
                                hint: "the PF was put back to \(current) VFs")
            }
            result.steps = writer.steps
            report.devices.append(result)
            // Changing the count destroys every VF that existed: their records go with them.
            if current != count && !options.dryRun && !pf.sriov.virtfns.isEmpty {
                let destroyed = Set(pf.sriov.virtfns)
                let managed = try store.readManaged()
                if managed.contains(where: { destroyed.contains($0.address) }) {
                    try store.writeManaged(managed.filter { !destroyed.contains($0.address) })
                }
            }
        } catch {
            report.error = error
        }
        return report
    }
}

#if canImport(Glibc)
import Glibc
let ERANGE_CODE = Glibc.ERANGE
#endif
