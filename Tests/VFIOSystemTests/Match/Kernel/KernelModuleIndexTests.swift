import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// A module directory with every VFIO variant driver of shared/notes/vfio-variants.md, written the way
/// depmod writes it (file2alias format, normalised module names).
private struct VariantKernel {
    /// module, vendor, devices (xe's PTL/WCL/BMG ids: a few of them).
    static let variants: [(module: String, vendor: UInt16, devices: [UInt16])] = [
        ("mlx5_vfio_pci", 0x15B3, [0x101E]),
        ("hisi_acc_vfio_pci", 0x19E5, [0xA256, 0xA259, 0xA251]),
        ("pds_vfio_pci", 0x1DD8, [0x1003]),
        ("virtio_vfio_pci", 0x1AF4, [0x1041, 0x1042]),
        ("nvgrace_gpu_vfio_pci", 0x10DE, [0x2342, 0x2345, 0x2348, 0x2941, 0x31C2]),
        ("qat_vfio_pci", 0x8086, [0x4941, 0x4943, 0x4945]),
        ("xe_vfio_pci", 0x8086, [0xB080, 0xE20B, 0xE20C, 0xFD80]),
        ("ism_vfio_pci", 0x1014, [0x04ED])
    ]

    static func hex8(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    let tree = TemporaryTree()
    let directory: String

    init(extraAliasLines: [String] = [], builtinIndex: [UInt8]? = nil, writeAliasBin: Bool = true) {
        directory = tree.directory("lib/modules/6.99.0-test")
        var alias = ["# Aliases extracted from modules themselves."]
        var dep: [String] = []
        for (module, vendor, devices) in Self.variants {
            for device in devices {
                alias.append("alias vfio_pci:v\(Self.hex8(vendor))d\(Self.hex8(device))sv*sd*bc*sc*i* \(module)")
            }
            dep.append(
                "kernel/drivers/vfio/pci/\(module.replacing("_", with: "-")).ko.xz: kernel/drivers/vfio/pci/vfio-pci-core.ko.xz kernel/drivers/vfio/vfio.ko.xz"
            )
        }
        alias.append("alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci")
        alias += [
            "alias pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_core",
            "alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci",
            "alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci",
            "alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e",
            "alias pci:v00008086d*sv*sd*bc02sc00i* e1000e",
            "alias usb:v*p*d*dc*dsc*dp*ic09isc*ip*in* usbcore",
            "alias acpi*:PNP0A08:* pcieport_acpi"
        ]
        alias += extraAliasLines
        dep += [
            "kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/pci/vfio-pci-core.ko.xz kernel/drivers/vfio/vfio.ko.xz",
            "kernel/drivers/vfio/pci/vfio-pci-core.ko.xz: kernel/drivers/vfio/vfio.ko.xz",
            "kernel/drivers/vfio/vfio.ko.xz:",
            "kernel/drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko.xz:",
            "kernel/drivers/virtio/virtio_pci.ko.xz:",
            "kernel/drivers/usb/host/xhci-pci.ko.xz:",
            "kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko.xz:"
        ]
        tree.file("lib/modules/6.99.0-test/modules.alias", alias.joined(separator: "\n") + "\n")
        tree.file("lib/modules/6.99.0-test/modules.dep", dep.joined(separator: "\n") + "\n")
        tree.file(
            "lib/modules/6.99.0-test/modules.builtin",
            "kernel/drivers/pci/pcie/portdrv.ko\nkernel/drivers/usb/core/usbcore.ko\n")
        if writeAliasBin { tree.file("lib/modules/6.99.0-test/modules.alias.bin", bytes: [0xB0, 0x07, 0xF4, 0x57]) }
        if let builtinIndex { tree.file("lib/modules/6.99.0-test/modules.builtin.alias.bin", bytes: builtinIndex) }
    }

    func index(aliases: Bool = true) throws -> KernelModuleIndex {
        try KernelModuleIndex(modulesDirectory: directory, aliases: aliases)
    }

    static func modalias(
        vendor: UInt16, device: UInt16, subsystemVendor: UInt16 = 0x1234, subsystemDevice: UInt16 = 0x5678,
        classCode: UInt32 = 0x020000
    ) -> Modalias {
        PCIIdentity(
            vendor: VendorID(vendor), device: DeviceID(device), subsystemVendor: VendorID(subsystemVendor),
            subsystemDevice: DeviceID(subsystemDevice), classCode: ClassCode(classCode)!
        ).modalias
    }
}

extension KernelFixtures {
    /// A kmod index file (`modules.builtin.alias.bin` format) for several keys: a plain trie, one node per
    /// byte, values at priority 0 stored in the order given. `folded`: as depmod writes it, each chain of
    /// nodes with one child and no values folded into its first node's prefix. `priority`: each value's
    /// (depmod gives an alias its module's modules.order position), values stored by it.
    static func kmodIndex(
        folded: Bool = false, priority: (String) -> UInt32 = { _ in 0 }, _ entries: [(key: String, values: [String])]
    ) -> [UInt8] {
        final class Node {
            var children: [UInt8: Node] = [:]
            var values: [String] = []
        }
        let root = Node()
        for (key, values) in entries {
            var node = root
            for b in key.utf8 {
                if node.children[b] == nil { node.children[b] = Node() }
                node = node.children[b]!
            }
            node.values += values
        }
        func u32(_ v: UInt32) -> [UInt8] {
            [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        var file = u32(0xB007_F457) + u32(0x0002_0001) + u32(0)
        /// Writes the node and returns its offset with flags.
        func write(_ start: Node) -> UInt32 {
            var node = start
            var prefix: [UInt8] = []
            while folded, node.values.isEmpty, node.children.count == 1, let (b, child) = node.children.first {
                prefix.append(b)
                node = child
            }
            let childOffsets = node.children.keys.sorted().map { ($0, write(node.children[$0]!)) }
            let offset = UInt32(file.count)
            var flags: UInt32 = 0
            if !prefix.isEmpty {
                flags |= 0x8000_0000
                file += prefix + [0]
            }
            if let first = childOffsets.first?.0, let last = childOffsets.last?.0 {
                flags |= 0x2000_0000
                file += [first, last]
                for ch in first...last { file += u32(childOffsets.first { $0.0 == ch }?.1 ?? 0) }
            }
            if !node.values.isEmpty {
                flags |= 0x4000_0000
                file += u32(UInt32(node.values.count))
                let stored = node.values.enumerated().sorted {
                    (priority($0.element), $0.offset) < (priority($1.element), $1.offset)
                }
                for (_, value) in stored { file += u32(priority(value)) + Array(value.utf8) + [0] }
            }
            return offset | flags
        }
        let rootOffset = write(root)
        file.replaceSubrange(8..<12, with: u32(rootOffset))
        return file
    }

    /// A one-key kmod index file (`modules.builtin.alias.bin` format) holding `key` → `values`.
    static func kmodIndex(key: String, values: [String]) -> [UInt8] {
        func u32(_ v: UInt32) -> [UInt8] {
            [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        var node = Array(key.utf8) + [0] + u32(UInt32(values.count))
        for value in values { node += u32(0) + Array(value.utf8) + [0] }
        return u32(0xB007_F457) + u32(0x0002_0001) + u32(0xC000_0000 | 12) + node
    }
}

extension MatchKernelTests {
    @Suite("KernelModuleIndex")
    struct KernelModuleIndexTests {
        @Test("every variant of vfio-variants.md is found for its own devices, with the generic vfio_pci")
        func variantsPerDevice() throws {
            let kernel = try VariantKernel().index()
            #expect(kernel.kernelVersion == "6.99.0-test")
            for (module, vendor, devices) in VariantKernel.variants {
                for device in devices {
                    let matches = kernel.variantCandidates(for: VariantKernel.modalias(vendor: vendor, device: device))
                    #expect(
                        matches.map(\.module.rawValue).sorted() == [module, "vfio_pci"].sorted(),
                        "\(module) \(String(vendor, radix: 16)):\(String(device, radix: 16))")
                    let variant = try #require(matches.first { $0.module.rawValue == module })
                    #expect(
                        variant.pattern.specificity
                            > matches.first { $0.module.rawValue == "vfio_pci" }!.pattern.specificity)
                    #expect(variant.location.file.hasSuffix("/modules.alias"))
                    #expect(variant.entry.rawLine.hasPrefix("alias vfio_pci:v"))
                }
            }
            // A device no variant names gets only the generic driver.
            let plain = kernel.variantCandidates(for: VariantKernel.modalias(vendor: 0x8086, device: 0x10D3))
            #expect(plain.map(\.module.rawValue) == ["vfio_pci"])
            #expect(plain[0].line == VariantKernel.variants.reduce(1) { $0 + $1.devices.count } + 1)
        }

        @Test("host driver candidates: every matching pci: line, one match per module, in modules.dep order")
        func hostDrivers() throws {
            let kernel = try VariantKernel().index()
            let nic = kernel.hostDriverCandidates(for: VariantKernel.modalias(vendor: 0x8086, device: 0x10D3))
            #expect(nic.map(\.module.rawValue) == ["e1000e"])
            // Both e1000e lines match: the device-specific one represents the module, the other is kept.
            #expect(nic[0].pattern.text == "pci:v00008086d000010D3sv*sd*bc*sc*i*")
            #expect(nic[0].otherEntries.map(\.pattern.text) == ["pci:v00008086d*sv*sd*bc02sc00i*"])
            // libkmod returns the module once per matching line, as modprobe -R prints it.
            let all = try #require(
                kernel.aliasLookup(AliasKey(hostDriverKeyFor: VariantKernel.modalias(vendor: 0x8086, device: 0x10D3))))
            #expect(all.map(\.module.rawValue) == ["e1000e", "e1000e"])

            let xhci = kernel.hostDriverCandidates(
                for: VariantKernel.modalias(vendor: 0x1B21, device: 0x1242, classCode: 0x0C0330))
            #expect(xhci.map(\.module.rawValue) == ["xhci_pci"])
            let virtio = kernel.hostDriverCandidates(
                for: VariantKernel.modalias(vendor: 0x1AF4, device: 0x1041, classCode: 0x0C0330))
            // modules.dep order: virtio_pci is listed before xhci_pci.
            #expect(virtio.map(\.module.rawValue) == ["virtio_pci", "xhci_pci"])
            #expect(kernel.hostDriverCandidates(for: VariantKernel.modalias(vendor: 0xFFFF, device: 0xFFFF)).isEmpty)
        }

        @Test("availability: loadable with its path, built in, or not built")
        func availability() throws {
            let fixture = VariantKernel()
            let kernel = try fixture.index()
            #expect(
                kernel.availability(of: KernelFixtures.module("vfio-pci"))
                    == .loadable(path: fixture.directory + "/kernel/drivers/vfio/pci/vfio-pci.ko.xz"))
            #expect(kernel.availability(of: KernelFixtures.module("portdrv")) == .builtin)
            #expect(kernel.availability(of: KernelFixtures.module("vfio_pci_igd")) == .notBuilt)
            let file = try #require(kernel.moduleFile(KernelFixtures.module("xe_vfio_pci")))
            // A file name with `-` is the module with `_`.
            #expect(file.relativePath == "kernel/drivers/vfio/pci/xe-vfio-pci.ko.xz")
            #expect(kernel.moduleCount.loadable == VariantKernel.variants.count + 7)
        }

        /// `bind --driver` reads the index without aliases, and `plan DEVICE` with the aliases of the
        /// devices' vendors only; both search the raw module files: every answer must be the full index's.
        @Test(
            "the named-driver and named-device indexes answer exactly as the full one",
            arguments: [false, true])
        func namedOnlyIndexAgrees(scoped: Bool) throws {
            let fixture = VariantKernel()
            let full = try fixture.index()
            let virtio = VariantKernel.modalias(vendor: 0x1AF4, device: 0x1041, classCode: 0x0C0330)
            let named =
                scoped
                ? try KernelModuleIndex(modulesDirectory: fixture.directory, scope: .devices([virtio]))
                : try fixture.index(aliases: false)
            let names =
                VariantKernel.variants.map(\.0) + [
                    "vfio-pci", "vfio_pci_core", "vfio", "portdrv", "usbcore",
                    "xhci_pci", "e1000e", "mlx5_core", "vfio_pci_igd", "nvme", "e1000"
                ]
            for name in names {
                let module = KernelFixtures.module(name)
                #expect(named.availability(of: module) == full.availability(of: module), "\(name)")
                #expect(named.moduleFile(module)?.path == full.moduleFile(module)?.path, "\(name)")
            }
            #expect(named.moduleCount == full.moduleCount)
            guard scoped else {
                #expect(named.entries.isEmpty && full.entries.count > 0)
                return
            }
            // The alias matches come in modules.dep order, as from the full index.
            #expect(named.hostDriverCandidates(for: virtio).map(\.module.rawValue) == ["virtio_pci", "xhci_pci"])
            #expect(named.hostDriverCandidates(for: virtio) == full.hostDriverCandidates(for: virtio))
            #expect(named.warnings == full.warnings)
        }

        @Test("lines libkmod would never see are skipped with file:line warnings")
        func tolerance() throws {
            let kernel = try VariantKernel(
                extraAliasLines: [
                    "alias pci:v0000ABCDd[0000*sv*sd*bc*sc*i* broken_bracket",
                    "alias onlytwo",
                    "options foo bar=1",
                    "",
                    "alias vfio-pci:v00001234d00005678sv*sd*bc*sc*i* dash_variant"
                ], writeAliasBin: false
            ).index()
            let text = kernel.warnings.joined(separator: "\n")
            #expect(
                text.contains(
                    "modules.alias:\(VariantKernel.variants.reduce(9) { $0 + $1.devices.count } + 1): unmatched bracket"
                ))
            #expect(text.contains("skipped: not `alias PATTERN MODULE`"))
            #expect(text.contains("modules.alias.bin: missing"))
            // depmod normalises the pattern, so the dashed prefix still names vfio_pci: keys.
            let dashed = kernel.variantCandidates(for: VariantKernel.modalias(vendor: 0x1234, device: 0x5678))
            #expect(dashed.map(\.module.rawValue).contains("dash_variant"))
        }

        /// Lines that cannot concern the devices looked up (other buses; for named devices, other
        /// vendors) are never made into entries, but they are checked as closely as the others.
        @Test("lines that cannot match are warned about as in a read of every alias", arguments: [false, true])
        func skippedLinesWarned(scoped: Bool) throws {
            let extra = [
                "alias usb:v[1234p*d* broken_usb",  // another bus
                "alias pci:v0000ABCDd[0000*sv*sd*bc*sc*i* broken_vendor",  // another vendor
                "alias pci:v00001AF4d0000[1041*sv*sd*bc*sc*i* broken_virtio",  // the device's vendor
                "alias of:N*T*Cfoo a_module extra_word",
                "alias\tacpi*:PNP0A03:*\tpci_root\r",
                "options foo bar=1",
                "alias pci:v0000ABCDd[0000]*sv*sd*bc*sc*i* fine_bracket"
            ]
            let fixture = VariantKernel(extraAliasLines: extra)
            let first = VariantKernel.variants.reduce(9) { $0 + $1.devices.count } + 1
            let virtio = VariantKernel.modalias(vendor: 0x1AF4, device: 0x1041, classCode: 0x0C0330)
            let kernel =
                scoped
                ? try KernelModuleIndex(modulesDirectory: fixture.directory, scope: .devices([virtio]))
                : try fixture.index()
            let file = fixture.directory + "/modules.alias"
            let unused = "depmod leaves this alias out of modules.alias.bin, so modprobe never uses it"
            #expect(
                kernel.warnings == [
                    "\(file):\(first): unmatched bracket: \(unused)",
                    "\(file):\(first + 1): unmatched bracket: \(unused)",
                    "\(file):\(first + 2): unmatched bracket: \(unused)",
                    "\(file):\(first + 3): skipped: not `alias PATTERN MODULE`",
                    "\(file):\(first + 5): skipped: not `alias PATTERN MODULE`"
                ])
            #expect(kernel.aliasLineCount == first - 2 + 5)
            #expect(kernel.hostDriverCandidates(for: virtio).map(\.module.rawValue) == ["virtio_pci", "xhci_pci"])
        }

        @Test("a missing directory or index is a one-line not-found error")
        func missing() throws {
            #expect(throws: VFIOError.self) {
                try KernelModuleIndex(modulesDirectory: "/nonexistent/lib/modules/1.2.3")
            }
            do {
                _ = try KernelModuleIndex(modulesDirectory: "/nonexistent/lib/modules/1.2.3")
            } catch {
                #expect(error.status == .notFound)
                #expect(
                    error.description.hasPrefix(
                        "vfioctl: error: no kernel modules at /nonexistent/lib/modules/1.2.3 (hint: "))
                #expect(!error.description.contains("\n"))
            }
            let tree = TemporaryTree()
            let dir = tree.directory("lib/modules/5.0.0")
            do {
                _ = try KernelModuleIndex(modulesDirectory: dir)
                Issue.record("expected an error")
            } catch {
                #expect(error.status == .notFound)
                #expect(error.message == "\(dir)/modules.alias does not exist")
                #expect(error.hint == "run `depmod 5.0.0` to create the module indexes")
            }
            tree.file("lib/modules/5.0.0/modules.alias", bytes: Array("alias pci:v*d* x\n".utf8) + [0, 1, 2])
            tree.file("lib/modules/5.0.0/modules.dep", "")
            do {
                _ = try KernelModuleIndex(modulesDirectory: dir)
                Issue.record("expected an error")
            } catch {
                #expect(error.status == .usage)
                #expect(error.message == "\(dir)/modules.alias:2: a NUL byte: this is not a text modules.alias file")
            }
        }

        @Test("builtin aliases come from modules.builtin.alias.bin, and only when modules.alias has no match")
        func builtinAliases() throws {
            let index = KernelFixtures.kmodIndex(key: "pci:v0000ABCDd*sv*sd*bc*sc*i*", values: ["fakebi", "other_bi"])
            let kernel = try VariantKernel(builtinIndex: index).index()
            #expect(kernel.builtinEntries.count == 2)
            let only = kernel.hostDriverCandidates(for: VariantKernel.modalias(vendor: 0xABCD, device: 1))
            // Values of one pattern come out in reverse stored order (depmod stores them reversed, so modprobe
            // prints them in modules.builtin.modinfo order).
            #expect(only.map(\.module.rawValue) == ["other_bi", "fakebi"])
            #expect(only[0].entry.source == .builtinAliasIndex)
            #expect(only[1].entry.rawLine == "fakebi.alias=pci:v0000ABCDd*sv*sd*bc*sc*i*")

            // A key matched in modules.alias never reaches the builtin index (verified with modprobe -R).
            let both = KernelFixtures.kmodIndex(key: "pci:v00008086d000010D3sv*sd*bc*sc*i*", values: ["fakebi"])
            let shadowed = try VariantKernel(builtinIndex: both).index()
            #expect(
                shadowed.hostDriverCandidates(for: VariantKernel.modalias(vendor: 0x8086, device: 0x10D3)).map(
                    \.module.rawValue) == ["e1000e"])

            #expect(
                try KmodIndexFile.entries(index) == [
                    KmodIndexFile.Value(key: "pci:v0000ABCDd*sv*sd*bc*sc*i*", value: "fakebi", priority: 0),
                    KmodIndexFile.Value(key: "pci:v0000ABCDd*sv*sd*bc*sc*i*", value: "other_bi", priority: 0)
                ])
            // Several builtin aliases match: libkmod's order is its trie walk reversed (verified with
            // modprobe -R on a depmod-built tree: `onlybi:v1*` fakebi + `onlybi:v*` other gives fakebi, other).
            let trie = KernelFixtures.kmodIndex([
                (key: "p*", values: ["catchall"]),
                (key: "pci:v0000ABCD*", values: ["vendor_a", "vendor_b"]),
                (key: "pci:v0000ABCDd0000[0-3]*", values: ["bracket"]),
                (key: "pci:v0000ABCDd0000?*", values: ["question"]),
                (key: "pci:v0000ABCDd0000*", values: ["star"]),
                (key: "pci:v0000ABCDd0000*sv*", values: ["star_longer"])
            ])
            #expect(try KmodIndexFile.entries(trie).count == 7)
            let ordered = try VariantKernel(builtinIndex: trie).index()
            #expect(
                ordered.hostDriverCandidates(for: VariantKernel.modalias(vendor: 0xABCD, device: 0x0001)).map(
                    \.module.rawValue)
                    == ["bracket", "question", "star", "star_longer", "vendor_b", "vendor_a", "catchall"])

            #expect(throws: KmodIndexFile.Failure.badMagic) {
                try KmodIndexFile.entries([1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0])
            }
            #expect(throws: KmodIndexFile.Failure.truncated) { try KmodIndexFile.entries(Array(index.dropLast(3))) }
        }

        @Test("the vendor/device prefilter returns exactly what matching every entry returns (fixed seed)")
        func prefilterIsPure() throws {
            let kernel = try VariantKernel(extraAliasLines: [
                "alias pci:v0000ABCD* vendor_prefix", "alias p* everything",
                "alias pci:v0000ABCDd0000123?sv* partial_device",
                "alias ?ci:v* question", "alias vfio_pci:v00001AF4d0000104[12]sv*sd*bc*sc*i* bracket_device"
            ]).index()
            var rng = SeededGenerator(seed: 99)
            let vendors: [UInt16] = [0x8086, 0x15B3, 0x1AF4, 0xABCD, 0x10DE, 0x19E5, 0x1234]
            for _ in 0..<2000 {
                let vendor = vendors.randomElement(using: &rng)!
                let device: UInt16 =
                    Bool.random(using: &rng)
                    ? UInt16.random(in: 0...0xFFFF, using: &rng)
                    : [0x101E, 0x1041, 0x1042, 0x1230, 0x123F, 0x10D3, 0xE20B].randomElement(using: &rng)!
                let classCode: UInt32 = [0x020000, 0x0C0330, 0x030000].randomElement(using: &rng)!
                let alias = VariantKernel.modalias(vendor: vendor, device: device, classCode: classCode)
                for key in [AliasKey(hostDriverKeyFor: alias), AliasKey(variantKeyFor: alias)] {
                    let fast = kernel.aliasLookup(key)!.map(\.line)
                    let slow = kernel.entries.filter { $0.pattern.matches(key) }.map(\.line)
                    #expect(Set(fast) == Set(slow), "\(key)")
                }
            }
        }
    }
}
