// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors"])]

let package = Package(
    name: "vfioctl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vfioctl", targets: ["vfioctl"]),
        .library(name: "VFIOCore", targets: ["VFIOCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CPCI", pkgConfig: "libpci", providers: [.apt(["libpci-dev"])]),
        .systemLibrary(name: "CUDev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        .target(name: "CLinux"),
        .target(
            name: "VFIOCore",
            dependencies: [
                "CPCI", "CUDev", "CLinux",
            ],
            resources: [],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "vfioctl",
            dependencies: [
                "VFIOCore",
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
            dependencies: ["VFIOCore"],
            path: "Sources/toml-test-decoder",
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: ["VFIOCore"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "VFIOCoreTests",
            dependencies: [
                "VFIOCore", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            // Expected renderer output, read by path (see Present/Golden.swift), not a resource.
            exclude: ["Present/Golden"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
