// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "vfioctl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vfioctl", targets: ["vfioctl"]),
        .library(name: "VFIOCore", targets: ["VFIOCore"]),
        .library(name: "VFIOSystem", targets: ["VFIOSystem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CPCI", pkgConfig: "libpci", providers: [.apt(["libpci-dev"])]),
        .systemLibrary(name: "CUDev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        .target(name: "CLinux"),
        // The pure core: model, alias patterns and rules, planner, desired state, presentation, TOML.
        // No system library, no syscall.
        .target(
            name: "VFIOCore"
        ),
        // The system layer: the sysfs boundary, enumeration, names, the binding engine's kernel side,
        // safety capture, lock, journal and state store, provisioning, the kernel's module files.
        .target(
            name: "VFIOSystem",
            dependencies: ["VFIOCore", "CPCI", "CUDev", "CLinux"]
        ),
        // The commands as a library; `vfioctl` is only their main.
        .target(
            name: "VFIOCommands",
            dependencies: [
                "VFIOCore", "VFIOSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "vfioctl",
            dependencies: [
                "VFIOCore", "VFIOCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "vfioctl-fake-sysfs",
            dependencies: ["TestSupport"],
            path: "Sources/vfioctl-fake-sysfs"
        ),
        .executableTarget(
            name: "vfioctl-manual",
            dependencies: ["VFIOCore"],
            path: "Sources/vfioctl-manual"
        ),
        .executableTarget(
            name: "toml-test-decoder",
            dependencies: ["VFIOCore", "VFIOSystem"],
            path: "Sources/toml-test-decoder"
        ),
        .target(
            name: "TestSupport",
            dependencies: ["VFIOCore", "VFIOSystem"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "VFIOCoreTests",
            dependencies: [
                "VFIOCore", "VFIOSystem", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            // Expected renderer output, read by path (see Present/Golden.swift), not a resource.
            exclude: ["Present/Golden"]
        ),
        .testTarget(
            name: "VFIOSystemTests",
            dependencies: ["VFIOCore", "VFIOSystem", "TestSupport"]
        ),
        // Tests of the fakes themselves: the fake sysfs trees and the kernel simulator.
        .testTarget(
            name: "TestSupportTests",
            dependencies: ["VFIOCore", "VFIOSystem", "TestSupport"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["VFIOCore", "VFIOSystem", "VFIOCommands", "TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
