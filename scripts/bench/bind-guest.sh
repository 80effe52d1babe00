#!/bin/bash
# Run INSIDE the bench VM (scripts/bench/bind-vm.sh boots it with `scripts/vm/run.sh --bench`):
# how long binding N SR-IOV VFs to vfio-pci (and back) takes with
#   (a) vfioctl: ONE `vfioctl bind VF1 ... VFn --driver vfio-pci` call, then one `vfioctl unbind`
#   (b) loop:    a bash loop of builtin echos making the same writes (override + bind; unbind +
#                clear override): the floor any tool pays for the kernel's work
#   (c) driverctl: `driverctl --nosave set-override VF vfio-pci` once per VF
#   (d) dpdk-devbind: ONE `dpdk-devbind.py -b vfio-pci VF1 ... VFn` call, from a copy whose device
#                table also accepts class 01 (stock dpdk-devbind refuses NVMe VFs)
# at each VF count of --sizes (interleaved: each run goes through every size), RUNS times each
# (median reported), with vfio-pci's default
# runtime PM and, with --d3, again with disable_idle_d3=1 (no D3hot while idle).
# The VFs start unbound (sriov_drivers_autoprobe=0). Between runs of (c) and (d) the VFs are
# put back with untimed builtin writes (driverctl unset-override would reprobe and let nvme
# grab the VFs). Per-VF cost = the least-squares slope through every run at every size (two
# medians alone swing with a few slow runs in TCG); fixed cost = that line's intercept.
# Address-space randomisation is off in the guest while measuring (every method alike, restored
# after): TCG keeps its translated code by virtual address, so each exec at a new random base
# re-translates the whole binary, which put +-100-200 ms of noise on a ~400 ms fixed cost and
# hid the per-VF cost under it. With --aslr it stays on.
#
# Usage (in the guest): scripts/bench/bind-guest.sh [--runs N] [--sizes "8 16 24 32"] [--d3] [--aslr]
#                                                  [--methods "vfioctl loop driverctl dpdk-devbind"]
#   --methods LIST  measure only these (default all four); "vfioctl loop" alone makes many runs
#                   cheap enough to pin the per-VF slope down (driverctl costs seconds per run)
#   VFIOCTL=PATH  the vfioctl binary (default: $VFIOCTL_REPO/.build/release/vfioctl)
# Prints one markdown table per power setting, then "# bench: done".
set -uo pipefail

REPO=${VFIOCTL_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
VFIOCTL=${VFIOCTL:-$REPO/.build/release/vfioctl}
RUNS=3 SIZES="8 16 24 32" D3=0 ASLR=0 METHODS="vfioctl loop driverctl dpdk-devbind"
while (($#)); do
    case $1 in
        --runs) RUNS=${2:?}; shift ;;
        --sizes) SIZES=${2:?}; shift ;;
        --d3) D3=1 ;;
        --aslr) ASLR=1 ;;
        --methods) METHODS=${2:?}; shift ;;
        *) echo "bind-guest: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[[ ${VFIOCTL_IN_VM:-} == 1 ]] || { echo "bind-guest: run it in the VM (scripts/bench/bind-vm.sh)" >&2; exit 1; }
[[ -x $VFIOCTL ]] || { echo "bind-guest: no vfioctl at $VFIOCTL" >&2; exit 1; }
((RUNS >= 3)) || { echo "bind-guest: --runs must be at least 3" >&2; exit 2; }
for method in $METHODS; do
    case $method in vfioctl|loop|driverctl|dpdk-devbind) ;; *) echo "bind-guest: unknown method $method" >&2; exit 2 ;; esac
done
read -ra SIZE_LIST <<<"$SIZES"
((${#SIZE_LIST[@]} >= 2)) || { echo "bind-guest: --sizes needs two counts or more" >&2; exit 2; }

SYS=/sys/bus/pci
WORK=/tmp/bind-bench
mkdir -p "$WORK"
export VFIOCTL_STATE_DIR=$WORK/state
log() { echo "# $*"; }
die() { echo "bind-guest: $*" >&2; exit 1; }

# --- the bench PF: an NVMe with the most VFs ---------------------------------------------------
# shellcheck source=scripts/bench/lib.sh
. "$REPO/scripts/bench/lib.sh"
max=0
for n in "${SIZE_LIST[@]}"; do ((n > max)) && max=$n; done
bench_pf "$SYS" "$max" || die "no SR-IOV PF with $max VFs (boot with scripts/vm/run.sh --bench)"
read -r best <"$PFD/sriov_totalvfs"
log "PF $PF offers $best VFs; sizes: ${SIZE_LIST[*]}; runs: $RUNS; vfioctl: $VFIOCTL"

# --- tools -------------------------------------------------------------------------------------
DRIVERCTL=$(command -v driverctl) || die "driverctl not installed (bind-vm.sh installs it on the host)"
STOCK_DEVBIND=$(command -v dpdk-devbind.py) || die "dpdk-devbind.py not installed (Debian package dpdk)"
DEVBIND=$WORK/dpdk-devbind.py
# The copy accepts any class-01 (storage) device, as in the measurements the notes describe.
sed 's/^misc_devices = \[/misc_devices = [{"Class": "01", "Vendor": None, "Device": None, "SVendor": None, "SDevice": None}, /' \
    "$STOCK_DEVBIND" >"$DEVBIND"
grep -q '^misc_devices = \[{"Class": "01"' "$DEVBIND" || die "could not extend dpdk-devbind's device table"
chmod +x "$DEVBIND"

# --- helpers (builtins only: they run inside timed regions) ------------------------------------
VFS=()
make_vfs() { bench_make_vfs "$1" || die "cannot set up $1 VFs"; }

reset_vfs() {  # untimed: every VF unbound, override clear
    local vf
    for vf in "${VFS[@]}"; do
        bench_driver_of "$vf"
        [[ -n $REPLY ]] && echo "$vf" >"$SYS/drivers/$REPLY/unbind"
        echo >"$SYS/devices/$vf/driver_override"
    done
    bench_all_on "" >/dev/null || die "could not reset the VFs: $(bench_all_on "")"
}

T=0
now() { T=${EPOCHREALTIME/./}; }
since() { REPLY=$((${EPOCHREALTIME/./} - T)); }   # microseconds

declare -A SAMPLES=()   # [method/phase/n] = "us us us"
record() { SAMPLES[$1]+="${SAMPLES[$1]:+ }$2"; }
FAILURES=""

# --- the four methods --------------------------------------------------------------------------
run_vfioctl() {
    local n=${#VFS[@]}
    now
    "$VFIOCTL" bind "${VFS[@]}" --driver vfio-pci >"$WORK/out" 2>&1
    local rc=$?; since; local us=$REPLY
    if ((rc != 0)) || ! bench_all_on vfio-pci >/dev/null; then
        FAILURES+=" vfioctl-bind/$n(rc=$rc)"; log "vfioctl bind failed: $(head -c 300 "$WORK/out")"; reset_vfs; return
    fi
    record "vfioctl/bind/$n" "$us"
    now
    "$VFIOCTL" unbind "${VFS[@]}" >"$WORK/out" 2>&1
    rc=$?; since; us=$REPLY
    if ((rc != 0)) || ! bench_all_on "" >/dev/null; then
        FAILURES+=" vfioctl-unbind/$n(rc=$rc)"; log "vfioctl unbind failed: $(head -c 300 "$WORK/out")"; reset_vfs; return
    fi
    record "vfioctl/unbind/$n" "$us"
}

run_loop() {
    local n=${#VFS[@]} vf
    now
    for vf in "${VFS[@]}"; do
        echo vfio-pci >"$SYS/devices/$vf/driver_override"
        echo "$vf" >"$SYS/drivers/vfio-pci/bind"
    done
    since; local us=$REPLY
    bench_all_on vfio-pci >/dev/null || { FAILURES+=" loop-bind/$n"; reset_vfs; return; }
    record "loop/bind/$n" "$us"
    now
    for vf in "${VFS[@]}"; do
        echo "$vf" >"$SYS/drivers/vfio-pci/unbind"
        echo >"$SYS/devices/$vf/driver_override"
    done
    since; us=$REPLY
    bench_all_on "" >/dev/null || { FAILURES+=" loop-unbind/$n"; reset_vfs; return; }
    record "loop/unbind/$n" "$us"
}

run_driverctl() {
    local n=${#VFS[@]} vf rc=0
    now
    for vf in "${VFS[@]}"; do
        "$DRIVERCTL" --nosave set-override "$vf" vfio-pci >/dev/null 2>"$WORK/err" || rc=1
    done
    since; local us=$REPLY
    if ((rc)) || ! bench_all_on vfio-pci >/dev/null; then
        FAILURES+=" driverctl/$n"; log "driverctl failed: $(head -c 300 "$WORK/err")"
    else
        record "driverctl/bind/$n" "$us"
    fi
    reset_vfs
}

run_dpdk_devbind() {
    local n=${#VFS[@]}
    now
    /usr/bin/python3 "$DEVBIND" -b vfio-pci "${VFS[@]}" >"$WORK/out" 2>&1
    local rc=$?; since; local us=$REPLY
    if ((rc != 0)) || ! bench_all_on vfio-pci >/dev/null; then
        FAILURES+=" dpdk-devbind/$n(rc=$rc)"; log "dpdk-devbind failed: $(head -c 300 "$WORK/out")"
    else
        record "dpdk-devbind/bind/$n" "$us"
    fi
    reset_vfs
}

median() {  # median US...: REPLY = the median (lower middle for an even count)
    local -a v=("$@")
    local i j t
    for ((i = 1; i < ${#v[@]}; i++)); do
        t=${v[i]}
        for ((j = i - 1; j >= 0 && v[j] > t; j--)); do v[j + 1]=${v[j]}; done
        v[j + 1]=$t
    done
    REPLY=${v[(${#v[@]} - 1) / 2]}
}

# --- one power setting --------------------------------------------------------------------------
BENCH_NO=0
bench() {  # bench LABEL
    local label=$1 n r method
    BENCH_NO=$((BENCH_NO + 1))
    SAMPLES=() FAILURES=""
    # One untimed bind and unbind first: the binary's pages come over 9p once per boot.
    make_vfs "${SIZE_LIST[0]}"
    "$VFIOCTL" bind "${VFS[@]}" --driver vfio-pci >/dev/null 2>&1
    "$VFIOCTL" unbind "${VFS[@]}" >/dev/null 2>&1
    bench_all_on "" >/dev/null || reset_vfs
    # Sizes are interleaved within each run, so a slow spell of the host (TCG shares it) lands on
    # every size alike instead of posing as a per-VF cost. The methods take turns going first
    # (reversed order on even runs): the first method binds VFs just created, whose sysfs
    # entries the kernel has not looked up yet, and the others bind them after it.
    local order
    for ((r = 1; r <= RUNS; r++)); do
        order=$METHODS
        # shellcheck disable=SC2086 # a list of words
        if ((r % 2 == 0)); then order=$(printf '%s\n' $METHODS | tac | tr '\n' ' '); fi
        for n in "${SIZE_LIST[@]}"; do
            make_vfs "$n"
            bench_all_on "" >/dev/null || reset_vfs
            for method in $order; do "run_${method//-/_}"; done
            log "$label: run $r, $n VFs done"
        done
    done
    echo 0 >"$PFD/sriov_numvfs"
    report "$label"
}

report() {
    local label=$1 key out=$WORK/results-$BENCH_NO
    {
        echo "sizes ${SIZE_LIST[*]}"
        for key in "${!SAMPLES[@]}"; do
            # shellcheck disable=SC2086 # a list of numbers
            median ${SAMPLES[$key]}
            echo "median $key $REPLY ${SAMPLES[$key]}"
        done
        echo "failures ${FAILURES:- none}"
    } >"$out"
    awk -v label="$label" -f /dev/stdin "$out" <<'AWK'
/^sizes/ { lo = $2; hi = $NF; nsizes = NF - 1; for (i = 2; i <= NF; i++) size[i - 1] = $i }
/^median/ {
    split($2, k, "/"); key = k[1] "/" k[2]; med[key "/" k[3]] = $3 / 1000
    # every sample, for the least-squares line through all sizes
    for (i = 4; i <= NF; i++) { c[key]++; sx[key] += k[3]; sy[key] += $i / 1000; sxx[key] += k[3] * k[3]; sxy[key] += k[3] * $i / 1000; syy[key] += ($i / 1000) ^ 2 }
    # every sample by run, for the paired estimate
    for (i = 4; i <= NF; i++) run[key "/" k[3] "/" (i - 3)] = $i / 1000
    nruns[key "/" k[3]] = NF - 3
    if (key == "vfioctl/bind") {
        mn = mx = $4
        for (i = 5; i <= NF; i++) { if ($i < mn) mn = $i; if ($i > mx) mx = $i }
        spread[k[3]] = sprintf("%.0f-%.0f", mn / 1000, mx / 1000)
    }
}
/^failures/ { $1 = ""; failures = $0 }
function has(m, p) { return ((m "/" p "/" lo) in med) && ((m "/" p "/" hi) in med) }
# Per-VF cost: the least-squares slope over every run at every size (medians at two sizes alone
# swing with a few slow runs); fixed cost: the line's intercept.
function slope(m, p,   key) { key = m "/" p; return (c[key] * sxy[key] - sx[key] * sy[key]) / (c[key] * sxx[key] - sx[key] * sx[key]) }
# Its standard error: how far run-to-run noise lets the slope move.
function slope_se(m, p,   key, sxxc, sxyc, syyc, ssr) {
    key = m "/" p; sxxc = sxx[key] - sx[key] ^ 2 / c[key]; sxyc = sxy[key] - sx[key] * sy[key] / c[key]
    syyc = syy[key] - sy[key] ^ 2 / c[key]; ssr = syyc - sxyc ^ 2 / sxxc
    return (c[key] > 2 && ssr > 0) ? sqrt(ssr / (c[key] - 2) / sxxc) : 0
}
# Paired per VF: the median over runs of (largest - smallest count) / difference, each run's two
# samples taken in the same round, so slow stretches of the VM cancel out.
function paired(m, p,   key, n, i, j, d, x) {
    key = m "/" p; n = nruns[key "/" lo]; if (nruns[key "/" hi] < n) n = nruns[key "/" hi]
    for (i = 1; i <= n; i++) {
        x = (run[key "/" hi "/" i] - run[key "/" lo "/" i]) / (hi - lo)
        for (j = i - 1; j >= 1 && d[j] > x; j--) d[j + 1] = d[j]
        d[j + 1] = x
    }
    return n % 2 ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2
}
function fixed(m, p,   key) { key = m "/" p; return (sy[key] - slope(m, p) * sx[key]) / c[key] }
function cell(m, p, n) { return ((m "/" p "/" n) in med) ? sprintf("%.0f", med[m "/" p "/" n]) : "-" }
END {
    printf "\n### Binding SR-IOV VFs to vfio-pci (%s)\n\n", label
    printf "Median of the runs, ms, in the TCG test VM. Per VF = least-squares slope over every run at all %d sizes (%d to %d VFs) ± its standard error; fixed = its intercept.\n\n", nsizes, lo, hi
    printf "| method | bind %d VFs | bind %d VFs | per VF | fixed | unbind %d VFs | unbind %d VFs | unbind per VF |\n", lo, hi, lo, hi
    printf "|---|---:|---:|---:|---:|---:|---:|---:|\n"
    n = split("vfioctl loop driverctl dpdk-devbind", ms, " ")
    names["vfioctl"] = "vfioctl (one call)"; names["loop"] = "bash loop, builtin echo"
    names["driverctl"] = "driverctl set-override per VF"; names["dpdk-devbind"] = "dpdk-devbind.py -b (one call)"
    for (i = 1; i <= n; i++) {
        m = ms[i]
        printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", names[m], cell(m, "bind", lo), cell(m, "bind", hi),
            has(m, "bind") ? sprintf("%.1f ± %.1f", slope(m, "bind"), slope_se(m, "bind")) : "-", has(m, "bind") ? sprintf("%.0f", fixed(m, "bind")) : "-",
            cell(m, "unbind", lo), cell(m, "unbind", hi), has(m, "unbind") ? sprintf("%.1f ± %.1f", slope(m, "unbind"), slope_se(m, "unbind")) : "-"
    }
    printf "\n"
    if (has("vfioctl", "bind") && has("loop", "bind")) {
        r = slope("vfioctl", "bind") / slope("loop", "bind")
        # A verdict only when vfioctl's slope +- two standard errors lies on one side of the target:
        # a handful of runs on a noisy host puts the same binary on either side.
        upper = (slope("vfioctl", "bind") + 2 * slope_se("vfioctl", "bind")) / slope("loop", "bind")
        lower = (slope("vfioctl", "bind") - 2 * slope_se("vfioctl", "bind")) / slope("loop", "bind")
        printf "- vfioctl per VF / loop per VF (bind): %.2fx, %.2fx to %.2fx within 2 SE (target <= 1.2x): %s\n", r, lower, upper,
            (upper <= 1.2 ? "met" : (lower > 1.2 ? "NOT met" : "not decided by these runs (scripts/bench/bind-insn-vm.sh counts instructions instead)"))
    }
    if (has("vfioctl", "bind") && has("loop", "bind")) {
        # The issue's own definition: the slope between the medians at the smallest and largest count.
        v2 = (med["vfioctl/bind/" hi] - med["vfioctl/bind/" lo]) / (hi - lo)
        l2 = (med["loop/bind/" hi] - med["loop/bind/" lo]) / (hi - lo)
        printf "- per VF from the %d- and %d-VF medians alone: vfioctl %.1f ms, loop %.1f ms (%.2fx)\n", lo, hi, v2, l2, (l2 > 0) ? v2 / l2 : 0
        v3 = paired("vfioctl", "bind"); l3 = paired("loop", "bind")
        # A failed run leaves a gap that would pair samples of different runs.
        if (failures == " none") printf "- per VF paired by run (median of each run's (%d-VF - %d-VF) / %d): vfioctl %.2f ms, loop %.2f ms (%.2fx)\n", hi, lo, hi - lo, v3, l3, (l3 > 0) ? v3 / l3 : 0
    }
    if (has("vfioctl", "unbind") && has("loop", "unbind")) {
        printf "- vfioctl per VF / loop per VF (unbind): %.2fx\n", slope("vfioctl", "unbind") / slope("loop", "unbind")
    }
    v = med["vfioctl/bind/" hi]
    if (("driverctl/bind/" hi) in med) {
        r = v / med["driverctl/bind/" hi]
        printf "- vfioctl / driverctl, whole %d-VF bind: %.3fx (target <= 0.05x): %s\n", hi, r, r <= 0.05 ? "met" : "NOT met"
    }
    if (("dpdk-devbind/bind/" hi) in med) {
        r = v / med["dpdk-devbind/bind/" hi]
        printf "- vfioctl / dpdk-devbind, whole %d-VF bind: %.3fx (target <= 0.2x): %s\n", hi, r, r <= 0.2 ? "met" : "NOT met"
    }
    if (has("vfioctl", "bind") && has("loop", "bind"))
        printf "- vfioctl / loop, whole %d-VF bind: %.1fx (vfioctl's fixed cost: process start, inventory, plan, safety scan)\n", hi, v / med["loop/bind/" hi]
    printf "- vfioctl bind, range of the runs (ms):"
    for (i = 1; i <= nsizes; i++) printf " %d VFs %s;", size[i], spread[size[i]]
    printf "\n- failures:%s\n", failures
}
AWK
    log "raw samples (us): $(grep '^median' "$out" | cut -d' ' -f2,4- | tr '\n' ';')"
}

((ASLR)) || bench_aslr_off
log "address-space randomisation: $(</proc/sys/kernel/randomize_va_space) (0 = off, for every method)"
modprobe vfio_pci || die "cannot load vfio_pci"
read -r d3 </sys/module/vfio_pci/parameters/disable_idle_d3
bench "vfio-pci default: disable_idle_d3=$d3"
if ((D3)); then
    if rmmod vfio_pci && modprobe vfio_pci disable_idle_d3=1; then
        read -r d3 </sys/module/vfio_pci/parameters/disable_idle_d3
        bench "vfio-pci disable_idle_d3=$d3"
    else
        log "could not reload vfio_pci with disable_idle_d3=1"
    fi
fi
echo 1 >"$PFD/sriov_drivers_autoprobe"
echo "# bench: done"
