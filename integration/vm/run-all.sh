#!/bin/bash
# Run every guest suite (integration/vm/guest/NN-*.sh) in ONE boot of the test VM, then the early-binding
# test (integration/vm/early-boot.sh: four more boots, three of them through a real Debian initramfs).
#
# Usage: integration/vm/run-all.sh [--kernel K] [--binary PATH] [--timeout SECONDS] [--kvm]
#   --kernel K     the guest kernel (default 6.1): 6.1 = Debian 12's current kernel, 6.12 = Debian 13's
#                  current kernel, newest = the newest linux-image-amd64 in trixie-backports, or a
#                  full Debian kernel release (6.1.0-57-amd64, 6.12.118+deb13-amd64, 7.3.4+deb13-amd64).
#                  Fetched from Debian's archive into .build-vm/ when not installed (scripts/vm/kernel.sh);
#                  this machine stays as it is.
#   --binary PATH  the vfioctl under test (default $REPO/.build/debug/vfioctl); any host path
#                  works, the guest sees the host's / read-only. Suites get it as $VFIOCTL.
#   --timeout S    passed to scripts/vm/run.sh (default 600)
#   --kvm          passed to scripts/vm/run.sh
# Prints each suite's "ok - ..." / "not ok - ..." lines as they happen, then one summary line
# "N passed, N failed". Exit status 0 only when nothing failed and the guest finished.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BINARY="$REPO/.build/debug/vfioctl"
RUN_ARGS=(--timeout 600)
KERNEL=6.1
while (($#)); do
    case $1 in
        --kernel) KERNEL=${2:?--kernel needs a value}; shift ;;
        --binary) BINARY=$(realpath -m -- "${2:?--binary needs a path}"); shift ;;
        --timeout) RUN_ARGS+=(--timeout "${2:?--timeout needs a value}"); shift ;;
        --kvm) RUN_ARGS+=(--kvm) ;;
        -h|--help) sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "run-all.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[[ -x $BINARY ]] || echo "run-all: note: $BINARY does not exist yet; suites that need it will fail" >&2

start=$EPOCHREALTIME
# GUESTVER KERNEL_ORIGIN (and the kernel fetched and prepared, when it is not yet).
vars=$("$REPO/scripts/vm/setup.sh" --kernel "$KERNEL" --print-env)
eval "$vars"
echo "# kernel $GUESTVER ($KERNEL_ORIGIN)"
RUN_ARGS+=(--kernel "$GUESTVER")
# The test variant driver is built on the host (fast when cached); 05-variant-driver.sh
# and later suites install it in the guest.
"$REPO/scripts/vm/build-variant.sh" --kernel "$GUESTVER"
"$REPO/integration/ansible/run.sh" --setup-only || echo "run-all: note: no Ansible venv; 50-provision.sh skips its Ansible part" >&2

LOG=$(mktemp "${TMPDIR:-/tmp}/vfioctl-run-all.XXXXXX")
trap 'rm -f "$LOG"' EXIT
set +e
"$REPO/scripts/vm/run.sh" "${RUN_ARGS[@]}" -- \
    env VFIOCTL="$BINARY" /bin/bash integration/vm/guest/run-suites.sh | tee "$LOG"
status=${PIPESTATUS[0]}
set -e

# Early binding boots its own images (a real Debian initramfs per boot), after the suites' boot.
EARLY_ARGS=(--kernel "$GUESTVER" --binary "$BINARY")
[[ " ${RUN_ARGS[*]} " != *" --kvm "* ]] || EARLY_ARGS+=(--kvm)
EARLY_LOG=$(mktemp "${TMPDIR:-/tmp}/vfioctl-early-log.XXXXXX")
set +e
"$REPO/integration/vm/early-boot.sh" "${EARLY_ARGS[@]}" | tee "$EARLY_LOG"
early_status=${PIPESTATUS[0]}
set -e
if ((early_status != 0)) && ! grep -q '^not ok - ' "$EARLY_LOG"; then
    echo "not ok - integration/vm/early-boot.sh exit status $early_status" | tee -a "$EARLY_LOG"
fi
cat "$EARLY_LOG" >>"$LOG"
rm -f "$EARLY_LOG"

passed=$(grep -c '^ok - ' "$LOG" || true)
failed=$(grep -c '^not ok - ' "$LOG" || true)
if ! grep -q '^# run-suites: finished$' "$LOG"; then
    echo "not ok - the guest did not finish the suites (run.sh exit status $status)"
    failed=$((failed + 1))
elif ((status != 0)); then
    echo "not ok - run.sh exit status $status"
    failed=$((failed + 1))
fi
awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "run-all: %.1f s\n", e - s }' >&2
echo "kernel $GUESTVER: $passed passed, $failed failed"
((failed == 0))
