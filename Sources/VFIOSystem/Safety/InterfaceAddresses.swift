#if canImport(Glibc)
import Glibc
#endif
import VFIOCore

/// IPv4 and IPv6 addresses per interface from getifaddrs(3): the kernel's netlink view, without
/// starting `ip`. IPv6 link-local addresses are left out (every interface that comes up gets one).
enum InterfaceAddresses {
    /// The addresses, or the failure text when getifaddrs itself failed.
    static func live() -> Result<[String: [String]], SysfsError> {
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0 else { return .failure(SysfsError(.read, "getifaddrs", errno: errno)) }
        defer { freeifaddrs(first) }
        var result: [String: [String]] = [:]
        var cursor = first
        while let entry = cursor {
            cursor = entry.pointee.ifa_next
            guard let address = entry.pointee.ifa_addr, let name = entry.pointee.ifa_name,
                let text = format(address, netmask: entry.pointee.ifa_netmask)
            else { continue }
            result[String(cString: name), default: []].append(text)
        }
        return .success(result)
    }

    /// `192.168.1.5/24`, `fd00::2/64`; nil for other families and IPv6 link-local.
    private static func format(
        _ address: UnsafeMutablePointer<sockaddr>, netmask: UnsafeMutablePointer<sockaddr>?
    )
        -> String?
    {
        let family = Int32(address.pointee.sa_family)
        guard family == AF_INET || family == AF_INET6 else { return nil }
        let bytes = addressBytes(address, family: family)
        if family == AF_INET6 && bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return nil }
        // getifaddrs gives the netmask in the address's family; its set bits are the prefix length.
        let prefix = netmask.map { addressBytes($0, family: family).reduce(0) { $0 + $1.nonzeroBitCount } }
        return text(family: family, bytes) + "/\(prefix ?? bytes.count * 8)"
    }

    private static func addressBytes(_ socket: UnsafeMutablePointer<sockaddr>, family: Int32) -> [UInt8] {
        if family == AF_INET {
            return socket.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                withUnsafeBytes(of: $0.pointee.sin_addr, Array.init)
            }
        }
        return socket.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
            withUnsafeBytes(of: $0.pointee.sin6_addr, Array.init)
        }
    }

    private static func text(family: Int32, _ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
