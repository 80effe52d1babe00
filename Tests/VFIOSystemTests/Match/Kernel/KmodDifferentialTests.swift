import Testing
@testable import VFIOCore
@testable import VFIOSystem

extension MatchKernelTests {
    /// The Swift half of scripts/kmod-diff/run.sh: compares `KernelModuleIndex` with libkmod's answers for
    /// every key the script produced. Runs only when the script sets KMOD_DIFF_DIR.
    @Suite(
        "KmodDifferential: KernelModuleIndex vs libkmod",
        .enabled(if: KernelFixtures.environment("KMOD_DIFF_DIR") != nil))
    struct KmodDifferentialTests {
        private struct Outcome {
            var keys = 0, withMatches = 0, duplicates = 0, groupedMismatches = 0
            var mismatches: [String] = []
            var loadMilliseconds = 0.0, lookupMilliseconds = 0.0
        }

        /// Resolves every key of `oracleFile` (`KEY<TAB>MODULES`, as kmod-resolve prints) like `modprobe -R`
        /// and compares: same modules, same order, same duplicates.
        private func compare(oracleFile: String, modules: String) throws -> (KernelModuleIndex, Outcome) {
            let oracleText = String(decoding: try TextFile.bytes(oracleFile), as: UTF8.self)
            var outcome = Outcome()
            var start = KernelFixtures.monotonicNanoseconds()
            let kernel = try KernelModuleIndex(modulesDirectory: modules)
            let cmdline = (try? TextFile.bytes("/proc/cmdline")).map { String(decoding: $0, as: UTF8.self) }
            let config = try ModprobeConfig(kernelCommandLine: cmdline)
            outcome.loadMilliseconds = Double(KernelFixtures.monotonicNanoseconds() - start) / 1e6
            start = KernelFixtures.monotonicNanoseconds()
            for line in oracleText.split(separator: "\n") {
                let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard parts.count == 2 else { continue }
                outcome.keys += 1
                let expected = parts[1].split(separator: " ").map(String.init)
                if !expected.isEmpty { outcome.withMatches += 1 }
                if Set(expected).count != expected.count { outcome.duplicates += 1 }
                guard let key = AliasKey(String(parts[0])),
                    let ours = kernel.resolve(key, config: config)?.map(\.rawValue)
                else {
                    outcome.mismatches.append("\(parts[0]): not a pci:/vfio_pci: key")
                    continue
                }
                if ours != expected {
                    outcome.mismatches.append(
                        "\(parts[0]): vfioctl [\(ours.joined(separator: " "))] libkmod [\(expected.joined(separator: " "))]"
                    )
                }
                // The one-per-module API keeps libkmod's order (when no modprobe.d alias intervenes).
                if let alias = Modalias(String(parts[0])), config.aliases(matching: key).isEmpty {
                    var seen: Set<String> = []
                    let unique = expected.filter { seen.insert($0).inserted }
                    if kernel.hostDriverCandidates(for: alias).map(\.module.rawValue) != unique {
                        outcome.groupedMismatches += 1
                    }
                }
            }
            outcome.lookupMilliseconds = Double(KernelFixtures.monotonicNanoseconds() - start) / 1e6
            return (kernel, outcome)
        }

        @Test("every key of the pci.ids corpus resolves exactly as modprobe -R does on the real kernel")
        func realKernel() throws {
            let dir = KernelFixtures.environment("KMOD_DIFF_DIR")!
            let modules = KernelFixtures.environment("KMOD_DIFF_MODULES") ?? KernelFixtures.installedKernelDirectory()!
            let identities = try KernelFiles.lines(TextFile.bytes(dir + "/corpus.txt")).count
            let (kernel, outcome) = try compare(oracleFile: dir + "/oracle.tsv", modules: modules)
            print(
                "kmod-diff: kernel \(kernel.kernelVersion): \(identities) identities, \(outcome.keys) keys (pci: and vfio_pci:), \(outcome.withMatches) with matches, \(outcome.duplicates) where libkmod lists a module twice; \(outcome.mismatches.count) mismatches, \(outcome.groupedMismatches) in hostDriverCandidates"
            )
            print(
                "kmod-diff: Swift (debug build) index load \(Int(outcome.loadMilliseconds)) ms, \(outcome.keys) resolves + \(outcome.keys / 2) hostDriverCandidates in \(Int(outcome.lookupMilliseconds)) ms"
            )
            for mismatch in outcome.mismatches.prefix(20) { print("kmod-diff: MISMATCH \(mismatch)") }
            #expect(outcome.keys > 10_000)
            #expect(outcome.mismatches.count == 0, "\(outcome.mismatches.prefix(5))")
            #expect(outcome.groupedMismatches == 0)
        }

        @Test(
            "odd builtin aliases (backslash, '-', brackets, '?', catch-all) resolve as modprobe -R does",
            .enabled(if: KernelFixtures.environment("KMOD_DIFF_SYNTHETIC_MODULES") != nil))
        func syntheticKernel() throws {
            let dir = KernelFixtures.environment("KMOD_DIFF_DIR")!
            let modules = KernelFixtures.environment("KMOD_DIFF_SYNTHETIC_MODULES")!
            let (kernel, outcome) = try compare(oracleFile: dir + "/synthetic-oracle.tsv", modules: modules)
            print(
                "kmod-diff: synthetic tree: \(outcome.keys) keys, \(outcome.withMatches) with matches, \(kernel.builtinEntries.count) builtin aliases indexed; \(outcome.mismatches.count) mismatches, \(outcome.groupedMismatches) in hostDriverCandidates"
            )
            for mismatch in outcome.mismatches.prefix(20) { print("kmod-diff: MISMATCH \(mismatch)") }
            #expect(outcome.keys > 1_000)
            #expect(outcome.mismatches.count == 0, "\(outcome.mismatches.prefix(5))")
            #expect(outcome.groupedMismatches == 0)
        }
    }
}
