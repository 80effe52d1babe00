import VFIOCore

/// The devices a `KernelModuleIndex` is read for. With depmod's index at hand, named devices are
/// looked up in it (`DepmodAliasIndex`) and the scope only says so. Without it, planning one
/// hot-plugged device does not need the `pci:` aliases of every vendor: a pattern whose literal part
/// spells out another vendor cannot match its key (libkmod compares the bytes before a pattern's first wildcard literally). Reading only the
/// entries that can concern the named devices keeps one call's work proportional to them, where
/// building the whole table was most of what one `apply --device` cost in the TCG test guest.
///
/// `vfio_pci:` entries are always read in full (a few dozen: the variant drivers' ranking and
/// `--explain` cite them), so only `pci:` lookups are limited to the scope.
public struct AliasScope: Sendable, Equatable {
    /// The PCI vendor IDs of the devices; nil: every device.
    let vendors: Set<UInt32>?

    /// Every device (what `plan --all` and the whole-machine commands read).
    public static let everyDevice = AliasScope(vendors: nil)

    /// The named devices only. A modalias without a readable vendor field widens the scope to every
    /// device rather than guessing.
    public static func devices(_ modaliases: some Sequence<Modalias>) -> AliasScope {
        var vendors: Set<UInt32> = []
        for modalias in modaliases {
            guard let vendor = AliasBuckets.hostDriverVendor(ofKey: AliasKey(hostDriverKeyFor: modalias).bytes) else {
                return .everyDevice
            }
            vendors.insert(vendor)
        }
        return AliasScope(vendors: vendors)
    }

    /// Whether a `pci:` pattern with this literal vendor field (nil: none, the field starts with a
    /// wildcard) can concern a device of the scope.
    func includes(patternVendor vendor: UInt32?) -> Bool {
        guard let vendors, let vendor else { return true }
        return vendors.contains(vendor)
    }

    /// Whether lookups of this `pci:` key are answered in full by an index read for the scope.
    func covers(key: [UInt8]) -> Bool {
        guard let vendors else { return true }
        return AliasBuckets.hostDriverVendor(ofKey: key).map(vendors.contains) ?? false
    }
}
