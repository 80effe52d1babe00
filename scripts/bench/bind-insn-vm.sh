#!/bin/bash
# Issue 4's per-VF bind cost counted in guest instructions instead of wall time: builds the
# insn-count.c QEMU plugin and the insn-mark.c marker, boots the bench VM with the plugin and
# runs bind-insn-guest.sh (vfioctl against the bash loop, and bind-floor.c's writes and checked
# bind, at 8 and 32 VFs; then sysfs-op-insn.c's count of each kind of system call per VF). The
# counts do not move with the host's speed, which decides the per-VF ratio where wall time
# (bind-vm.sh) cannot.
#
# Usage: scripts/bench/bind-insn-vm.sh [--binary PATH] [--runs N] [--timeout S] [--hotplug]
#   --binary PATH  the vfioctl to measure (default: build release, static Swift runtime)
#   --hotplug      count the one-VF commands of the hot-plug path instead (hotplug-insn-guest.sh:
#                  driverctl, bind, apply --device, plan)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BINARY="" RUNS=5 SETTLE=0 TIMEOUT=1500 HOTPLUG=0
while (($#)); do
    case $1 in
        --binary) BINARY=$(realpath -- "${2:?--binary needs a path}"); shift ;;
        --runs) RUNS=${2:?}; shift ;;
        --settle) SETTLE=${2:?}; shift ;;
        --timeout) TIMEOUT=${2:?}; shift ;;
        --hotplug) HOTPLUG=1 ;;
        -h|--help) sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "bind-insn-vm.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

# shellcheck source=scripts/bench/lib.sh
. "$REPO/scripts/bench/lib.sh"
bench_install_missing bind-insn-vm gcc gcc
bench_binary bind-insn-vm
OUT=$REPO/.build-vm/bench
mkdir -p "$OUT"
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -o "$OUT/insn-count.so" "$REPO/scripts/bench/insn-count.c"
gcc -O2 -Wall -Wextra -Werror -static -o "$OUT/insn-mark" "$REPO/scripts/bench/insn-mark.c"
gcc -O2 -Wall -Wextra -Werror -o "$OUT/bind-floor" "$REPO/scripts/bench/bind-floor.c"
gcc -O2 -Wall -Wextra -Werror -o "$OUT/sysfs-op-insn" "$REPO/scripts/bench/sysfs-op-insn.c"
cp "$BINARY" "$OUT/vfioctl-insn"
echo "bind-insn-vm: measuring $BINARY ($(stat -c %y "$BINARY" | cut -d. -f1))" >&2
if ((HOTPLUG)); then
    exec "$REPO/scripts/vm/run.sh" --bench --plugin "$OUT/insn-count.so" --timeout "$TIMEOUT" -- \
        env MARK="$OUT/insn-mark" VFIOCTL="$OUT/vfioctl-insn" "$REPO/scripts/bench/hotplug-insn-guest.sh" --runs "$RUNS"
fi
exec "$REPO/scripts/vm/run.sh" --bench --plugin "$OUT/insn-count.so" --timeout "$TIMEOUT" -- \
    env MARK="$OUT/insn-mark" VFIOCTL="$OUT/vfioctl-insn" FLOOR="$OUT/bind-floor" OPS="$OUT/sysfs-op-insn" \
    "$REPO/scripts/bench/bind-insn-guest.sh" --runs "$RUNS" --settle "$SETTLE"
