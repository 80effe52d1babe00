import SystemPackage

/// Whole-file reads of configuration and data files (rule files, modules.alias, state files).
/// Unlike sysfs attribute reads these follow symlinks, as /etc files often are.
public enum TextFile {
    public static func read(_ path: String) throws(SysfsError) -> String {
        do {
            let fd = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec])
            return try fd.closeAfter {
                var bytes: [UInt8] = []
                // Not a zero-filled array: clearing 64 KiB per file was most of reading a small one.
                try withUnsafeTemporaryAllocation(byteCount: 1 << 16, alignment: 1) { chunk in
                    while true {
                        let n = try fd.read(into: chunk)
                        if n == 0 { break }
                        bytes.append(contentsOf: chunk[0..<n])
                    }
                }
                return String(decoding: bytes, as: UTF8.self)
            }
        } catch {
            throw SysfsError(.read, path, errno: (error as? Errno)?.rawValue ?? Errno.ioError.rawValue)
        }
    }
}
