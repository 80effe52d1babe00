# shellcheck shell=bash
# How every script of this repository calls `swift build` (sourced, not run): the one place that says
# warnings are errors. The flag lives here and not in Package.swift, because SwiftPM refuses a package
# whose manifest uses unsafeFlags as a dependency of another package.
#
#   . scripts/lib/swift-flags.sh
#   swift_build --product vfioctl                      # swift build -Xswiftc -warnings-as-errors ...
#   bin=$(swift_build -c release --show-bin-path)
#
# Every script passes the same flags, so they share one build directory without rebuilding each
# other's products (SwiftPM rebuilds everything when the flags change).
SWIFT_BUILD_FLAGS=(-Xswiftc -warnings-as-errors)

swift_build() {
    swift build "${SWIFT_BUILD_FLAGS[@]}" "$@"
}

# swift test with the same flags (a test run that builds must not rebuild with other flags).
swift_test() {
    swift test "${SWIFT_BUILD_FLAGS[@]}" "$@"
}

# The release build of vfioctl that scripts/install.sh installs: the Swift runtime linked in, so the
# binary needs only libc, libstdc++, libpci and libudev.
# shellcheck disable=SC2034 # used by the scripts that source this file
SWIFT_INSTALL_BUILD=(-c release --static-swift-stdlib)
