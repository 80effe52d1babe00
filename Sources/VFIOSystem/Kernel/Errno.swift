#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import VFIOCore

let ENOENT: Int32 = Glibc.ENOENT
let ENOTDIR: Int32 = Glibc.ENOTDIR
let EXDEV: Int32 = Glibc.EXDEV

/// `ENODEV (No such device)`: the symbolic name scripts grep for, and the words users read.
public func errnoName(_ code: Int32) -> String {
    let names: [Int32: String] = [
        EPERM: "EPERM", Glibc.ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", ENXIO: "ENXIO", EBADF: "EBADF",
        EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES", EBUSY: "EBUSY", EEXIST: "EEXIST", ENODEV: "ENODEV",
        Glibc.ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL", ENOSPC: "ENOSPC", EROFS: "EROFS",
        ERANGE: "ERANGE", ELOOP: "ELOOP", ENAMETOOLONG: "ENAMETOOLONG", ENOSYS: "ENOSYS", ETIMEDOUT: "ETIMEDOUT",
        EOPNOTSUPP: "EOPNOTSUPP", ENOEXEC: "ENOEXEC", Glibc.EXDEV: "EXDEV", EFBIG: "EFBIG"
    ]
    let name = names[code] ?? "errno \(code)"
    guard let text = strerror(code) else { return name }
    return "\(name) (\(String(cString: text)))"
}
