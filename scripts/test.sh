#!/usr/bin/env bash
# README command 2 (and CI): the whole test suite on a fresh Debian 12 machine.
#   1. build with warnings as errors, unit + end-to-end tests (swift test)
#   2. man/ and completions/ are regenerated and must match the committed files
#   3. the differential test of module-alias matching against libkmod on Debian's real kernel
#   4. the real-kernel tests: one QEMU/TCG boot of Debian's kernel running every guest suite
# Set VFIOCTL_SKIP_VM=1 to skip step 4 while iterating (CI never sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
step() { printf '\n==> %s (%ss)\n' "$*" "$((SECONDS - start))"; }

step "dependencies"
scripts/deps.sh --test

step "build"
swift build --build-tests

step "Ansible module (ansible-core from PyPI, fake sysfs)"
# Also creates the venv the VM suite 50-provision uses inside the guest.
tests/ansible/run.sh --binary "$(swift build --show-bin-path)/vfioctl"

step "generated man pages and completions"
scripts/generate-docs.sh --check

if [[ -x scripts/kmod-diff/run.sh ]]; then
    step "module alias matching vs libkmod (Debian kernel)"
    scripts/kmod-diff/run.sh
fi

step "TOML reader vs Python's tomllib (spec examples, edge cases, random and broken documents)"
scripts/toml-diff/run.sh --decoder "$(swift build --show-bin-path)/toml-test-decoder"

if [[ "${VFIOCTL_SKIP_VM:-0}" != 1 ]]; then
    step "real kernel under QEMU (TCG)"
    # The release binary, as installed: under TCG a debug build takes 10-25 s per command that
    # loads modules.alias, against under a second for release.
    swift build -c release --static-swift-stdlib --product vfioctl
    tests/vm/run-all.sh --timeout 1800 --binary "$(swift build -c release --static-swift-stdlib --show-bin-path)/vfioctl"
fi

step "unit and end-to-end tests"
# Last, so the runner's own summary closes the log; passing test lines are left out of the console.
log=$(mktemp)
set +e
swift test --skip-build >"$log" 2>&1
rc=$?
set -e
# Per-test "started"/"passed" lines are left out; failures, output and every summary stay.
awk '!(/^◇ / || /^✔ / || /^✘ Test run with/ || /^Test Case .* (passed|started)/ || /^Test Suite .* (passed|started)/)' "$log"
# Close with the runner's own verdict (test bodies' prints are flushed after it).
grep -E '(✔|✘) Test run with [0-9]+ tests?' "$log" | tail -n 1 || true
rm -f "$log"
exit $rc
