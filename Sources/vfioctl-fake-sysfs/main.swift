// Writes fake sysfs trees for end-to-end tests and benchmarks:
//   vfioctl-fake-sysfs --devices N OUTDIR      a deterministic N-function server tree
//   vfioctl-fake-sysfs --scenario NAME OUTDIR  a named scenario (see --list)
// OUTDIR is created when missing and must be empty; pass it to `vfioctl --sysfs-root`.
import Glibc
import TestSupport

func fail(_ message: String, status: Int32) -> Never {
    let line = "vfioctl-fake-sysfs: " + message + "\n"
    _ = line.utf8CString.withUnsafeBufferPointer { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
    exit(status)
}

func usage() -> Never {
    fail(
        """
        usage: vfioctl-fake-sysfs --devices N OUTDIR
               vfioctl-fake-sysfs --scenario NAME OUTDIR
               vfioctl-fake-sysfs --list
        scenarios: \(FakeScenario.allCases.map(\.rawValue).joined(separator: ", "))
        """, status: 2)
}

/// OUTDIR may not exist yet; if it does it must be an empty directory, so a typo cannot litter a real one.
func checkEmpty(_ path: String) {
    guard let dir = opendir(path) else {
        if errno == ENOENT { return }
        fail("\(path): \(String(cString: strerror(errno)))", status: 1)
    }
    defer { closedir(dir) }
    while let entry = readdir(dir) {
        let first = entry.pointee.d_name.0
        let second = entry.pointee.d_name.1
        let third = entry.pointee.d_name.2
        let isDot = first == 0x2E && (second == 0 || (second == 0x2E && third == 0))
        if !isDot { fail("\(path) is not empty", status: 1) }
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments == ["--list"] {
    for scenario in FakeScenario.allCases { print("\(scenario.rawValue)\t\(scenario.summary)") }
    exit(0)
}
if arguments.contains("--help") || arguments.contains("-h") { usage() }
guard arguments.count == 3, !arguments[2].isEmpty, !arguments[2].hasPrefix("-") else { usage() }
let outdir = arguments[2]

do {
    switch arguments[0] {
    case "--devices":
        guard let count = Int(arguments[1]), (1...65536).contains(count) else { usage() }
        checkEmpty(outdir)
        try FakeSysfs.makeLargeTree(count: count).write(to: outdir)
    case "--scenario":
        guard let scenario = FakeScenario(rawValue: arguments[1]) else { usage() }
        checkEmpty(outdir)
        try scenario.write(to: outdir)
    default:
        usage()
    }
} catch {
    fail("\(error)", status: 1)
}
