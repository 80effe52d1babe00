#!/bin/bash
# Benchmark (issue 4): binding many SR-IOV VFs to vfio-pci with vfioctl against a builtin-echo
# bash loop, driverctl and dpdk-devbind, on a real kernel: boots the test VM with --bench (an
# NVMe with 32 VFs) and runs scripts/bench/bind-guest.sh in it. Prints markdown tables (medians,
# per-VF slope, fixed cost, ratios and targets) ready for BENCHMARKS.md.
#
# Usage: scripts/bench/bind-vm.sh [--binary PATH] [--runs N] [--sizes "8 16 24 32"] [--d3] [--aslr]
#                                 [--methods "vfioctl loop driverctl dpdk-devbind"] [--timeout S] [--kvm]
#   --binary PATH  the vfioctl to measure (default: build release with the Swift runtime linked
#                  in, as scripts/install.sh does)
#   --runs N       runs per method and size, median reported (default 3, at least 3)
#   --sizes "A B .." VF counts (default "8 16 24 32"; the bench NVMe has 32); per-VF cost is the
#                  least-squares slope over every run at every size
#   --d3           also measure with vfio-pci's disable_idle_d3=1 (module reloaded in the guest)
#   --methods LIST measure only these methods (default all four)
#   --aslr         keep the guest's address-space randomisation on (off by default while measuring:
#                  TCG re-translates a binary loaded at a new address on every exec)
#   --timeout S    VM timeout (default 1800)
# Installs the Debian packages driverctl and dpdk on the host when missing (the guest runs the
# host's / read-only, so that is where they must be).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BINARY="" RUNS=3 SIZES="8 16 24 32" D3=0 TIMEOUT=1800 KVM=() ASLR=() METHODS=()
while (($#)); do
    case $1 in
        --binary) BINARY=$(realpath -- "${2:?--binary needs a path}"); shift ;;
        --runs) RUNS=${2:?}; shift ;;
        --sizes) SIZES=${2:?}; shift ;;
        --d3) D3=1 ;;
        --aslr) ASLR=(--aslr) ;;
        --methods) METHODS=(--methods "${2:?}"); shift ;;
        --timeout) TIMEOUT=${2:?}; shift ;;
        --kvm) KVM=(--kvm) ;;
        -h|--help) sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "bind-vm.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

# shellcheck source=scripts/bench/lib.sh
. "$REPO/scripts/bench/lib.sh"
bench_install_missing bind-vm driverctl driverctl dpdk-devbind.py dpdk

bench_binary bind-vm
# The guest mounts its own tmpfs on /tmp: a binary under /tmp must be copied where it sees it.
if [[ $BINARY == /tmp/* ]]; then
    mkdir -p "$REPO/.build-vm/bench"
    cp "$BINARY" "$REPO/.build-vm/bench/vfioctl"
    BINARY=$REPO/.build-vm/bench/vfioctl
fi
echo "bind-vm: measuring $BINARY ($(stat -c %y "$BINARY" | cut -d. -f1))" >&2

args=(--runs "$RUNS" --sizes "$SIZES")
((D3)) && args+=(--d3)
args+=("${ASLR[@]}" "${METHODS[@]}")
exec "$REPO/scripts/vm/run.sh" "${KVM[@]}" --bench --timeout "$TIMEOUT" -- \
    env VFIOCTL="$BINARY" "$REPO/scripts/bench/bind-guest.sh" "${args[@]}"
