#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

/// A module directory whose modules.alias.bin is written from its modules.alias, the way depmod writes
/// the pair: a trie with single-child chains folded into prefixes.
private struct IndexedKernel {
    static let lines = [
        "# Aliases extracted from modules themselves.",
        "alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci",
        "alias vfio_pci:v00008086d00004941sv*sd*bc*sc*i* qat_vfio_pci",
        "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci",
        "alias pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_core",
        "alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e",
        "alias pci:v00008086d*sv*sd*bc02sc00i* e1000e",
        "alias pci:v00008086d0000494[0-9]sv*sd*bc*sc*i* qat_4xxx",
        "alias pci:v00008086d0000494?sv*sd*bc*sc*i* qat_any",
        "alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci",
        "alias usb:v*p*d*dc*dsc*dp*ic09isc*ip*in* usbcore"
    ]
    static let modules = ["mlx5_vfio_pci", "qat_vfio_pci", "vfio_pci", "qat_4xxx", "qat_any", "mlx5_core", "e1000e"]

    let tree = TemporaryTree()
    let directory: String

    init(text: [String] = Self.lines, indexed: [String] = Self.lines) {
        directory = tree.directory("lib/modules/6.99.0-test")
        tree.file("lib/modules/6.99.0-test/modules.alias", text.joined(separator: "\n") + "\n")
        tree.file(
            "lib/modules/6.99.0-test/modules.dep",
            Self.modules.map { "kernel/drivers/\($0.replacing("_", with: "-")).ko.xz:" }.joined(separator: "\n") + "\n")
        tree.file("lib/modules/6.99.0-test/modules.builtin", "kernel/drivers/usb/core/usbcore.ko\n")
        var entries: [(key: String, values: [String])] = []
        for line in indexed {
            let words = line.split(separator: " ")
            guard words.count == 3, words[0] == "alias" else { continue }
            entries.append((String(words[1]), [String(words[2])]))
        }
        // Priorities as depmod gives them: the module's position in modules.order (here modules.dep's).
        writeIndex(
            KernelFixtures.kmodIndex(folded: true, priority: { UInt32(Self.modules.firstIndex(of: $0) ?? 99) }, entries)
        )
    }

    func writeIndex(_ bytes: [UInt8]) {
        tree.file("lib/modules/6.99.0-test/modules.alias.bin", bytes: bytes)
    }

    func named(_ modaliases: [Modalias]) throws -> KernelModuleIndex {
        try KernelModuleIndex(modulesDirectory: directory, scope: .devices(modaliases))
    }

    func whole() throws -> KernelModuleIndex { try KernelModuleIndex(modulesDirectory: directory) }

    /// Makes modules.alias newer than its index, as an edit after depmod does.
    func touchText() {
        var older = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        var newer = [timespec(tv_sec: 2_000_000, tv_nsec: 0), timespec(tv_sec: 2_000_000, tv_nsec: 0)]
        utimensat(AT_FDCWD, directory + "/modules.alias.bin", &older, 0)
        utimensat(AT_FDCWD, directory + "/modules.alias", &newer, 0)
    }

    static func modalias(vendor: UInt16, device: UInt16, classCode: UInt32 = 0x020000) -> Modalias {
        PCIIdentity(
            vendor: VendorID(vendor), device: DeviceID(device), subsystemVendor: VendorID(0x1234),
            subsystemDevice: DeviceID(0x5678), classCode: ClassCode(classCode)!
        ).modalias
    }

    static let devices = [
        modalias(vendor: 0x15B3, device: 0x101E), modalias(vendor: 0x8086, device: 0x4941),
        modalias(vendor: 0x8086, device: 0x10D3), modalias(vendor: 0x8086, device: 0x1234, classCode: 0x0C0330),
        modalias(vendor: 0xABCD, device: 0x0001)
    ]
}

extension MatchKernelTests {
    @Suite("DepmodAliasIndex: named devices answered from modules.alias.bin")
    struct DepmodAliasIndexTests {
        @Test("the trie search finds exactly the stored patterns that match, wildcards in prefixes too (fixed seed)")
        func searchIsMatchingEveryPattern() throws {
            var random = SeededGenerator(seed: 17)
            let alphabet = Array("ab*?[]-0".utf8)
            var patterns: Set<String> = []
            while patterns.count < 300 {
                var bytes = (0..<Int.random(in: 1...7, using: &random)).map { _ in
                    alphabet.randomElement(using: &random)!
                }
                if let open = bytes.firstIndex(of: UInt8(ascii: "[")) {
                    bytes.insert(contentsOf: Array("ab]".utf8), at: open + 1)  // a closed bracket
                }
                if !bytes.contains(UInt8(ascii: "[")) { bytes.removeAll { $0 == UInt8(ascii: "]") } }
                if let text = AliasPattern(String(decoding: bytes, as: UTF8.self))?.normalized { patterns.insert(text) }
            }
            let entries = patterns.sorted().map { (key: $0, values: ["m_\($0.utf8.count)"]) }
            let index = try KmodIndexFile(KernelFixtures.kmodIndex(folded: true, entries))
            #expect(try KmodIndexFile.entries(KernelFixtures.kmodIndex(folded: true, entries)).count == entries.count)
            for _ in 0..<400 {
                let key = String(
                    decoding: (0..<Int.random(in: 0...9, using: &random)).map { _ in
                        Array("ab0-_".utf8).randomElement(using: &random)!
                    }, as: UTF8.self)
                guard let aliasKey = AliasKey(key) else { continue }
                let expected = entries.filter { AliasPattern($0.key)!.matches(aliasKey) }.map(\.key).sorted()
                let found = try index.values(matching: aliasKey.bytes).map(\.key).sorted()
                #expect(found == expected, "key \(key)")
            }
        }

        @Test("named devices get the entries, lines and order reading the whole text gives; the text is not walked")
        func answersAsTheText() throws {
            let kernel = IndexedKernel()
            let named = try kernel.named(IndexedKernel.devices)
            let whole = try kernel.whole()
            #expect(named.entries.isEmpty && named.aliasLineCount == 0 && !whole.entries.isEmpty)
            #expect(named.warnings == whole.warnings)
            for modalias in IndexedKernel.devices {
                #expect(named.hostDriverCandidates(for: modalias) == whole.hostDriverCandidates(for: modalias))
                #expect(named.variantCandidates(for: modalias) == whole.variantCandidates(for: modalias))
            }
            let qat = named.hostDriverCandidates(for: IndexedKernel.devices[1])
            #expect(qat.map(\.module.rawValue) == ["qat_4xxx", "qat_any", "e1000e"])  // e1000e: by class
            let variant = try #require(named.variantCandidates(for: IndexedKernel.devices[0]).first)
            #expect(variant.module.rawValue == "mlx5_vfio_pci")
            #expect(variant.location == SourceLocation(file: kernel.directory + "/modules.alias", line: 2))
            #expect(variant.entry.rawLine == IndexedKernel.lines[1])
            // A device of another vendor, not named when the index was made (a VF the call creates), is
            // answered too: e1000e by both of its lines.
            let later = IndexedKernel.modalias(vendor: 0x8086, device: 0x10D3)
            let e1000e = try kernel.named([IndexedKernel.devices[0]]).hostDriverCandidates(for: later)
            #expect(e1000e.map(\.module.rawValue) == ["e1000e"] && e1000e.first?.otherEntries.count == 1)
        }

        @Test("without citations (apply shows no plan) the text is not read: same modules, in the same order")
        func withoutCitations() throws {
            // A NUL byte refuses the text when it is read: here it is not.
            let kernel = IndexedKernel(text: IndexedKernel.lines + ["alias pci:v0000\0 x"])
            let uncited = try KernelModuleIndex(
                modulesDirectory: kernel.directory, scope: .devices(IndexedKernel.devices), citations: false)
            let whole = try IndexedKernel().whole()
            for modalias in IndexedKernel.devices {
                for (ours, text) in [
                    (uncited.hostDriverCandidates(for: modalias), whole.hostDriverCandidates(for: modalias)),
                    (uncited.variantCandidates(for: modalias), whole.variantCandidates(for: modalias))
                ] {
                    #expect(ours.map(\.module) == text.map(\.module))
                    #expect(ours.map(\.pattern) == text.map(\.pattern))
                    #expect(
                        ours.allSatisfy {
                            $0.entry.source == .modulesAliasIndex
                                && $0.location == SourceLocation(file: kernel.directory + "/modules.alias.bin", line: 0)
                        })
                }
            }
        }

        @Test("a line written twice is two entries, as in the text")
        func duplicateLines() throws {
            let lines = IndexedKernel.lines + [IndexedKernel.lines[4]]
            let kernel = IndexedKernel(text: lines, indexed: lines)
            let key = AliasKey(hostDriverKeyFor: IndexedKernel.devices[0])
            let named = try kernel.named(IndexedKernel.devices).aliasLookup(key)
            #expect(named == (try kernel.whole().aliasLookup(key)))
            #expect(named?.map(\.line) == [5, lines.count])
        }

        @Test("modules.alias edited after depmod ran is walked whole, with its warnings")
        func staleIndexReadsTheText() throws {
            let lines = IndexedKernel.lines + ["alias pci:v0000ABCDd[0001sv*sd*bc*sc*i* broken", "not an alias line"]
            let kernel = IndexedKernel(text: lines, indexed: IndexedKernel.lines)
            kernel.touchText()
            let named = try kernel.named(IndexedKernel.devices)
            #expect(!named.entries.isEmpty)
            #expect(named.warnings.count == 2, "\(named.warnings)")
        }

        @Test("a damaged or missing index: the text answers")
        func damagedIndex() throws {
            let kernel = IndexedKernel()
            let whole = try kernel.whole()
            let good = KernelFixtures.kmodIndex(
                folded: true,
                IndexedKernel.lines.dropFirst().map {
                    let words = $0.split(separator: " ")
                    return (String(words[1]), [String(words[2])])
                })
            for damaged in [
                Array(good.prefix(4)), Array(good.prefix(good.count / 2)), [UInt8](repeating: 0xFF, count: 64)
            ] {
                kernel.writeIndex(damaged)
                let named = try kernel.named(IndexedKernel.devices)
                for modalias in IndexedKernel.devices {
                    #expect(named.hostDriverCandidates(for: modalias) == whole.hostDriverCandidates(for: modalias))
                    #expect(named.variantCandidates(for: modalias) == whole.variantCandidates(for: modalias))
                }
            }
            unlink(kernel.directory + "/modules.alias.bin")
            let withoutIndex = try kernel.named(IndexedKernel.devices)
            #expect(!withoutIndex.entries.isEmpty)
            #expect(withoutIndex.warnings.contains { $0.contains("modules.alias.bin: missing") })
        }

        @Test("an alias the index has and the text does not is cited as the index's")
        func indexOnlyAlias() throws {
            let extra = "alias pci:v0000ABCDd00000001sv*sd*bc*sc*i* index_only"
            let kernel = IndexedKernel(indexed: IndexedKernel.lines + [extra])
            let found = try kernel.named(IndexedKernel.devices).hostDriverCandidates(for: IndexedKernel.devices[4])
            #expect(found.map(\.module.rawValue) == ["index_only"])
            #expect(found.first?.entry.source == .modulesAliasIndex)
            #expect(found.first?.location == SourceLocation(file: kernel.directory + "/modules.alias.bin", line: 0))
        }

        @Test("a NUL byte in modules.alias is refused as when the text is walked")
        func nulByte() throws {
            let kernel = IndexedKernel(text: IndexedKernel.lines + ["alias pci:v0000\0 x"])
            for scope in [AliasScope.everyDevice, .devices(IndexedKernel.devices)] {
                #expect(throws: VFIOError.self) {
                    _ = try KernelModuleIndex(modulesDirectory: kernel.directory, scope: scope)
                }
                do {
                    _ = try KernelModuleIndex(modulesDirectory: kernel.directory, scope: scope)
                } catch {
                    #expect(
                        error.message.hasSuffix("modules.alias:12: a NUL byte: this is not a text modules.alias file"))
                }
            }
        }
    }
}
