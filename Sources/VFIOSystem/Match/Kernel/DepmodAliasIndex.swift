#if canImport(Glibc)
import Glibc
#endif
import CLinux
import VFIOCore

/// Alias lookups for named devices, answered from depmod's index (modules.alias.bin) the way modprobe
/// answers them, so that one call's work is proportional to the devices it names: planning one
/// hot-plugged device (`apply --device`, `plan DEVICE`) used to read and index the whole 26k-line
/// modules.alias text, most of what such a call cost.
///
/// Each entry found is cited by its line of modules.alias, the text depmod writes from the same
/// aliases (`alias PATTERN MODULE`): the plan names the line that chose a variant driver. An entry
/// the text does not have in that form is cited as the index's (line 0), as are all of them for a
/// command that shows no plan (`apply`), which does not read the text.
///
/// Used only when depmod's pair is consistent: the index is a regular file with a valid header, at
/// least as new as modules.alias. A modules.alias edited after depmod ran, or an index that is
/// missing or damaged, is read the old way: the whole text, with a warning for each line modprobe
/// would skip. Those warnings are not looked for here: depmod writes every line of its text from the
/// aliases it indexes, so its own text has none that matter (an alias with an unmatched bracket is
/// in the text but not the index, which is modprobe's answer too).
struct DepmodAliasIndex: Sendable {
    private let index: KmodIndexFile
    /// modules.alias, where the entries found are cited; nil: they cite the index.
    private var text: [UInt8]?
    private let aliasPath: String
    private let indexPath: String

    /// The index of `directory`, or nil when the text must be read instead (see the type's comment).
    init?(directory: String) {
        aliasPath = directory + "/modules.alias"
        indexPath = directory + "/modules.alias.bin"
        guard let textModified = KernelFiles.regularFileModified(aliasPath),
            let indexModified = KernelFiles.regularFileModified(indexPath),
            indexModified >= textModified,
            let bytes = try? ReadOnlyBytes(contentsOf: indexPath),
            let index = try? KmodIndexFile(bytes)
        else { return nil }
        self.index = index
    }

    /// Entries found from now on are cited by their lines in `text` (modules.alias).
    mutating func cite(in text: [UInt8]) { self.text = text }

    /// The entries whose pattern matches `key`, in libkmod's order: by the value's priority, which
    /// depmod sets to the module's position in modules.order (the order modules.dep lists them in,
    /// which ordering the text's entries reproduces), then by line (those cited by the index last,
    /// in its order). nil when the index turns out to be damaged where the lookup went (the caller
    /// then reads the text).
    func entries(matching key: AliasKey) -> [AliasEntry]? {
        guard let values = try? index.values(matching: key.bytes) else { return nil }
        var found: [(priority: UInt32, offset: Int, entry: AliasEntry)] = []
        var cited: Set<String> = []  // lines already looked for
        for value in values {
            guard let pattern = AliasPattern(value.key), let module = ModuleName(value.value) else { continue }
            let line = "alias \(value.key) \(value.value)"
            let offsets = text.map { lineOffsets(of: Array(line.utf8), in: $0) } ?? []
            if offsets.isEmpty {
                found.append(
                    (
                        value.priority, Int.max,
                        AliasEntry(
                            pattern: pattern, module: module, source: .modulesAliasIndex, line: 0, rawLine: line,
                            location: SourceLocation(file: indexPath, line: 0))
                    ))
                continue
            }
            // A line written twice is two entries, as reading the text makes them; the index holds it
            // once or twice.
            guard cited.insert(line).inserted else { continue }
            for offset in offsets {
                found.append(
                    (
                        value.priority, offset,
                        AliasEntry(
                            pattern: pattern, module: module, source: .modulesAlias, line: 0, rawLine: line,
                            location: SourceLocation(file: aliasPath, line: 0))
                    ))
            }
        }
        // Lines are counted in file order, once over the text.
        var numbered = found.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }
        var counted = (offset: 0, line: 1)
        for i in numbered.indices where numbered[i].element.offset != Int.max {
            let offset = numbered[i].element.offset
            counted.line += newlines(in: counted.offset..<offset)
            counted.offset = offset
            numbered[i].element.entry.line = counted.line
            numbered[i].element.entry.location.line = counted.line
        }
        return numbered.sorted {
            ($0.element.priority, $0.element.offset, $0.offset) < ($1.element.priority, $1.element.offset, $1.offset)
        }.map(\.element.entry)
    }

    /// Where the text has `line` as a whole line.
    private func lineOffsets(of line: [UInt8], in text: [UInt8]) -> [Int] {
        var found: [Int] = []
        text.withUnsafeBytes { text in
            line.withUnsafeBytes { needle in
                guard let base = text.baseAddress, let needleBase = needle.baseAddress else { return }
                var start = 0
                while start < text.count,
                    let hit = vfioctl_find_bytes(base + start, text.count - start, needleBase, needle.count)
                {
                    let offset = base.distance(to: hit)
                    let end = offset + needle.count
                    if (offset == 0 || text[offset - 1] == UInt8(ascii: "\n"))
                        && (end == text.count || text[end] == UInt8(ascii: "\n"))
                    {
                        found.append(offset)
                    }
                    start = offset + 1
                }
            }
        }
        return found
    }

    private func newlines(in range: Range<Int>) -> Int {
        // memchr(3) from line to line: a citation near the end of the file counts most of its 1.3 MB.
        (text ?? []).withUnsafeBytes { text in
            guard let base = text.baseAddress else { return 0 }
            var count = 0
            var start = range.lowerBound
            while start < range.upperBound, let hit = memchr(base + start, 0x0A, range.upperBound - start) {
                count += 1
                start = base.distance(to: UnsafeRawPointer(hit)) + 1
            }
            return count
        }
    }
}
