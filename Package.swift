// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors"])]

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
            name: "VFIOCore",
            swiftSettings: strict
        ),
        // The system layer: the sysfs boundary, enumeration, names, the binding engine's kernel side,
        // safety capture, lock, journal and state store, provisioning, the kernel's module files.
        .target(
            name: "VFIOSystem",
            dependencies: ["VFIOCore", "CPCI", "CUDev", "CLinux"],
            swiftSettings: strict
        ),
        // The commands as a library; `vfioctl` is only their main.
        .target(
            name: "VFIOCommands",
            dependencies: [
                "VFIOCore", "VFIOSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "vfioctl",
            dependencies: [
                "VFIOCore", "VFIOCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "vfioctl-fake-sysfs",
            dependencies: ["TestSupport"],
            path: "Sources/vfioctl-fake-sysfs",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "toml-test-decoder",
            dependencies: ["VFIOCore", "VFIOSystem"],
            path: "Sources/toml-test-decoder",
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: ["VFIOCore", "VFIOSystem"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "VFIOCoreTests",
            dependencies: [
                "VFIOCore", "VFIOSystem", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            // Expected renderer output, read by path (see Present/Golden.swift), not a resource.
            exclude: ["Present/Golden"],
            swiftSettings: strict
        ),
        // Tests of the fakes themselves: the fake sysfs trees and the kernel simulator.
        .testTarget(
            name: "TestSupportTests",
            dependencies: ["VFIOCore", "VFIOSystem", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["VFIOCore", "VFIOSystem", "VFIOCommands", "TestSupport"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
