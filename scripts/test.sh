#!/usr/bin/env bash
# README command 2 (and CI): the whole test suite on a fresh Debian 12 machine.
#   1. build with warnings as errors (scripts/lib/swift-flags.sh), unit + end-to-end tests (swift test)
#   2. man/ and completions/ are regenerated and must match the committed files; the sources pass
#      `swift format lint --strict` with the repository's .swift-format
#   3. the differential test of module-alias matching against libkmod on each kernel's modules.alias
#   4. the real-kernel tests: per kernel, one QEMU/TCG boot running every guest suite
#   5. the Debian package: built, lintian-clean, installed, used, removed and purged (scripts/deb)
# The kernels: Debian 12's 6.1, Debian 13's 6.12 and the newest Debian kernel (trixie-backports);
# the two Debian 13 kernels are fetched into .build-vm/ (this machine stays on Debian 12).
# Set VFIOCTL_SKIP_VM=1 to skip step 4 while iterating (CI never sets it); VFIOCTL_KERNELS="6.1"
# narrows steps 3 and 4 to the kernels named.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/swift-flags.sh
. scripts/lib/swift-flags.sh
start=$SECONDS
step() { printf '\n==> %s (%ss)\n' "$*" "$((SECONDS - start))"; }
read -ra KERNELS <<<"${VFIOCTL_KERNELS:-6.1 6.12 newest}"

step "dependencies"
scripts/deps.sh --test

step "build"
swift_build --build-tests

step "Ansible module (ansible-core from PyPI, fake sysfs)"
# Also creates the venv the VM suite 50-provision uses inside the guest.
integration/ansible/run.sh --binary "$(swift_build --show-bin-path)/vfioctl"

step "generated man pages and completions"
scripts/generate-docs.sh --check

step "source format (.swift-format; fix with: swift format --in-place --recursive Sources Tests)"
swift format lint --strict --recursive Sources Tests

if [[ -x scripts/kmod-diff/run.sh ]]; then
    for kernel in "${KERNELS[@]}"; do
        step "module alias matching vs libkmod (kernel $kernel)"
        scripts/kmod-diff/run.sh "$kernel"
    done
fi

step "TOML reader vs Python's tomllib (spec examples, edge cases, random and broken documents)"
scripts/toml-diff/run.sh --decoder "$(swift_build --show-bin-path)/toml-test-decoder"

VM_SUMMARY=()   # one "kernel K: N passed, N failed (S s)" line per kernel, repeated at the end
VM_FAILED=0
if [[ "${VFIOCTL_SKIP_VM:-0}" != 1 ]]; then
    step "release build for the real-kernel tests"
    # The release binary, as installed: under TCG a debug build takes 10-25 s per command that
    # loads modules.alias, against under a second for release.
    swift_build "${SWIFT_INSTALL_BUILD[@]}" --product vfioctl
    binary="$(swift_build "${SWIFT_INSTALL_BUILD[@]}" --show-bin-path)/vfioctl"
    # One kernel after the other: two TCG guests on 2 cores would make the timing checks flaky.
    for kernel in "${KERNELS[@]}"; do
        step "real kernel $kernel under QEMU (TCG)"
        t0=$SECONDS
        vm_log=$(mktemp)
        set +e
        integration/vm/run-all.sh --kernel "$kernel" --timeout 1800 --binary "$binary" | tee "$vm_log"
        vm_rc=${PIPESTATUS[0]}
        set -e
        verdict=$(grep -E '^kernel .*: [0-9]+ passed, [0-9]+ failed' "$vm_log" | tail -n 1)
        rm -f "$vm_log"
        VM_SUMMARY+=("${verdict:-kernel $kernel: no summary (exit status $vm_rc)} ($((SECONDS - t0)) s)")
        ((vm_rc == 0)) || VM_FAILED=1
    done
fi

step "Debian package (dpkg-buildpackage, lintian, install/remove/purge in an overlay of /)"
# Reuses the release build of the real-kernel step when there was one (the same swift build).
DEB_FAILED=0
scripts/deb/check.sh || DEB_FAILED=1

step "unit and end-to-end tests"
# Golden files are only ever compared here, never rewritten (Tests/VFIOCoreTests/Present/Golden.swift).
unset VFIOCTL_UPDATE_GOLDEN
# Last, so the runner's own summary closes the log; passing test lines are left out of the console.
log=$(mktemp)
set +e
swift_test --skip-build >"$log" 2>&1
rc=$?
set -e
# Per-test "started"/"passed" lines are left out; failures, output and every summary stay.
awk '!(/^◇ / || /^✔ / || /^✘ Test run with/ || /^Test Case .* (passed|started)/ || /^Test Suite .* (passed|started)/)' "$log"
# Close with the runner's own verdict (test bodies' prints are flushed after it).
grep -E '(✔|✘) Test run with [0-9]+ tests?' "$log" | tail -n 1 || true
rm -f "$log"
if ((${#VM_SUMMARY[@]})); then
    printf 'real kernels: %s\n' "${VM_SUMMARY[@]}"
fi
((DEB_FAILED == 0)) || echo "Debian package: FAILED (scripts/deb/check.sh)"
((rc == 0 && VM_FAILED == 0 && DEB_FAILED == 0))
