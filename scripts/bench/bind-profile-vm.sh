#!/bin/bash
# What binding one more VF costs vfioctl, exactly (issue 4's per-VF figure without TCG's timing
# noise): boots the bench VM (an NVMe with 32 VFs) and runs scripts/bench/bind-profile-guest.sh,
# which binds 8 and 32 VFs under callgrind and strace and prints the per-VF differences:
# user-space instructions by function and system calls by name.
#
# Usage: scripts/bench/bind-profile-vm.sh [--binary PATH] [--top N] [--phase bind|unbind] [--timeout S]
#   --binary PATH  the vfioctl to profile (default: build release, static Swift runtime)
#   --phase unbind profile `vfioctl unbind` of the VFs it bound instead
# Installs valgrind and strace on the host when missing (the guest runs the host's / read-only).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BINARY="" TOP=25 PHASE=bind TIMEOUT=1500
while (($#)); do
    case $1 in
        --binary) BINARY=$(realpath -- "${2:?--binary needs a path}"); shift ;;
        --top) TOP=${2:?}; shift ;;
        --phase) PHASE=${2:?}; shift ;;
        --timeout) TIMEOUT=${2:?}; shift ;;
        -h|--help) sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "bind-profile-vm.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

# shellcheck source=scripts/bench/lib.sh
. "$REPO/scripts/bench/lib.sh"
bench_install_missing bind-profile-vm valgrind valgrind strace strace

bench_binary bind-profile-vm
# A copy without DWARF (valgrind 3.19 cannot read Swift's DWARF 5), where the guest can see it.
mkdir -p "$REPO/.build-vm/bench"
strip --strip-debug -o "$REPO/.build-vm/bench/vfioctl-nodebug" "$BINARY"
echo "bind-profile-vm: profiling $BINARY ($(stat -c %y "$BINARY" | cut -d. -f1))" >&2
exec "$REPO/scripts/vm/run.sh" --bench --timeout "$TIMEOUT" -- \
    env VFIOCTL="$REPO/.build-vm/bench/vfioctl-nodebug" "$REPO/scripts/bench/bind-profile-guest.sh" --top "$TOP" --phase "$PHASE"
