#!/bin/bash
# The floor under issue 4's per-VF target: boots the bench VM and runs bind-floor-guest.sh, which
# compares, in one boot, the bash loop, bind-floor.c (the same writes with and without the reads a
# checked bind needs, in plain C) and vfioctl, per VF. It says how much of vfioctl's per-VF cost
# the checks themselves take and how much is vfioctl's own overhead.
#
# Usage: scripts/bench/bind-floor-vm.sh [--binary PATH] [--runs N] [--timeout S]
#   --binary PATH  the vfioctl to measure (default: build release, static Swift runtime)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BINARY="" RUNS=15 TIMEOUT=1500
while (($#)); do
    case $1 in
        --binary) BINARY=$(realpath -- "${2:?--binary needs a path}"); shift ;;
        --runs) RUNS=${2:?}; shift ;;
        --timeout) TIMEOUT=${2:?}; shift ;;
        -h|--help) sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "bind-floor-vm.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

# shellcheck source=scripts/bench/lib.sh
. "$REPO/scripts/bench/lib.sh"
bench_install_missing bind-floor-vm gcc gcc
bench_binary bind-floor-vm
mkdir -p "$REPO/.build-vm/bench"
gcc -O2 -Wall -Wextra -Werror -o "$REPO/.build-vm/bench/bind-floor" "$REPO/scripts/bench/bind-floor.c"
cp "$BINARY" "$REPO/.build-vm/bench/vfioctl-floor"
echo "bind-floor-vm: measuring $BINARY ($(stat -c %y "$BINARY" | cut -d. -f1))" >&2
exec "$REPO/scripts/vm/run.sh" --bench --timeout "$TIMEOUT" -- \
    env FLOOR="$REPO/.build-vm/bench/bind-floor" VFIOCTL="$REPO/.build-vm/bench/vfioctl-floor" \
    "$REPO/scripts/bench/bind-floor-guest.sh" --runs "$RUNS"
