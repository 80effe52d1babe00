/// Whether a module can be used on this kernel.
public enum ModuleAvailability: Hashable, Sendable {
    /// A file listed in modules.dep: modprobe can load it (path is absolute).
    case loadable(path: String)
    /// Listed in modules.builtin: always present, cannot be loaded or unloaded.
    case builtin
    /// Neither: this kernel was built without it.
    case notBuilt
}

/// One alias line: `alias PATTERN MODULE` in modules.alias, or an entry of the builtin alias index.
public struct AliasEntry: Equatable, Sendable {
    public enum Source: Hashable, Sendable {
        /// modules.alias (line numbers refer to it).
        case modulesAlias
        /// modules.builtin.alias.bin: aliases of modules built into the kernel (line is 0).
        case builtinAliasIndex
        /// modules.alias.bin, for an alias depmod indexed whose `alias PATTERN MODULE` line is not in
        /// modules.alias as depmod writes it, or was not looked for (no plan shown; line is 0).
        case modulesAliasIndex
    }

    public var pattern: AliasPattern
    public var module: ModuleName
    public var source: Source
    /// 1-based line in modules.alias; 0 for the binary indexes.
    public var line: Int
    /// The line as written (`alias pci:v... e1000e`), or `MODULE.alias=PATTERN` for a builtin alias.
    public var rawLine: String
    public var location: SourceLocation

    package init(
        pattern: AliasPattern, module: ModuleName, source: Source, line: Int, rawLine: String, location: SourceLocation
    ) {
        self.pattern = pattern
        self.module = module
        self.source = source
        self.line = line
        self.rawLine = rawLine
        self.location = location
    }
}

/// A module whose aliases match a key, with the most specific of its matching entries.
public struct AliasMatch: Equatable, Sendable {
    public var module: ModuleName
    /// The module's most specific matching entry (ties: the earliest line).
    public var entry: AliasEntry
    /// Further entries of the same module that match too (libkmod returns the module once per entry).
    public var otherEntries: [AliasEntry]

    public var pattern: AliasPattern { entry.pattern }
    public var line: Int { entry.line }
    public var location: SourceLocation { entry.location }

    package init(module: ModuleName, entry: AliasEntry, otherEntries: [AliasEntry]) {
        self.module = module
        self.entry = entry
        self.otherEntries = otherEntries
    }
}
