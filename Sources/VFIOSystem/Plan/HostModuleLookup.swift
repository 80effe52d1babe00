import Synchronization
import VFIOCore

/// The native drivers' modules of devices that `unbind` hands back to the kernel's own choice:
/// the kernel's `pci:` aliases matching each device, as udev would load them.
///
/// The alias tables are read on the first question only. A device with a managed record goes back
/// to its recorded driver and never asks, and reading modules.alias and matching it was most of
/// what unbinding a batch of VFs cost.
public final class HostModuleLookup: Sendable {
    private let readIndex: @Sendable () -> KernelModuleIndex?
    /// nil until first asked; then the index, or nil inside when it could not be read.
    private let index = Mutex<KernelModuleIndex??>(nil)

    /// `readIndex` returns nil when the tables cannot be read: then no device has host modules.
    public init(readIndex: @escaping @Sendable () -> KernelModuleIndex?) {
        self.readIndex = readIndex
    }

    public func modules(for device: PCIDevice) -> [ModuleName] {
        index.withLock { index in
            if index == nil { index = .some(readIndex()) }
            guard let kernel = index! else { return [] }
            return kernel.hostDriverCandidates(for: device.modalias).map(\.module)
        }
    }
}
