import VFIOCore

/// Reader for kmod's binary index files (`modules.alias.bin`, `modules.builtin.alias.bin`, ...): a trie
/// of NUL-terminated keys, each node holding an optional prefix, children and values. Format (big
/// endian): magic 0xB007F457, version 0x0002000x, root node offset; a node offset's top bits say which
/// parts the node has (0x80000000 prefix, 0x40000000 values, 0x20000000 children).
///
/// The file is trusted no more than any other file of a `--modules-dir` tree: every offset is checked
/// against its size, and a walk that visits more nodes than the file has bytes (a cycle) or builds a
/// pattern longer than `patternLimit` stops with `.truncated`.
struct KmodIndexFile: Sendable {
    struct Value: Equatable {
        var key: String
        var value: String
        var priority: UInt32
    }

    enum Failure: Error, Equatable {
        case badMagic, badVersion, truncated
    }

    /// Kept alive with the index: `bytes` points into it.
    private let storage: ReadOnlyBytes
    private var bytes: UnsafeRawBufferPointer { storage.bytes }
    private let rootOffset: UInt32

    /// Checks the header; nodes are read as lookups reach them.
    init(_ storage: ReadOnlyBytes) throws(Failure) {
        guard try Self.u32(storage.bytes, 0) == 0xB007_F457 else { throw .badMagic }
        guard try Self.u32(storage.bytes, 4) >> 16 == 2 else { throw .badVersion }
        rootOffset = try Self.u32(storage.bytes, 8)
        self.storage = storage
    }

    init(_ bytes: [UInt8]) throws(Failure) { try self.init(ReadOnlyBytes(bytes)) }

    /// Every key and value stored, in trie order (a node's values before its children's).
    static func entries(_ bytes: [UInt8]) throws(Failure) -> [Value] {
        let index = try KmodIndexFile(bytes)
        var result: [Value] = []
        var budget = index.walkBudget
        var key: [UInt8] = []
        guard let root = try index.node(index.rootOffset) else { return [] }
        try index.forEachNode(under: root, from: root.prefix.lowerBound, key: &key, valuesFirst: true, budget: &budget)
        {
            key, node throws(Failure) in result += try index.values(of: node, key: key)
        }
        return result
    }

    /// The values of every stored key that matches `key` when read as a pattern: libkmod's
    /// `index_searchwild`, what `modprobe` does with modules.alias.bin. The walk follows the key byte by
    /// byte; at each position, the subtrees starting with `*`, `?` or `[` are searched whole, their keys
    /// matched with fnmatch(3) against the rest of the key from that position. Values come in the
    /// walk's order, each with its whole stored key.
    func values(matching key: [UInt8]) throws(Failure) -> [Value] {
        var found: [Value] = []
        var budget = walkBudget
        /// Searches the subtree from `node` (its prefix from `start` on) whose keys begin with `stored`:
        /// the key's first `head` bytes, then (`stored` may already hold it) a wildcard.
        func searchWhole(_ node: Node, from start: Int, stored: [UInt8], head: Int) throws(Failure) {
            var stored = stored
            let rest = String(decoding: key[head...], as: UTF8.self)
            try forEachNode(under: node, from: start, key: &stored, valuesFirst: false, budget: &budget) {
                stored, node throws(Failure) in
                guard node.values != nil,
                    FNMatch.matches(pattern: String(decoding: stored[head...], as: UTF8.self), rest)
                else { return }
                found += try values(of: node, key: stored)
            }
        }
        var position = 0  // in key: the bytes before it are matched
        var next = try node(rootOffset)
        while let current = next {
            try budget.spend()
            for offset in current.prefix {
                let b = bytes[offset]
                if isWildcardStart(b) {
                    try searchWhole(current, from: offset, stored: Array(key[..<position]), head: position)
                    return found
                }
                guard position < key.count, key[position] == b else { return found }
                position += 1
            }
            for wildcard in [UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "[")] {
                guard let child = try self.child(of: current, wildcard) else { continue }
                try searchWhole(
                    child, from: child.prefix.lowerBound, stored: key[..<position] + [wildcard], head: position)
            }
            if position == key.count {
                found += try values(of: current, key: key)
                return found
            }
            next = try child(of: current, key[position])
            position += 1
        }
        return found
    }

    // MARK: Nodes

    /// Longer patterns than this mean a corrupt file (libkmod's buffers are PATH_MAX).
    private static let patternLimit = 4096

    private struct Node {
        /// Where the node's prefix is in the file.
        var prefix: Range<Int>
        /// The children's first and last byte, and where their offsets start; nil for a leaf.
        var children: (first: UInt8, last: UInt8, offsets: Int)?
        /// Where the value count is; nil when the node has no values.
        var values: Int?
    }

    private struct Budget {
        var left: Int
        mutating func spend() throws(Failure) {
            left -= 1
            guard left >= 0 else { throw .truncated }  // a cycle in a corrupt file
        }
    }

    private var walkBudget: Budget { Budget(left: bytes.count) }

    private func node(_ offset: UInt32) throws(Failure) -> Node? {
        var p = Int(offset & 0x0FFF_FFFF)
        guard p != 0 else { return nil }
        var node = Node(prefix: p..<p)
        if offset & 0x8000_0000 != 0 {
            let end = try cStringEnd(p)
            node.prefix = p..<end
            p = end + 1
        }
        if offset & 0x2000_0000 != 0 {
            guard p + 2 <= bytes.count else { throw .truncated }
            let (first, last) = (bytes[p], bytes[p + 1])
            guard first <= last, p + 2 + 4 * (Int(last - first) + 1) <= bytes.count else { throw .truncated }
            node.children = (first, last, p + 2)
            p += 2 + 4 * (Int(last - first) + 1)
        }
        if offset & 0x4000_0000 != 0 { node.values = p }
        return node
    }

    private func child(of node: Node, _ b: UInt8) throws(Failure) -> Node? {
        guard let children = node.children, children.first <= b, b <= children.last else { return nil }
        return try self.node(try u32(children.offsets + 4 * Int(b - children.first)))
    }

    /// The node's values, stored under `key`.
    private func values(of node: Node, key: [UInt8]) throws(Failure) -> [Value] {
        guard var p = node.values else { return [] }
        let count = try u32(p)
        p += 4
        guard Int(count) <= bytes.count else { throw .truncated }
        let keyText = String(decoding: key, as: UTF8.self)
        var result: [Value] = []
        for _ in 0..<count {
            let priority = try u32(p)
            let end = try cStringEnd(p + 4)
            result.append(
                Value(key: keyText, value: String(decoding: bytes[(p + 4)..<end], as: UTF8.self), priority: priority))
            p = end + 1
        }
        return result
    }

    /// Calls `body` with the key and every node under `node` (itself included), depth first in byte
    /// order; `valuesFirst: false` visits a node after its children, as libkmod's
    /// `index_searchwild__all` does. `key` holds the key so far; the node's prefix from `start` on is
    /// added to it.
    private func forEachNode(
        under node: Node, from start: Int, key: inout [UInt8], valuesFirst: Bool, budget: inout Budget,
        _ body: (_ key: [UInt8], _ node: Node) throws(Failure) -> Void
    ) throws(Failure) {
        try budget.spend()
        let pushed = node.prefix.upperBound - start
        key += bytes[start..<node.prefix.upperBound]
        guard key.count <= Self.patternLimit else { throw .truncated }
        if valuesFirst { try body(key, node) }
        if let children = node.children {
            for b in children.first...children.last {
                guard let child = try child(of: node, b) else { continue }
                key.append(b)
                try forEachNode(
                    under: child, from: child.prefix.lowerBound, key: &key, valuesFirst: valuesFirst, budget: &budget,
                    body)
                key.removeLast()
            }
        }
        if !valuesFirst { try body(key, node) }
        key.removeLast(pushed)
    }

    private func u32(_ at: Int) throws(Failure) -> UInt32 { try Self.u32(bytes, at) }

    private static func u32(_ bytes: UnsafeRawBufferPointer, _ at: Int) throws(Failure) -> UInt32 {
        guard at >= 0, at + 4 <= bytes.count else { throw .truncated }
        return UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8
            | UInt32(bytes[at + 3])
    }

    /// Where the NUL ending the C string at `at` is.
    private func cStringEnd(_ at: Int) throws(Failure) -> Int {
        guard at >= 0, at < bytes.count, let end = bytes[at...].firstIndex(of: 0) else { throw .truncated }
        return end
    }
}
