#!/usr/bin/env bash
# Benchmarks `vfioctl list` against `lspci -k` on one generated sysfs tree (4,096 functions by default).
#
#   scripts/bench/list.sh                 build release, generate the tree, print the table
#   DEVICES=1024 RUNS=9 scripts/bench/list.sh
#   BENCH_DIR=/tmp/x scripts/bench/list.sh   where the tree goes (default: a fresh dir on /dev/shm)
#   SCRATCH=.build-bench scripts/bench/list.sh   swift build --scratch-path
#
# Every command reads the same tree in the same run; each is run once to warm the page cache, then RUNS
# times. Reported: median wall time (ms) and its ratio to lspci, median CPU time (user + sys, 10 ms
# resolution; less disturbed than wall time on a busy machine) and its ratio, median peak RSS (KiB,
# /usr/bin/time %M) and its ratio. Targets: vfioctl list <= 0.5x lspci's time, RSS <= 1.5x lspci's.
set -euo pipefail

cd "$(dirname "$0")/../.."
# lspci -k resolves kernel modules through libkmod for the running kernel, and vfioctl plan reads the
# same modules.alias: give both a real one (see with-kernel-modules.sh).
if [[ -z "${VFIOCTL_BENCH_NS:-}" ]]; then
    VFIOCTL_BENCH_NS=1 exec scripts/bench/with-kernel-modules.sh "$0" "$@"
fi
DEVICES=${DEVICES:-4096}
RUNS=${RUNS:-7}
SCRATCH=${SCRATCH:-}
TIME_TARGET=0.5
RSS_TARGET=1.5

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time (package 'time')" >&2
    apt-get install -y -qq time >/dev/null
fi
command -v lspci >/dev/null || { echo "lspci not found: apt-get install pciutils" >&2; exit 1; }
(( RUNS >= 5 )) || { echo "RUNS must be at least 5" >&2; exit 2; }

build=(swift build -c release --static-swift-stdlib)  # as scripts/install.sh builds it
[[ -n "$SCRATCH" ]] && build+=(--scratch-path "$SCRATCH")
echo "building: ${build[*]}" >&2
"${build[@]}" >&2
BIN=$("${build[@]}" --show-bin-path)

if [[ -n "${BENCH_DIR:-}" ]]; then
    WORK=$BENCH_DIR
    mkdir -p "$WORK"
    KEEP=1
else
    base=/tmp
    [[ -w /dev/shm ]] && base=/dev/shm
    WORK=$(mktemp -d "$base/vfioctl-bench.XXXXXX")
    KEEP=0
fi
ROOT=$WORK/sys-$DEVICES
cleanup() { if (( KEEP == 0 )); then rm -rf "$WORK"; fi; }
trap cleanup EXIT

if [[ ! -d $ROOT/bus/pci/devices ]]; then
    echo "generating $DEVICES functions in $ROOT" >&2
    "$BIN/vfioctl-fake-sysfs" --devices "$DEVICES" "$ROOT"
fi
found=$(find "$ROOT/bus/pci/devices" -mindepth 1 -maxdepth 1 | wc -l)
[[ $found -eq $DEVICES ]] || { echo "tree has $found functions, expected $DEVICES" >&2; exit 1; }

names=("vfioctl list" "vfioctl list --json" "vfioctl list --numeric" "lspci -k" "vfioctl plan --all --json")
commands=(
    "$BIN/vfioctl list --sysfs-root $ROOT"
    "$BIN/vfioctl list --json --sysfs-root $ROOT"
    "$BIN/vfioctl list --numeric --sysfs-root $ROOT"
    "lspci -k -A linux-sysfs -O sysfs.path=$ROOT/bus/pci"
    "$BIN/vfioctl plan --all --json --sysfs-root $ROOT"
)

# Sanity: each command succeeds and really lists every function (a fast failure is not a result).
check() {
    local out
    out=$($1 2>/dev/null) || { echo "failed: $1" >&2; exit 1; }
    local n
    case "$2" in
        table) n=$(printf '%s\n' "$out" | grep -cE '^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] ') ;;
        json) n=$(printf '%s\n' "$out" | grep -cE '^ {6}"address": ') ;;
        lspci) n=$(printf '%s\n' "$out" | grep -cE '^[0-9a-f]') ;;
    esac
    [[ $n -eq $DEVICES ]] || { echo "'$1' listed $n functions, expected $DEVICES" >&2; exit 1; }
}
check "${commands[0]}" table
check "${commands[1]}" json
check "${commands[2]}" table
check "${commands[3]}" lspci
check "${commands[4]}" json

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -a TIMES CPUS RSS
rssfile=$(mktemp)
for i in "${!commands[@]}"; do
    cmd=${commands[$i]}
    $cmd >/dev/null 2>&1  # warm-up
    times=() cpus=() rsses=()
    for ((r = 0; r < RUNS; r++)); do
        start=$(date +%s%N)
        /usr/bin/time -f '%M %U %S' -o "$rssfile" $cmd >/dev/null 2>&1
        end=$(date +%s%N)
        times+=("$(( (end - start) / 1000 ))")
        read -r rss user sys < <(tail -n 1 "$rssfile")
        rsses+=("$rss")
        cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000000 }')")
    done
    TIMES[$i]=$(printf '%s\n' "${times[@]}" | median)
    CPUS[$i]=$(printf '%s\n' "${cpus[@]}" | median)
    RSS[$i]=$(printf '%s\n' "${rsses[@]}" | median)
done
rm -f "$rssfile"

lspci_time=${TIMES[3]}
lspci_cpu=${CPUS[3]}
lspci_rss=${RSS[3]}
printf '\n%d functions, median of %d runs each (tree: %s)\n\n' "$DEVICES" "$RUNS" "$ROOT"
printf '| %-22s | %9s | %7s | %8s | %7s | %9s | %7s | %-23s |\n' command "wall (ms)" "x lspci" "cpu (ms)" "x lspci" \
    "RSS (KiB)" "x lspci" "target <=${TIME_TARGET}x, <=${RSS_TARGET}x"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "------------------------" "-----------" "---------" "----------" "---------" \
    "-----------" "---------" "-------------------------"
for i in "${!commands[@]}"; do
    awk -v name="${names[$i]}" -v t="${TIMES[$i]}" -v lt="$lspci_time" -v c="${CPUS[$i]}" -v lc="$lspci_cpu" \
        -v m="${RSS[$i]}" -v lm="$lspci_rss" -v tt="$TIME_TARGET" -v rt="$RSS_TARGET" -v is_lspci=$(( i == 3 )) 'BEGIN {
        tr = t / lt; cr = (lc > 0) ? c / lc : 0; mr = m / lm
        # Targets: list (issue 2) time and RSS; plan (issue 3) no slower than lspci -k. The JSON and
        # numeric variants are measured for comparison only.
        if (is_lspci) verdict = "(baseline)"
        else if (name ~ /plan/) verdict = sprintf("time <=1.0x %s", tr <= 1.0 ? "met" : "MISSED")
        else if (name == "vfioctl list") verdict = sprintf("time %s, RSS %s", tr <= tt ? "met" : "MISSED", mr <= rt ? "met" : "MISSED")
        else verdict = "(no target)"
        printf "| %-22s | %9.1f | %7.2f | %8.0f | %7.2f | %9d | %7.2f | %-23s |\n", name, t / 1000, tr, c / 1000, cr, m, mr, verdict
    }'
done
