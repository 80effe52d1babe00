import Foundation

/// A scratch directory for fake /proc, /sys and /dev trees, removed when the test ends.
final class SafetyScratchTree {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("vfioctl-safety-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ relative: String) -> String { root + "/" + relative }

    func directory(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: true)
    }

    func file(_ relative: String, _ contents: String) throws {
        try directory((relative as NSString).deletingLastPathComponent)
        guard FileManager.default.createFile(atPath: path(relative), contents: Data(contents.utf8)) else {
            throw CocoaError(.fileWriteUnknown)
        }
    }

    /// Dangling targets are fine: /proc fd links are only ever read with readlink.
    func link(_ relative: String, to target: String) throws {
        try directory((relative as NSString).deletingLastPathComponent)
        try FileManager.default.createSymbolicLink(atPath: path(relative), withDestinationPath: target)
    }
}
