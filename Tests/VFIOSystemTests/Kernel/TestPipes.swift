#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Pipes for the bounded-write tests: a write to a full pipe blocks exactly as an unbind of a held
/// VFIO device does, until the other end drains it.
enum TestPipes {
    static func ends() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        return (ends[0], ends[1])
    }

    /// A pipe whose write end blocks: its buffer filled, then O_NONBLOCK cleared.
    static func full() throws -> (read: Int32, write: Int32) {
        let ends = try ends()
        _ = fcntl(ends.write, F_SETFL, O_NONBLOCK)
        let chunk = [UInt8](repeating: 0x61, count: 4096)
        while chunk.withUnsafeBytes({ Glibc.write(ends.write, $0.baseAddress, $0.count) }) > 0 {}
        _ = fcntl(ends.write, F_SETFL, 0)
        return ends
    }

    /// Everything the pipe holds now (which lets a blocked writer go on).
    @discardableResult
    static func drain(_ fd: Int32) -> [UInt8] {
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return all }
            all += buffer[..<n]
        }
    }
}
