/// Minimal text edits of a desired-state file (docs/state-file.md), which people write and comment
/// by hand: one device's `[[device]]` entry is replaced, appended or removed, and every other byte of
/// the file (comments, order, spacing, line endings, other entries) stays as it was.
///
/// Entries are found through the TOML parser, never by scanning text: a `[[device]]` inside a
/// multi-line string is not a header, and an address written as `01:00.0` is the same device as
/// `0000:01:00.0`. Only entries written as `[[device]]` tables can be edited; an entry of the same
/// device written inline (`device = [{ ... }]`) is refused with its line, to be edited by hand.
public enum StateFileEdit {
    /// What `persist add` writes for one device.
    public struct DeviceEntry: Sendable, Equatable {
        public var address: PCIAddress
        public var vendor: VendorID
        public var device: DeviceID
        public var wanted: DesiredState.Wanted
        /// `owner`/`mode` (`bind --save --owner`): names are of the portable form, safe in a TOML string.
        public var owner: OwnerSpec?
        public var mode: NodeMode?

        public init(
            address: PCIAddress, vendor: VendorID, device: DeviceID, wanted: DesiredState.Wanted,
            owner: OwnerSpec? = nil, mode: NodeMode? = nil
        ) {
            self.address = address
            self.vendor = vendor
            self.device = device
            self.wanted = wanted
            self.owner = owner
            self.mode = mode
        }

        func lines() -> [String] {
            let want: String =
                switch wanted {
                case .vfio: "state = \"vfio\""
                case .stub: "state = \"stub\""
                case .host: "state = \"host\""
                case .driver(let name): "driver = \"\(name)\""
                }
            return ["[[device]]", "address = \"\(address)\"", "vendor = \"\(vendor)\"", "device = \"\(device)\"", want]
                + (owner.map { ["owner = \"\($0)\""] } ?? []) + (mode.map { ["mode = \"\($0)\""] } ?? [])
        }
    }

    /// The text with `entry` in place of the address entry of its device (at the same place), or
    /// appended when there is none; nil when the file already says exactly that.
    public static func setting(_ entry: DeviceEntry, in text: String, file: String) throws(VFIOError) -> String? {
        let document = try Document(text, file: file)
        let existing = try document.addressEntries(of: entry.address)
        if let current = existing.first, existing.count == 1,
            case .address(_, let expected) = current.entry.selector,
            expected.vendor == entry.vendor, expected.device == entry.device, expected.subsystemVendor == nil,
            current.entry.wanted == entry.wanted, current.entry.virtualFunctions == nil,
            current.entry.owner == entry.owner, current.entry.mode == entry.mode
        {
            return nil
        }
        var lines = document.lines
        let newLines = entry.lines().map { $0 + document.lineEnding }
        if let current = existing.first {
            // The entry's own lines are replaced; its comments above stay, as they describe the device.
            let span = document.body(of: current.headerIndex)
            lines.replaceSubrange(span, with: newLines)
        } else {
            // ("\r\n" is one Character: hasSuffix("\n") is false for it.)
            if let last = lines.last, last.last != "\n", last.last != "\r\n" {
                lines[lines.count - 1] = last + document.lineEnding
            }
            if let last = lines.last, !last.trimmingWhitespace.isEmpty { lines.append(document.lineEnding) }
            lines += newLines
        }
        return try checked(lines.joined(), file: file)
    }

    /// The text without the address entry of `address` (its lines and the comment lines right above
    /// it); nil when the file has none.
    public static func removing(_ address: PCIAddress, from text: String, file: String) throws(VFIOError) -> String? {
        let document = try Document(text, file: file)
        guard let current = try document.addressEntries(of: address).first else { return nil }
        var lines = document.lines
        var span = document.body(of: current.headerIndex)
        // Comment lines directly above the header (no blank line between) describe this entry.
        var start = span.lowerBound
        while start > 0, lines[start - 1].trimmingWhitespace.hasPrefix("#") { start -= 1 }
        // One blank line before it goes too, so entries stay one blank line apart.
        if start > 0, lines[start - 1].trimmingWhitespace.isEmpty,
            span.upperBound == lines.count || lines[span.upperBound].trimmingWhitespace.isEmpty
        {
            start -= 1
        }
        span = start..<span.upperBound
        lines.removeSubrange(span)
        return try checked(lines.joined(), file: file)
    }

    /// An edit never produces a file `apply` would refuse.
    private static func checked(_ text: String, file: String) throws(VFIOError) -> String {
        _ = try DesiredState.parse(text, file: file)
        return text
    }

    struct Document {
        /// Each line with its line break (the last may have none).
        let lines: [String]
        let lineEnding: String
        let state: DesiredState
        let headerLines: [Int]
        let file: String

        init(_ text: String, file: String) throws(VFIOError) {
            state = try DesiredState.parse(text, file: file)
            do throws(TOMLError) {
                headerLines = try TOMLParser.parseWithHeaders(text).headerLines
            } catch {
                throw error.located(in: file)
            }
            var lines: [String] = []
            var current = ""
            for character in text {
                current.append(character)
                // "\r\n" is one Character in Swift.
                if character == "\n" || character == "\r\n" {
                    lines.append(current)
                    current = ""
                }
            }
            if !current.isEmpty { lines.append(current) }
            self.lines = lines
            lineEnding = text.contains("\r\n") ? "\r\n" : "\n"
            self.file = file
        }

        /// The address entries of `address` with the index of their header line; an entry that is not
        /// a `[[device]]` table of its own is an error.
        func addressEntries(of address: PCIAddress) throws(VFIOError) -> [(entry: DesiredState.Entry, headerIndex: Int)]
        {
            var found: [(DesiredState.Entry, Int)] = []
            for entry in state.entries {
                guard case .address(let entryAddress, _) = entry.selector, entryAddress == address else { continue }
                let line = entry.location.line
                guard headerLines.contains(line), line - 1 < lines.count,
                    lines[line - 1].trimmingWhitespace.hasPrefix("[[")
                else {
                    throw VFIOError(
                        .usage,
                        "\(file):\(line): the entry for \(address) is not a [[device]] table of its own (an inline table?); edit the file by hand"
                    )
                }
                found.append((entry, line - 1))
            }
            return found
        }

        /// The header line of an entry through its last line that is not a comment or blank: up to
        /// the next header, without the comments and blank lines that lead into it.
        func body(of headerIndex: Int) -> Range<Int> {
            let next = headerLines.first { $0 - 1 > headerIndex }.map { $0 - 1 } ?? lines.count
            var end = next
            while end > headerIndex + 1 {
                let trimmed = lines[end - 1].trimmingWhitespace
                guard trimmed.isEmpty || trimmed.hasPrefix("#") else { break }
                end -= 1
            }
            return headerIndex..<end
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks (what TOML calls whitespace).
    var trimmingWhitespace: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[first...last]
    }
}
