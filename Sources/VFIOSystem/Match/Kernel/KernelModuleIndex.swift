#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// A loadable module as modules.dep lists it.
public struct ModuleFile: Hashable, Sendable {
    public var name: ModuleName
    /// As written in modules.dep (`kernel/drivers/vfio/pci/vfio-pci.ko`, possibly compressed).
    public var relativePath: String
    public var path: String
    /// The module's position in modules.dep, which depmod writes in modules.order order: libkmod returns
    /// alias matches sorted by it.
    public var order: Int
}

/// Everything vfioctl needs from `/lib/modules/VERSION`, read once: the `pci:` and `vfio_pci:` aliases of
/// modules.alias (with line numbers; the `pci:` ones only for the vendors of an `AliasScope` when the
/// devices to plan are known), the builtin alias index, which modules exist as files
/// (modules.dep) and which are built in (modules.builtin). No child processes.
///
/// Alias lookups give exactly the answer of libkmod's `kmod_module_new_from_lookup` (what `modprobe -R KEY`
/// prints), without the modprobe.d aliases it consults first (see `resolve(_:config:)` for those):
/// - every matching modules.alias entry, sorted by the module's modules.dep position, one per matching
///   entry (a module with two matching lines comes twice — modprobe prints it twice);
/// - only when none matches, the builtin alias index (modules.builtin.alias.bin, which depmod derives from
///   modules.builtin.modinfo): libkmod stops at the first source that answers. Builtin aliases all have
///   priority 0, so their order is the index's trie order reversed; vfioctl reproduces it.
/// - Planning every device reads the text (for line numbers) and warns when modules.alias.bin is
///   missing, since modprobe then finds no alias at all. Planning named devices (`AliasScope`) asks
///   depmod's index instead, as modprobe does, when it is consistent with the text
///   (`DepmodAliasIndex`): one call's work is then proportional to the devices it names.
///
/// Why not libkmod itself (weighed in issue 17): `kmod_new(dir)`, `kmod_module_new_from_lookup` for a
/// modalias's host drivers and `kmod_module_get_path`/`get_initstate` for availability answer from
/// depmod's binary indexes in microseconds, and it is the library modprobe and `lspci -k` use (the
/// oracle of `scripts/kmod-diff`). But every module tree the tests build (and any `--modules-dir`
/// tree not made by depmod) is text only, which libkmod cannot read, and the plan cites the
/// modules.alias line that chose a variant driver (`modules.alias:LINE`), which libkmod does not
/// expose. So vfioctl reads depmod's index format itself (`KmodIndexFile`, libkmod's wildcard search)
/// where it exists and is current, and the text where it is not: text-only trees, edited ones, and
/// `plan` of every device, which one walk over the text answers faster than thousands of lookups.
public struct KernelModuleIndex: Sendable {
    /// The module directory, `/lib/modules/VERSION`.
    public let directory: String
    /// The directory's name.
    public let kernelVersion: String
    /// `DIRECTORY/modules.alias`, where line numbers point.
    public var aliasFile: String { directory + "/modules.alias" }
    /// Lines skipped and inconsistencies noticed while reading, as `file:line: what`.
    public let warnings: [String]
    /// Alias lines in modules.alias (all buses); 0 when depmod's index answers (the text is not walked).
    public let aliasLineCount: Int
    /// The `pci:` and `vfio_pci:` entries (and any other pattern that could match such keys), in file order;
    /// the `pci:` ones only as far as `scope` reaches; none when depmod's index answers.
    public let entries: [AliasEntry]
    /// Whose `pci:` aliases were read; `pci:` lookups outside it are a programming error.
    public let scope: AliasScope
    /// The builtin alias index entries that could match `pci:` or `vfio_pci:` keys.
    public let builtinEntries: [AliasEntry]

    let moduleFiles: ModuleFileTable
    /// Named devices with depmod's index at hand: lookups go to it, and `entries`, the tables and
    /// `aliasLineCount` are empty (the text is not walked).
    private let depmodIndex: DepmodAliasIndex?
    /// The entries' patterns packed in one buffer, so that matching copies and retains nothing.
    private let patterns: PatternStore
    private let builtinPatterns: PatternStore
    private let pciTable: AliasBuckets
    private let variantTable: AliasBuckets
    private let builtinPCITable: AliasBuckets
    private let builtinVariantTable: AliasBuckets

    /// The running kernel's module directory under `root` (`/lib/modules/$(uname -r)`).
    public static func runningKernelDirectory(root: String = "/") -> String {
        (root.hasSuffix("/") ? root : root + "/") + "lib/modules/" + Uname.release
    }

    /// true for the stand-in used when the running kernel has no module directory (a container, a
    /// kernel booted without its modules package): nothing can be looked up or checked.
    public let isMissing: Bool

    /// The running kernel's module directory does not exist: an index with no aliases and no modules,
    /// so `plan` can still say what it can (rules, vfio-pci) and warn about the rest.
    public init(missing directory: String) {
        self.init(
            withoutAliases: directory, isMissing: true, moduleFiles: .indexed(files: [:], builtins: []),
            warnings: [
                "\(directory) does not exist: kernel aliases are unknown and module availability cannot be checked (install the kernel's modules, or pass --modules-dir)"
            ])
    }

    /// An index with module files but no alias tables.
    private init(withoutAliases directory: String, isMissing: Bool, moduleFiles: ModuleFileTable, warnings: [String]) {
        self.directory = directory
        kernelVersion = String(SysfsPath.lastComponent(directory))
        self.isMissing = isMissing
        self.warnings = warnings
        aliasLineCount = 0
        scope = .everyDevice
        entries = []
        builtinEntries = []
        patterns = PatternStore([])
        builtinPatterns = PatternStore([])
        pciTable = AliasBuckets(prefix: "pci:")
        variantTable = AliasBuckets(prefix: "vfio_pci:")
        builtinPCITable = AliasBuckets(prefix: "pci:")
        builtinVariantTable = AliasBuckets(prefix: "vfio_pci:")
        self.moduleFiles = moduleFiles
        depmodIndex = nil
    }

    /// `aliases: false` reads only which modules exist (modules.dep, modules.builtin): what binding to
    /// a named driver needs, without parsing 26k alias lines (400 ms in the TCG test guest). `scope`
    /// limits the `pci:` entries read to the devices that will be planned. `citations: false` for a
    /// command that shows no plan: with depmod's index at hand, entries cite it and modules.alias is
    /// not read.
    public init(
        modulesDirectory: String, aliases: Bool = true, scope: AliasScope = .everyDevice, citations: Bool = true
    ) throws(VFIOError) {
        var directory = modulesDirectory
        while directory.count > 1 && directory.hasSuffix("/") { directory.removeLast() }
        let kernelVersion = String(SysfsPath.lastComponent(directory))
        var warnings = Warnings()

        guard KernelFiles.isDirectory(directory) else {
            throw .notFound(
                "no kernel modules at \(directory)",
                hint:
                    "install the modules of kernel \(kernelVersion) (Debian: its linux-image package), or name another kernel version"
            )
        }
        let aliasPath = directory + "/modules.alias"
        // Named devices: depmod's index answers, when it is consistent with the text; the text is
        // read only to cite lines.
        var depmodIndex = aliases && scope != .everyDevice ? DepmodAliasIndex(directory: directory) : nil
        let aliasBytes =
            aliases && (depmodIndex == nil || citations) ? try Self.readRequired(aliasPath, version: kernelVersion) : []
        let depBytes = try Self.readRequired(directory + "/modules.dep", version: kernelVersion)
        let builtinBytes = try Self.readOptional(directory + "/modules.builtin")
        // Which modules exist. Planning every device asks about many modules: a dictionary of all of
        // them pays off. A few named devices (or named drivers) ask about a few: their lines are
        // looked up in the text, and the ~4,000-line modules.dep is not made into records.
        let moduleFiles: ModuleFileTable
        if aliases && scope == .everyDevice {
            moduleFiles = Self.indexedModuleFiles(
                directory: directory, dep: depBytes, builtin: builtinBytes, warnings: &warnings)
        } else {
            if builtinBytes == nil { warnings.add(Self.builtinUnreadable(directory)) }
            moduleFiles = .raw(directory: directory, dep: depBytes, builtin: builtinBytes ?? [])
        }
        guard aliases else {
            self = KernelModuleIndex(
                withoutAliases: directory, isMissing: false, moduleFiles: moduleFiles, warnings: warnings.lines)
            return
        }
        isMissing = false
        self.directory = directory
        self.kernelVersion = kernelVersion
        self.scope = scope

        // The index's entries are cited by their lines of the text, which must be text as the walk
        // below requires.
        if depmodIndex != nil && citations {
            if let nulLine = KernelFiles.lineOfFirstNUL(aliasBytes) { throw Self.nulByte(aliasPath, line: nulLine) }
            depmodIndex?.cite(in: aliasBytes)
        }

        // modules.alias. Most lines concern other buses or, for named devices, other vendors: they are
        // only checked for what would make modprobe ignore them.
        var entries: [AliasEntry] = []
        var pciTable = AliasBuckets(prefix: "pci:")
        var variantTable = AliasBuckets(prefix: "vfio_pci:")
        var aliasLines = 0
        var moduleNames: [String: ModuleName] = [:]  // most modules have many lines
        let nulLine = AliasFileLine.forEach(in: depmodIndex == nil ? aliasBytes : []) { line in
            let number = line.number
            guard let keyword = line.keyword, aliasBytes[keyword.lowerBound] != UInt8(ascii: "#") else { return }
            guard let (patternRange, moduleRange) = line.alias(in: aliasBytes) else {
                warnings.add("\(aliasPath):\(number): skipped: not `alias PATTERN MODULE`")
                return
            }
            aliasLines += 1
            // Most patterns are of other buses: their first byte rules them out.
            let first = aliasBytes[patternRange.lowerBound]
            let patternBytes = aliasBytes[patternRange]
            let relevantToPCI =
                pciTable.couldStart(with: first) && pciTable.couldMatch(rawPattern: patternBytes)
                && scope.includes(patternVendor: AliasBuckets.hostDriverVendor(ofPattern: patternBytes))
            let relevantToVariants =
                variantTable.couldStart(with: first) && variantTable.couldMatch(rawPattern: patternBytes)
            guard relevantToPCI || relevantToVariants else {
                // Only a bracket makes normalisation fail: the check costs no copy for other lines.
                if line.patternHasBracket, normalizeAlias(Array(patternBytes)) == nil {
                    warnings.add(
                        "\(aliasPath):\(number): unmatched bracket: depmod leaves this alias out of modules.alias.bin, so modprobe never uses it"
                    )
                }
                return
            }
            guard let pattern = AliasPattern(String(decoding: patternBytes, as: UTF8.self)) else {
                warnings.add(
                    "\(aliasPath):\(number): unmatched bracket: depmod leaves this alias out of modules.alias.bin, so modprobe never uses it"
                )
                return
            }
            let moduleText = String(decoding: aliasBytes[moduleRange], as: UTF8.self)
            guard let module = moduleNames[moduleText] ?? ModuleName(moduleText) else {
                warnings.add("\(aliasPath):\(number): skipped: `\(moduleText)` is not a module name")
                return
            }
            moduleNames[moduleText] = module
            let index = Int32(entries.count)
            entries.append(
                AliasEntry(
                    pattern: pattern, module: module, source: .modulesAlias, line: number,
                    rawLine: String(decoding: aliasBytes[line.bytes], as: UTF8.self),
                    location: SourceLocation(file: aliasPath, line: number)))
            if relevantToPCI { pciTable.insert(index, pattern) }
            if relevantToVariants { variantTable.insert(index, pattern) }
        }
        if let nulLine { throw Self.nulByte(aliasPath, line: nulLine) }
        if depmodIndex == nil && !KernelFiles.exists(directory + "/modules.alias.bin") {
            warnings.add(
                "\(directory)/modules.alias.bin: missing: modprobe reads only this index, so it finds no alias until `depmod \(kernelVersion)` runs"
            )
        }

        // The builtin alias index.
        var builtinEntries: [AliasEntry] = []
        var builtinPCITable = AliasBuckets(prefix: "pci:")
        var builtinVariantTable = AliasBuckets(prefix: "vfio_pci:")
        let builtinIndexPath = directory + "/modules.builtin.alias.bin"
        if let bytes = try Self.readOptional(builtinIndexPath) {
            do throws(KmodIndexFile.Failure) {
                for value in try KmodIndexFile.entries(bytes) {
                    let keyBytes = Array(value.key.utf8)
                    let relevantToPCI =
                        builtinPCITable.couldMatch(rawPattern: keyBytes[...])
                        && (depmodIndex != nil
                            || scope.includes(patternVendor: AliasBuckets.hostDriverVendor(ofPattern: keyBytes[...])))
                    let relevantToVariants = builtinVariantTable.couldMatch(rawPattern: keyBytes[...])
                    guard relevantToPCI || relevantToVariants,
                        let pattern = AliasPattern(value.key), let module = ModuleName(value.value)
                    else { continue }
                    let index = Int32(builtinEntries.count)
                    builtinEntries.append(
                        AliasEntry(
                            pattern: pattern, module: module, source: .builtinAliasIndex, line: 0,
                            rawLine: "\(module).alias=\(value.key)",
                            location: SourceLocation(file: builtinIndexPath, line: 0)))
                    if relevantToPCI { builtinPCITable.insert(index, pattern) }
                    if relevantToVariants { builtinVariantTable.insert(index, pattern) }
                }
            } catch {
                warnings.add(
                    "\(builtinIndexPath): unreadable index (\(error)): builtin aliases ignored, as modprobe would")
            }
        } else if let modinfo = try Self.readOptional(directory + "/modules.builtin.modinfo"),
            modinfo.split(separator: 0).contains(where: { Self.isBuiltinAliasRecord($0) })
        {
            warnings.add(
                "\(builtinIndexPath): missing while modules.builtin.modinfo lists aliases: modprobe ignores builtin aliases until `depmod \(kernelVersion)` runs"
            )
        }

        self.moduleFiles = moduleFiles
        self.depmodIndex = depmodIndex
        self.entries = entries
        self.builtinEntries = builtinEntries
        self.patterns = PatternStore(entries.map(\.pattern))
        self.builtinPatterns = PatternStore(builtinEntries.map(\.pattern))
        self.pciTable = pciTable
        self.variantTable = variantTable
        self.builtinPCITable = builtinPCITable
        self.builtinVariantTable = builtinVariantTable
        self.aliasLineCount = aliasLines
        self.warnings = warnings.lines
    }

    // MARK: Lookups

    /// Host drivers udev would load for the device: every `pci:` alias entry matching its modalias, one
    /// match per module, in libkmod's order (the builtin alias index only when modules.alias has none).
    public func hostDriverCandidates(for modalias: Modalias) -> [AliasMatch] {
        Self.grouped(pciLookup(AliasKey(hostDriverKeyFor: modalias)))
    }

    /// VFIO variant drivers declared for the device: every `vfio_pci:` alias entry matching
    /// `vfio_pci:` + its modalias without `pci:`, one match per module, in libkmod's order. The generic
    /// `vfio_pci` module is among them when the kernel declares its catch-all alias.
    public func variantCandidates(for modalias: Modalias) -> [AliasMatch] {
        Self.grouped(lookup(AliasKey(variantKeyFor: modalias), variantTable, builtinVariantTable))
    }

    /// Every entry libkmod's alias lookup returns for `key`, duplicates included, in its order; nil for a
    /// key that is neither `pci:` nor `vfio_pci:` (only those are indexed).
    public func aliasLookup(_ key: AliasKey) -> [AliasEntry]? {
        if key.bytes.starts(with: pciTable.prefix) { return pciLookup(key) }
        if key.bytes.starts(with: variantTable.prefix) { return lookup(key, variantTable, builtinVariantTable) }
        return nil
    }

    /// The modules `modprobe -R KEY` prints (duplicates included): modprobe.d aliases first (fnmatch over
    /// the whole key; when any matches, nothing else is consulted), then `aliasLookup`. nil for keys that
    /// are neither `pci:` nor `vfio_pci:`.
    public func resolve(_ key: AliasKey, config: ModprobeConfig) -> [ModuleName]? {
        let configured = config.aliases(matching: key)
        if !configured.isEmpty { return configured.compactMap { ModuleName($0.value) } }
        return aliasLookup(key)?.map(\.module)
    }

    /// Whether the module exists on this kernel and how.
    public func availability(of module: ModuleName) -> ModuleAvailability {
        if let file = moduleFiles.file(module) { return .loadable(path: file.path) }
        if moduleFiles.isBuiltin(module) { return .builtin }
        return .notBuilt
    }

    /// The module's modules.dep entry, when it is a loadable module.
    public func moduleFile(_ module: ModuleName) -> ModuleFile? { moduleFiles.file(module) }

    /// How many modules modules.dep and modules.builtin list.
    public var moduleCount: (loadable: Int, builtin: Int) { moduleFiles.counts }

    // MARK: Internals

    /// A `pci:` lookup. From the text, a key outside the scope would silently miss the entries not
    /// read: the caller must name every device it plans when it builds the index.
    private func pciLookup(_ key: AliasKey) -> [AliasEntry] {
        precondition(
            depmodIndex != nil || scope.covers(key: key.bytes),
            "\(key) is outside the devices the module index was read for")
        return lookup(key, pciTable, builtinPCITable)
    }

    private func lookup(_ key: AliasKey, _ table: AliasBuckets, _ builtinTable: AliasBuckets) -> [AliasEntry] {
        if let depmodIndex {
            guard let found = depmodIndex.entries(matching: key) else {
                // Damaged where this lookup went: the text answers, as it does without an index.
                return (try? KernelModuleIndex(modulesDirectory: directory))?.aliasLookup(key) ?? []
            }
            if !found.isEmpty { return found }  // already in libkmod's order
        } else {
            let found = patterns.matching(key, candidates: table)
            if !found.isEmpty {
                // The modules.dep position of each entry found (a few per key).
                let ordered = found.map { (moduleFiles.file(entries[Int($0)].module)?.order ?? Int.max, $0) }
                return ordered.sorted { $0 < $1 }.map { entries[Int($0.1)] }
            }
        }
        let builtin = builtinPatterns.matching(key, candidates: builtinTable)
        return builtin.sorted(by: builtinDiscoveredLater).map { builtinEntries[Int($0)] }
    }

    /// The order libkmod returns builtin aliases in. depmod gives every builtin alias priority 0, and
    /// libkmod's result list puts each new value before the equal-priority ones it has: the result is the
    /// trie walk's discovery order reversed. The walk follows the key and, at each position, first visits
    /// the patterns with `*`, `?`, `[` there (each subtree depth-first in byte order, a node's own values
    /// after its children), so patterns whose first wildcard comes earlier are found earlier; an exact
    /// pattern is found last; values of one pattern in their stored order.
    private func builtinDiscoveredLater(_ a: Int32, _ b: Int32) -> Bool {
        let pa = builtinEntries[Int(a)].pattern
        let pb = builtinEntries[Int(b)].pattern
        if pa.literalPrefixLength != pb.literalPrefixLength { return pa.literalPrefixLength > pb.literalPrefixLength }
        let sa = pa.bytes[pa.literalPrefixLength...]
        let sb = pb.bytes[pb.literalPrefixLength...]
        for (x, y) in zip(sa, sb) where x != y { return x > y }
        if sa.count != sb.count { return sa.count < sb.count }  // a prefix of another pattern is found after it
        return a > b
    }

    /// One match per module, in first-appearance order, represented by its most specific entry.
    static func grouped(_ entries: [AliasEntry]) -> [AliasMatch] {
        var result: [AliasMatch] = []
        var position: [ModuleName: Int] = [:]
        for entry in entries {
            guard let i = position[entry.module] else {
                position[entry.module] = result.count
                result.append(AliasMatch(module: entry.module, entry: entry, otherEntries: []))
                continue
            }
            let current = result[i].entry
            if (entry.pattern.specificity, -entry.line) > (current.pattern.specificity, -current.line) {
                result[i].otherEntries.append(current)
                result[i].entry = entry
            } else {
                result[i].otherEntries.append(entry)
            }
        }
        return result
    }

    /// modules.dep and modules.builtin as a dictionary of every module, in libkmod's priority order.
    private static func indexedModuleFiles(
        directory: String, dep: [UInt8], builtin: [UInt8]?, warnings: inout Warnings
    ) -> ModuleFileTable {
        var modules: [ModuleName: ModuleFile] = [:]
        var names: [String: ModuleName] = [:]
        var order = 0
        KernelFiles.forEachLine(dep) { number, line in
            guard !line.isEmpty else { return }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")),
                let name = Self.moduleName(fromPath: line[..<colon], cache: &names)
            else {
                warnings.add("\(directory)/modules.dep:\(number): skipped: not `PATH: DEPENDENCIES`")
                return
            }
            // The dependency list after the colon is left to modprobe, which loads it.
            let relative = String(decoding: line[..<colon], as: UTF8.self)
            if modules[name] == nil {
                modules[name] = ModuleFile(
                    name: name, relativePath: relative,
                    path: relative.hasPrefix("/") ? relative : directory + "/" + relative,
                    order: order)
                order += 1
            }
        }
        var builtins: Set<ModuleName> = []
        if let builtin {
            KernelFiles.forEachLine(builtin) { _, line in
                if !line.isEmpty, let name = Self.moduleName(fromPath: line, cache: &names) { builtins.insert(name) }
            }
        } else {
            warnings.add(builtinUnreadable(directory))
        }
        return .indexed(files: modules, builtins: builtins)
    }

    private static func nulByte(_ path: String, line: Int) -> VFIOError {
        .usage("\(path):\(line): a NUL byte: this is not a text modules.alias file")
    }

    private static func builtinUnreadable(_ directory: String) -> String {
        "\(directory)/modules.builtin: cannot be read: built-in modules will be reported as not built"
    }

    private static func readRequired(_ path: String, version: String) throws(VFIOError) -> [UInt8] {
        do throws(FileReadError) {
            return try TextFile.bytes(path)
        } catch {
            if error.errno == ENOENT {
                throw .notFound("\(path) does not exist", hint: "run `depmod \(version)` to create the module indexes")
            }
            throw error.vfioError(reading: "the module index")
        }
    }

    /// nil when the file cannot be read (the caller warns and goes on, as modprobe would); a file
    /// of the wrong kind or size is an error: something made it so on purpose.
    private static func readOptional(_ path: String) throws(VFIOError) -> [UInt8]? {
        do throws(FileReadError) {
            return try TextFile.bytes(path)
        } catch {
            if case .system = error.reason { return nil }
            throw error.vfioError(reading: "the module index")
        }
    }

    /// libkmod's `path_to_modname`: the file name up to its first `.`, `-` normalised to `_`.
    static func moduleName(fromPath path: ArraySlice<UInt8>) -> ModuleName? {
        var cache: [String: ModuleName] = [:]
        return moduleName(fromPath: path, cache: &cache)
    }

    /// The same, remembering names already made (modules.dep names each module many times).
    static func moduleName(fromPath path: ArraySlice<UInt8>, cache: inout [String: ModuleName]) -> ModuleName? {
        let stem = moduleStem(ofPath: path)
        guard !stem.isEmpty else { return nil }
        let text = String(decoding: stem, as: UTF8.self)
        if let known = cache[text] { return known }
        let name = ModuleName(text)
        if let name { cache[text] = name }
        return name
    }

    /// The part of a module file's path that names the module: the file name up to its first `.`.
    static func moduleStem(ofPath path: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let base = path.lastIndex(of: UInt8(ascii: "/")).map { path[($0 + 1)...] } ?? path
        return base.prefix { $0 != UInt8(ascii: ".") }
    }

    private static func isBuiltinAliasRecord(_ record: ArraySlice<UInt8>) -> Bool {
        guard let dot = record.firstIndex(of: UInt8(ascii: ".")) else { return false }
        return record[(dot + 1)...].starts(with: "alias=".utf8)
    }
}

/// Collects warnings, keeping the list readable when a file is badly damaged.
private struct Warnings {
    private(set) var lines: [String] = []
    private var dropped = 0
    private static let limit = 50

    mutating func add(_ line: String) {
        if lines.count < Self.limit {
            lines.append(line)
        } else {
            dropped += 1
            let summary = "... and \(dropped) more warnings"
            if dropped == 1 { lines.append(summary) } else { lines[lines.count - 1] = summary }
        }
    }
}

/// Alias patterns packed into one byte buffer, matched with libkmod's semantics.
struct PatternStore: Sendable {
    private struct Span: Sendable {
        var start: Int32
        var literalCount: Int32
        /// Just past the pattern's terminating NUL.
        var end: Int32
    }

    private let bytes: [UInt8]
    private let spans: [Span]

    init(_ patterns: [AliasPattern]) {
        var bytes: [UInt8] = []
        var spans: [Span] = []
        spans.reserveCapacity(patterns.count)
        for pattern in patterns {
            let start = Int32(bytes.count)
            bytes += pattern.bytes
            bytes.append(0)  // each pattern a C string, for fnmatch(3)
            spans.append(Span(start: start, literalCount: Int32(pattern.literalPrefixLength), end: Int32(bytes.count)))
        }
        self.bytes = bytes
        self.spans = spans
    }

    /// Indexes of the candidate patterns that match, in candidate order.
    func matching(_ key: AliasKey, candidates: AliasBuckets) -> [Int32] {
        var found: [Int32] = []
        bytes.withUnsafeBufferPointer { all in
            spans.withUnsafeBufferPointer { spans in
                key.cString.withUnsafeBufferPointer { key in
                    candidates.forEachCandidate(key) { index in
                        let span = spans[Int(index)]
                        let pattern = UnsafeBufferPointer(rebasing: all[Int(span.start)..<Int(span.end)])
                        if AliasPattern.libkmodMatches(
                            pattern: pattern, literalPrefixLength: Int(span.literalCount), key: key)
                        {
                            found.append(index)
                        }
                    }
                }
            }
        }
        return found
    }
}

/// A pure prefilter over the alias entries that could match keys starting with one prefix (`pci:` or
/// `vfio_pci:`). libkmod compares a pattern's bytes before its first wildcard literally, so a pattern
/// whose literal part spells out the vendor (and device) can only match keys with those exact bytes:
/// such patterns are filed under the values, everything else that could match is in `unbucketed`.
/// `forEachCandidate` yields a superset of the matching entries; matching decides.
struct AliasBuckets: Sendable {
    let prefix: [UInt8]
    private var byVendorDevice: [UInt64: [Int32]] = [:]
    private var byVendor: [UInt32: [Int32]] = [:]
    private var unbucketed: [Int32] = []

    init(prefix: String) { self.prefix = Array(prefix.utf8) }

    /// Whether a pattern (as written, before normalisation) could match any key starting with the
    /// prefix: its literal part must agree with the prefix as far as both go.
    func couldMatch(rawPattern: ArraySlice<UInt8>) -> Bool {
        var i = rawPattern.startIndex
        for expected in prefix {
            guard i < rawPattern.endIndex else { return false }  // the pattern ends before the key does
            var b = rawPattern[i]
            if isWildcardStart(b) { return true }
            if b == UInt8(ascii: "-") { b = UInt8(ascii: "_") }
            if b != expected { return false }
            i += 1
        }
        return true
    }

    /// Whether a pattern starting with this byte could match a key starting with the prefix: the
    /// cheap part of `couldMatch`, for the many patterns of other buses.
    func couldStart(with first: UInt8) -> Bool {
        isWildcardStart(first) || first == prefix[0]
    }

    mutating func insert(_ index: Int32, _ pattern: AliasPattern) {
        switch ids(pattern.bytes, literalCount: pattern.literalPrefixLength) {
        case .vendorDevice(let v, let d): byVendorDevice[UInt64(v) << 32 | UInt64(d), default: []].append(index)
        case .vendor(let v): byVendor[v, default: []].append(index)
        case .neither: unbucketed.append(index)
        }
    }

    func forEachCandidate(_ key: UnsafeBufferPointer<UInt8>, _ body: (Int32) -> Void) {
        let kind = ids(key, literalCount: key.count)
        switch kind {
        case .vendorDevice(let v, let d):
            byVendorDevice[UInt64(v) << 32 | UInt64(d)]?.forEach(body)
            byVendor[v]?.forEach(body)
        case .vendor(let v):
            byVendor[v]?.forEach(body)
        case .neither:
            break
        }
        unbucketed.forEach(body)
    }

    private enum IDs { case vendorDevice(UInt32, UInt32), vendor(UInt32), neither }

    /// The vendor a `pci:` key (a device's modalias) names.
    static func hostDriverVendor(ofKey key: [UInt8]) -> UInt32? {
        hostDriverPrefix.vendor(key[...], literalCount: key.count)
    }

    /// The vendor a `pci:` pattern (as written) spells out before its first wildcard; nil when its
    /// vendor field is not all literal. Only `pci:vVVVVVVVV` is looked at: what follows the vendor
    /// field cannot change it.
    static func hostDriverVendor(ofPattern pattern: ArraySlice<UInt8>) -> UInt32? {
        let head = pattern.prefix(hostDriverPrefix.prefix.count + 9)
        let literalCount = (head.firstIndex(where: isWildcardStart) ?? head.endIndex) - head.startIndex
        return hostDriverPrefix.vendor(head, literalCount: literalCount)
    }

    /// The empty table of `pci:` entries, whose prefix reads the IDs of host driver keys and patterns.
    private static let hostDriverPrefix = AliasBuckets(prefix: "pci:")

    private func vendor(_ bytes: some RandomAccessCollection<UInt8>, literalCount: Int) -> UInt32? {
        switch ids(bytes, literalCount: literalCount) {
        case .vendorDevice(let v, _), .vendor(let v): return v
        case .neither: return nil
        }
    }

    /// Reads `PREFIX v XXXXXXXX d XXXXXXXX` (upper-case hex, as file2alias and the kernel write them) from
    /// the first `literalCount` bytes.
    private func ids(_ bytes: some RandomAccessCollection<UInt8>, literalCount: Int) -> IDs {
        let v = prefix.count
        let b = bytes.startIndex
        guard literalCount >= v + 9, bytes.starts(with: prefix),
            bytes[bytes.index(b, offsetBy: v)] == UInt8(ascii: "v"),
            let vendor = Self.hex8(bytes, at: v + 1)
        else { return .neither }
        guard literalCount >= v + 18, bytes[bytes.index(b, offsetBy: v + 9)] == UInt8(ascii: "d"),
            let device = Self.hex8(bytes, at: v + 10)
        else {
            return .vendor(vendor)
        }
        return .vendorDevice(vendor, device)
    }

    private static func hex8(_ bytes: some RandomAccessCollection<UInt8>, at start: Int) -> UInt32? {
        var value: UInt32 = 0
        for i in start..<(start + 8) {
            let b = bytes[bytes.index(bytes.startIndex, offsetBy: i)]
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = value << 4 | UInt32(b - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }
        return value
    }
}
