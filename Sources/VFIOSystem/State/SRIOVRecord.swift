import VFIOCore

/// What vfioctl changed on a PF to make VFs for VFIO, as it found it: `sriov --vfs N` turns
/// `sriov_drivers_autoprobe` off (so host drivers do not grab the new VFs), and that setting
/// outlives the VFs. The record lets vfioctl put it back once it no longer needs it: when the PF
/// has no VFs any more (`sriov --vfs 0`), or on `persist disable --restore` (which also puts the
/// VF count back), or when a failed `apply` rolls back. Kept next to the managed records, in
/// `sriov.toml` of the state directory.
public struct SRIOVRecord: Sendable, Equatable {
    public var pf: PCIAddress
    /// `sriov_drivers_autoprobe` before vfioctl first changed the PF.
    public var originalAutoprobe: Bool
    /// `sriov_numvfs` before vfioctl first changed the PF.
    public var originalVFs: Int

    public init(pf: PCIAddress, originalAutoprobe: Bool, originalVFs: Int) {
        self.pf = pf
        self.originalAutoprobe = originalAutoprobe
        self.originalVFs = originalVFs
    }

    static func encodeAll(_ records: [SRIOVRecord]) -> String {
        var out =
            "# PFs whose SR-IOV settings vfioctl changed, as it found them (read by `vfioctl sriov` and `persist disable --restore`)\n"
        for record in records.sorted(by: { $0.pf < $1.pf }) {
            out += "\n[[pf]]\naddress = \(TOMLText.quote(record.pf.description))\n"
            out += "original_autoprobe = \(record.originalAutoprobe)\noriginal_vfs = \(record.originalVFs)\n"
        }
        return out
    }

    static func decodeAll(_ text: String, file: String) throws(VFIOError) -> [SRIOVRecord] {
        do throws(TOMLError) {
            var top = TOMLFields(try TOMLParser.parse(text), context: "the SR-IOV records")
            var records: [SRIOVRecord] = []
            for table in try top.tables("pf") {
                var f = TOMLFields(table, context: "[[pf]]")
                guard let address = try f.parsed("address", as: "a PCI address", PCIAddress.init),
                    let autoprobe = try f.boolean("original_autoprobe")?.0,
                    let count = try f.integer("original_vfs")?.0, count >= 0
                else {
                    throw TOMLError(
                        line: table.line, "[[pf]] needs address, original_autoprobe and original_vfs (0 or more)")
                }
                try f.finish()
                records.append(SRIOVRecord(pf: address, originalAutoprobe: autoprobe, originalVFs: count))
            }
            try top.finish()
            return records
        } catch {
            throw VFIOError(.failed, "\(file):\(error.line): corrupt state file: \(error.message)")
        }
    }
}
