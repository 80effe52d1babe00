import VFIOCore

/// Which modules exist as files (modules.dep) or are built in (modules.builtin). Planning every
/// device asks about many modules, so the full index builds a dictionary; binding to a named driver
/// or planning a few named devices asks about a handful, and scanning the raw text for those is
/// cheaper than building it (modules.dep has ~4,000 lines: most of a `bind --driver`'s planning time
/// in the TCG test guest, and a third of a `plan DEVICE`'s on the host).
enum ModuleFileTable: Sendable {
    case indexed(files: [ModuleName: ModuleFile], builtins: Set<ModuleName>)
    /// The files' text, searched per question. Malformed lines are skipped without the warnings the
    /// indexed form gives (those are reported by `plan` of every device, which reads the index).
    case raw(directory: String, dep: [UInt8], builtin: [UInt8])

    func file(_ module: ModuleName) -> ModuleFile? {
        switch self {
        case .indexed(let files, _): return files[module]
        case .raw(let directory, let dep, _):
            var order = 0
            var found: ModuleFile?
            Self.forEachLine(dep) { line in
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return true }
                defer { order += 1 }
                guard Self.stem(of: line[..<colon], is: module) else { return true }
                let relative = String(decoding: line[..<colon], as: UTF8.self)
                found = ModuleFile(
                    name: module, relativePath: relative,
                    path: relative.hasPrefix("/") ? relative : directory + "/" + relative, order: order)
                return false
            }
            return found
        }
    }

    func isBuiltin(_ module: ModuleName) -> Bool {
        switch self {
        case .indexed(_, let builtins): return builtins.contains(module)
        case .raw(_, _, let builtin):
            var found = false
            Self.forEachLine(builtin) { line in
                found = Self.stem(of: line, is: module)
                return !found
            }
            return found
        }
    }

    var counts: (loadable: Int, builtin: Int) {
        switch self {
        case .indexed(let files, let builtins): return (files.count, builtins.count)
        case .raw(_, let dep, let builtin):
            var loadable = 0, builtins = 0
            Self.forEachLine(dep) { line in
                if line.contains(UInt8(ascii: ":")) { loadable += 1 }
                return true
            }
            Self.forEachLine(builtin) { _ in
                builtins += 1; return true
            }
            return (loadable, builtins)
        }
    }

    /// Non-empty lines until `body` returns false (no list of them is made: most questions stop early).
    private static func forEachLine(_ bytes: [UInt8], _ body: (ArraySlice<UInt8>) -> Bool) {
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            if end > start, !body(bytes[start..<end]) { return }
            start = end + 1
        }
    }

    /// libkmod's `path_to_modname` compared without allocating: the file name up to its first `.`,
    /// with `-` read as `_`, equals the module name.
    private static func stem(of path: ArraySlice<UInt8>, is module: ModuleName) -> Bool {
        let stem = KernelModuleIndex.moduleStem(ofPath: path)
        let name = module.rawValue.utf8
        guard stem.count == name.count else { return false }
        return zip(stem, name).allSatisfy { ($0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0) == $1 }
    }
}
