// swift-tools-version:6.0
import PackageDescription

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
            resources: []
        ),
        .executableTarget(
            name: "vfioctl",
            dependencies: [
                "VFIOCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "vfioctl-fake-sysfs",
            dependencies: ["TestSupport"],
            path: "Sources/vfioctl-fake-sysfs"
        ),
        .executableTarget(
            name: "toml-test-decoder",
            dependencies: ["VFIOCore"],
            path: "Sources/toml-test-decoder"
        ),
        .target(
            name: "TestSupport",
            dependencies: ["VFIOCore"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "VFIOCoreTests",
            dependencies: [
                "VFIOCore", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
