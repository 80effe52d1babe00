import TestSupport
import Testing
@testable import VFIOCore
@testable import VFIOSystem

extension MatchKernelTests {
    /// Tests on the Debian kernel installed on this machine (linux-image-amd64; `scripts/kmod-diff/run.sh`
    /// installs it). Skipped when no /lib/modules/*/modules.alias exists.
    @Suite("KernelModuleIndex on the installed kernel", .enabled(if: KernelFixtures.installedKernelDirectory() != nil))
    struct RealKernelTests {
        let directory = KernelFixtures.installedKernelDirectory() ?? "/nonexistent"

        /// Every alias line of modules.alias as (normalised pattern, module), parsed independently of the index.
        private func allAliasLines() throws -> [(line: Int, pattern: AliasPattern, module: String)] {
            let bytes = try TextFile.bytes(directory + "/modules.alias")
            return KernelFiles.lines(bytes).compactMap { number, line in
                let words = String(decoding: line, as: UTF8.self).split(separator: " ")
                guard words.count == 3, words[0] == "alias", let pattern = AliasPattern(String(words[1])) else {
                    return nil
                }
                return (number, pattern, String(words[2]))
            }
        }

        @Test("loads without warnings; counts")
        func loads() throws {
            let start = KernelFixtures.monotonicNanoseconds()
            let kernel = try KernelModuleIndex(modulesDirectory: directory)
            let elapsed = Double(KernelFixtures.monotonicNanoseconds() - start) / 1e6
            print(
                "KernelModuleIndex(\(kernel.kernelVersion)): \(kernel.aliasLineCount) alias lines, \(kernel.entries.count) pci:/vfio_pci: entries, \(kernel.builtinEntries.count) builtin pci aliases, \(kernel.moduleCount.loadable) loadable + \(kernel.moduleCount.builtin) builtin modules, loaded in \(elapsed) ms"
            )
            #expect(kernel.warnings.isEmpty, "\(kernel.warnings)")
            #expect(kernel.aliasLineCount > 20_000)
            #expect(kernel.entries.count > 8_000)
            let variantModules = kernel.entries.filter { $0.pattern.pciFields?.bus == .vfioPCI }.map(\.module.rawValue)
            #expect(variantModules.contains("vfio_pci"))
            #expect(
                kernel.entries.allSatisfy { $0.pattern.pciFields != nil },
                "every real pci: alias has the file2alias shape")
            #expect(kernel.availability(of: KernelFixtures.module("vfio-pci")) != .notBuilt)
        }

        @Test("named devices answered from modules.alias.bin get the entries and lines reading the text gives")
        func depmodIndexAnswersAsTheText() throws {
            // A device for every pci: and vfio_pci: line whose vendor and device are literal: its IDs, with
            // subsystem and class values no wildcard line constrains.
            var modaliases: [Modalias] = []
            var seen: Set<String> = []
            for (_, pattern, _) in try allAliasLines() {
                guard let fields = pattern.pciFields, case .exact(let vendor) = fields.vendor,
                    case .exact(let device) = fields.device, seen.insert("\(vendor):\(device)").inserted
                else { continue }
                modaliases.append(
                    PCIIdentity(
                        vendor: VendorID(UInt16(vendor)), device: DeviceID(UInt16(device)),
                        subsystemVendor: VendorID(0x1234), subsystemDevice: DeviceID(0x5678),
                        classCode: ClassCode(0x020000)!
                    ).modalias)
            }
            #expect(modaliases.count > 3_000)
            // Every 16th (a debug build counts each cited line's newlines byte by byte).
            modaliases = modaliases.enumerated().filter { $0.offset % 16 == 0 }.map(\.element)
            let whole = try KernelModuleIndex(modulesDirectory: directory)
            let named = try KernelModuleIndex(modulesDirectory: directory, scope: .devices(modaliases))
            // The text was not walked: the index answered.
            #expect(named.entries.isEmpty && named.aliasLineCount == 0 && whole.entries.count > 8_000)
            #expect(named.warnings == whole.warnings)
            for modalias in modaliases {
                let host = AliasKey(hostDriverKeyFor: modalias)
                let variant = AliasKey(variantKeyFor: modalias)
                #expect(named.aliasLookup(host) == whole.aliasLookup(host), "\(host)")
                #expect(named.aliasLookup(variant) == whole.aliasLookup(variant), "\(variant)")
                #expect(named.hostDriverCandidates(for: modalias) == whole.hostDriverCandidates(for: modalias))
                #expect(named.variantCandidates(for: modalias) == whole.variantCandidates(for: modalias))
            }
        }

        @Test("modules.alias holds exactly what modules.alias.bin (the index libkmod reads) holds")
        func textMatchesBinaryIndex() throws {
            let binary = try KmodIndexFile.entries(TextFile.bytes(directory + "/modules.alias.bin"))
            var fromBinary: [String: Int] = [:]
            for value in binary { fromBinary["\(value.key) \(value.value)", default: 0] += 1 }
            var fromText: [String: Int] = [:]
            for (_, pattern, module) in try allAliasLines() {
                fromText["\(pattern.normalized) \(module)", default: 0] += 1
            }
            #expect(fromText.count > 20_000)
            #expect(fromText == fromBinary)
        }

        @Test("modules.builtin.alias.bin is what depmod derives from modules.builtin.modinfo")
        func builtinIndexMatchesModinfo() throws {
            let binary = try KmodIndexFile.entries(TextFile.bytes(directory + "/modules.builtin.alias.bin"))
            let modinfo = try TextFile.bytes(directory + "/modules.builtin.modinfo")
            var derived: [String] = []
            for record in modinfo.split(separator: 0) {
                let text = String(decoding: record, as: UTF8.self)
                guard let dot = text.firstIndex(of: "."), text[text.index(after: dot)...].hasPrefix("alias=") else {
                    continue
                }
                let module = text[..<dot]
                let alias = text[text.index(dot, offsetBy: 7)...]
                guard let normalized = normalizeAlias(Array(alias.utf8)) else { continue }
                derived.append("\(String(decoding: normalized, as: UTF8.self)) \(module)")
            }
            #expect(!derived.isEmpty)
            #expect(derived.sorted() == binary.map { "\($0.key) \($0.value)" }.sorted())
        }

        @Test("the prefilter changes nothing: bucketed lookups equal matching every alias line (fixed seed)")
        func prefilterIsPure() throws {
            let kernel = try KernelModuleIndex(modulesDirectory: directory)
            let lines = try allAliasLines()
            var rng = SeededGenerator(seed: 2026)
            var keys: [Modalias] = []
            for entry in kernel.entries.shuffled(using: &rng).prefix(400) {
                // Instantiate the pattern into an identity it matches: pinned fields as written, the rest random.
                guard let fields = entry.pattern.pciFields else { continue }
                func value(_ field: AliasField, _ range: ClosedRange<UInt32>) -> UInt32 {
                    if case .exact(let v) = field { return v }
                    return UInt32.random(in: range, using: &rng)
                }
                let identity = PCIIdentity(
                    vendor: VendorID(UInt16(value(fields.vendor, 0...0xFFFF))),
                    device: DeviceID(UInt16(value(fields.device, 0...0xFFFF))),
                    subsystemVendor: VendorID(UInt16(value(fields.subsystemVendor, 0...0xFFFF))),
                    subsystemDevice: DeviceID(UInt16(value(fields.subsystemDevice, 0...0xFFFF))),
                    classCode: ClassCode(
                        value(fields.baseClass, 0...0xFF) << 16
                            | value(fields.subclass, 0...0xFF) << 8 | value(fields.interface, 0...0xFF))!)
                keys.append(identity.modalias)
            }
            for _ in 0..<200 {
                let identity = PCIIdentity(
                    vendor: VendorID([0x8086, 0x10DE, 0x1002, 0x14E4, 0x15B3].randomElement(using: &rng)!),
                    device: DeviceID(UInt16.random(in: 0...0xFFFF, using: &rng)),
                    subsystemVendor: VendorID(UInt16.random(in: 0...0xFFFF, using: &rng)),
                    subsystemDevice: DeviceID(UInt16.random(in: 0...0xFFFF, using: &rng)),
                    classCode: ClassCode(
                        [0x020000, 0x010601, 0x0C0330, 0x030000, 0x040300].randomElement(using: &rng)!)!)
                keys.append(identity.modalias)
            }
            var matched = 0
            for alias in keys {
                for key in [AliasKey(hostDriverKeyFor: alias), AliasKey(variantKeyFor: alias)] {
                    let fast = kernel.aliasLookup(key)!.map(\.line).sorted()
                    let slow = lines.filter { $0.pattern.matches(key) }.map(\.line)
                    if !fast.isEmpty { matched += 1 }
                    #expect(fast == slow, "\(key)")
                }
            }
            #expect(matched > 400)
        }

        @Test("4,096 lookups of each kind: timing (release builds must stay well under 100 ms)")
        func performance() throws {
            let kernel = try KernelModuleIndex(modulesDirectory: directory)
            var rng = SeededGenerator(seed: 4096)
            let aliases = (0..<4096).map { i -> Modalias in
                let vendor: UInt16 =
                    i % 2 == 0
                    ? [0x8086, 0x10DE, 0x1002, 0x14E4, 0x15B3, 0x1AF4].randomElement(using: &rng)!
                    : UInt16.random(in: 0...0xFFFF, using: &rng)
                return PCIIdentity(
                    vendor: VendorID(vendor), device: DeviceID(UInt16.random(in: 0...0xFFFF, using: &rng)),
                    subsystemVendor: VendorID(vendor), subsystemDevice: DeviceID(0),
                    classCode: ClassCode([0x020000, 0x010802, 0x0C0330, 0x030000].randomElement(using: &rng)!)!
                ).modalias
            }
            let start = KernelFixtures.monotonicNanoseconds()
            var found = 0
            for alias in aliases { found += kernel.hostDriverCandidates(for: alias).count }
            let middle = KernelFixtures.monotonicNanoseconds()
            for alias in aliases { found += kernel.variantCandidates(for: alias).count }
            let end = KernelFixtures.monotonicNanoseconds()
            let host = Double(middle - start) / 1e6
            let variants = Double(end - middle) / 1e6
            print("4096 hostDriverCandidates: \(host) ms, 4096 variantCandidates: \(variants) ms (\(found) matches)")
            #expect(found >= 4096)
            #if !DEBUG
            #expect(host < 100 && variants < 100)
            #endif
        }
    }
}
