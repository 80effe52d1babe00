import VFIOCore

/// VFIO's no-IOMMU mode, for hosts without an IOMMU (VMs, some clouds, DPDK's common case): with
/// `enable_unsafe_noiommu_mode` on, vfio-pci takes a device that has no IOMMU group by giving it a
/// group of its own (`/dev/vfio/noiommu-N`). Nothing then stops the device's DMA from reaching any
/// host memory, and the kernel taints itself when such a device is opened. Only kernels built with
/// CONFIG_VFIO_NOIOMMU have the parameter (Debian's do not).
public enum NoIOMMUMode {
    static let parameter = "module/vfio/parameters/enable_unsafe_noiommu_mode"
    static let vfioModule = ModuleName("vfio")!

    /// The warning every run that uses the mode prints.
    public static let warning =
        "warning: VFIO no-IOMMU mode: a device bound this way can read and write ANY host memory by DMA "
        + "(there is no IOMMU to stop it), and the kernel taints itself when it is opened; use it only for devices you trust"

    /// Turns the mode on (`echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode`), loading
    /// vfio first if needed; returns the report lines. Exit 4 when the kernel has no such mode.
    static func enable(kernel: any KernelAccess, dryRun: Bool) throws(VFIOError) -> [String] {
        let shown = kernel.displayPath(parameter)
        var current = try? kernel.read(parameter)
        if current == nil, !dryRun || kernel.canLoadModules == false {
            // The parameter appears with the module.
            if (try? kernel.list("module/vfio")) == nil && kernel.canLoadModules { try kernel.loadModule(vfioModule) }
            current = try? kernel.read(parameter)
        }
        guard let current else {
            if dryRun && kernel.canLoadModules && (try? kernel.list("module/vfio")) == nil {
                return [
                    warning,
                    "would load module vfio, then write \"1\" > \(shown) (refused with exit 4 if the kernel has no no-IOMMU mode)"
                ]
            }
            throw .notFound(
                "this kernel has no VFIO no-IOMMU mode: \(shown) does not exist (it was built without CONFIG_VFIO_NOIOMMU, as Debian's kernels are)",
                hint:
                    "give the machine an IOMMU (intel_iommu=on or amd_iommu=on; in a VM, a virtual IOMMU), or boot a kernel built with CONFIG_VFIO_NOIOMMU=y"
            )
        }
        if current == "Y" || current == "1" { return [warning, "VFIO no-IOMMU mode is on (\(shown))"] }
        if dryRun { return [warning, "would write \"1\" > \(shown)"] }
        do { try kernel.write(parameter, "1") } catch {
            throw LowLevel.error(error, doing: "turn on VFIO no-IOMMU mode")
        }
        return [warning, "turned on VFIO no-IOMMU mode: wrote \"1\" > \(shown)"]
    }
}
