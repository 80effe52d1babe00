#!/bin/bash
# Run INSIDE the bench VM (scripts/bench/guardrails boots it with `scripts/vm/run.sh --bench`): the
# real-kernel guardrails of issue 17 for one or more vfioctl builds, interleaved in one boot.
#
#   many VFs  binding N SR-IOV VFs to vfio-pci at each count of --sizes, RUNS rounds:
#             one `vfioctl bind VF1 ... VFn --driver vfio-pci` per build; a bash loop of builtin echos
#             making the same two writes per VF (override, bind: the floor any tool pays); and, at the
#             largest count only, `driverctl --nosave set-override` once per VF and one
#             `dpdk-devbind.py -b vfio-pci VF1 ... VFn` (a copy whose device table accepts class 01:
#             stock dpdk-devbind refuses NVMe VFs)
#   one VF    the hot-plug path, HOTPLUG_RUNS rounds: one `vfioctl bind VF --driver vfio-pci` and one
#             `vfioctl apply STATE --device VF --lock-timeout 30` (the command line of the `persist` udev
#             rule, with the SEQNUM/DEVPATH udev gives it) per build, and one
#             `driverctl --nosave set-override VF vfio-pci`
# Every timed call starts from an unbound VF with a clear override (sriov_drivers_autoprobe=0); the
# methods take turns going first (reversed order on even rounds), so a slow spell of the host lands on
# all of them; address-space randomisation is off for every method alike (TCG re-translates a binary
# loaded at a new address). Per VF = (median at the largest count - median at the smallest) / their
# difference: medians, because one call of a TCG guest on a loaded host can stall for seconds, which a
# least-squares line through every sample would follow.
#
# Usage (in the guest): VFIOCTL_BUILDS="LABEL=PATH [LABEL=PATH]" scripts/bench/guardrails-guest.sh
#                       [--runs N] [--sizes "8 16 24 32"] [--hotplug-runs N]
# Prints markdown tables, one `guardrail KEY LABEL VALUE` line per measured ratio (for the host's
# summary), and "# guardrails: done".
set -uo pipefail

RUNS=3 SIZES="8 16 24 32" HOTPLUG_RUNS=9
while (($#)); do
    case $1 in
        --runs) RUNS=${2:?}; shift ;;
        --sizes) SIZES=${2:?}; shift ;;
        --hotplug-runs) HOTPLUG_RUNS=${2:?}; shift ;;
        *) echo "guardrails-guest: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
die() { echo "guardrails-guest: $*" >&2; exit 1; }
log() { echo "# $*"; }
[[ ${VFIOCTL_IN_VM:-} == 1 ]] || die "run it in the VM (scripts/bench/guardrails)"
((RUNS >= 1 && HOTPLUG_RUNS >= 1)) || die "--runs and --hotplug-runs must be at least 1"
read -ra SIZE_LIST <<<"$SIZES"
((${#SIZE_LIST[@]} >= 2)) || die "--sizes needs two counts or more (the per-VF slope)"
LABELS=()
declare -A BIN=()
for build in ${VFIOCTL_BUILDS:?set VFIOCTL_BUILDS=\"LABEL=PATH ...\"}; do
    label=${build%%=*}
    LABELS+=("$label")
    BIN[$label]=${build#*=}
    [[ -x ${BIN[$label]} ]] || die "no vfioctl at ${BIN[$label]}"
done

SYS=/sys/bus/pci
WORK=/tmp/guardrails
mkdir -p "$WORK"
# shellcheck source=scripts/bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MAX=0
for n in "${SIZE_LIST[@]}"; do ((n > MAX)) && MAX=$n; done
bench_guest_ready "$MAX"
bench_aslr_off
read -r PF_VENDOR <"$PFD/vendor"
read -r PF_DEVICE <"$PFD/device"
log "PF $PF ($PF_VENDOR:$PF_DEVICE); sizes ${SIZE_LIST[*]}; rounds $RUNS (many VFs), $HOTPLUG_RUNS (one VF)"
for label in "${LABELS[@]}"; do log "build $label: ${BIN[$label]}"; done

DRIVERCTL=$(command -v driverctl) || die "driverctl not installed (scripts/bench/guardrails installs it on the host)"
STOCK_DEVBIND=$(command -v dpdk-devbind.py) || die "dpdk-devbind.py not installed (Debian package dpdk)"
DEVBIND=$WORK/dpdk-devbind.py
sed 's/^misc_devices = \[/misc_devices = [{"Class": "01", "Vendor": None, "Device": None, "SVendor": None, "SDevice": None}, /' \
    "$STOCK_DEVBIND" >"$DEVBIND"
grep -q '^misc_devices = \[{"Class": "01"' "$DEVBIND" || die "could not extend dpdk-devbind's device table"

# --- helpers (builtins only inside timed regions) -------------------------------------------------
VFS=()
make_vfs() { bench_make_vfs "$1" || die "cannot set up $1 VFs"; }

reset_vfs() {  # untimed: every VF in VFS unbound, override clear
    local vf
    for vf in "${VFS[@]}"; do
        bench_driver_of "$vf"
        [[ -n $REPLY ]] && echo "$vf" >"$SYS/drivers/$REPLY/unbind"
        echo >"$SYS/devices/$vf/driver_override"
    done
    bench_all_on "" >/dev/null || die "could not reset the VFs: $(bench_all_on "")"
}

# vfioctl_reset LABEL: untimed `vfioctl unbind` of the VFs it bound (its records stay consistent).
vfioctl_reset() {
    VFIOCTL_STATE_DIR=$WORK/state-$1 "${BIN[$1]}" unbind "${VFS[@]}" >"$WORK/out" 2>&1
    bench_all_on "" >/dev/null || reset_vfs
}

T=0
now() { T=${EPOCHREALTIME/./}; }
since() { REPLY=$((${EPOCHREALTIME/./} - T)); }   # microseconds
declare -A SAMPLES=()   # [key] = "us us us"
record() { SAMPLES[$1]+="${SAMPLES[$1]:+ }$2"; }
FAILURES=""

# timed KEY RESET COMMAND...: one timed call from unbound VFs; recorded when it succeeds and every VF
# ends on vfio-pci; then RESET puts them back.
timed() {
    local key=$1 reset=$2 rc us
    shift 2
    now
    "$@" >"$WORK/out" 2>&1
    rc=$?
    since
    us=$REPLY   # before bench_all_on, which sets REPLY too
    if ((rc == 0)) && bench_all_on vfio-pci >/dev/null; then
        record "$key" "$us"
    else
        FAILURES+=" $key(rc=$rc)"
        log "$key failed (rc $rc): $(head -c 300 "$WORK/out")"
    fi
    $reset
}

loop_bind() {
    local vf
    for vf in "${VFS[@]}"; do
        echo vfio-pci >"$SYS/devices/$vf/driver_override"
        echo "$vf" >"$SYS/drivers/vfio-pci/bind"
    done
}
driverctl_each() {
    local vf rc=0
    for vf in "${VFS[@]}"; do
        "$DRIVERCTL" --nosave set-override "$vf" vfio-pci || rc=1
    done
    return $rc
}

# run_method METHOD N: one timed call of METHOD on the VFs in VFS (N of them, for the key).
run_method() {
    local method=$1 n=$2
    case $method in
        loop) timed "loop/$n" reset_vfs loop_bind ;;
        driverctl) timed "driverctl/$n" reset_vfs driverctl_each ;;
        dpdk-devbind) timed "dpdk-devbind/$n" reset_vfs /usr/bin/python3 "$DEVBIND" -b vfio-pci "${VFS[@]}" ;;
        vfioctl:*)
            local label=${method#vfioctl:}
            timed "vfioctl:$label/$n" "vfioctl_reset $label" \
                env VFIOCTL_STATE_DIR="$WORK/state-$label" "${BIN[$label]}" bind "${VFS[@]}" --driver vfio-pci ;;
        bind1:*)
            local label=${method#bind1:}
            timed "bind1:$label" "vfioctl_reset $label" \
                env VFIOCTL_STATE_DIR="$WORK/state-$label" "${BIN[$label]}" bind "${VFS[0]}" --driver vfio-pci ;;
        apply1:*)
            local label=${method#apply1:}
            timed "apply1:$label" "vfioctl_reset $label" \
                env VFIOCTL_STATE_DIR="$WORK/state-$label" SEQNUM=1 DEVPATH="/devices/pci/${VFS[0]}" \
                "${BIN[$label]}" apply "$STATE" --device "${VFS[0]}" --lock-timeout 30 ;;
        driverctl1) timed driverctl1 reset_vfs "$DRIVERCTL" --nosave set-override "${VFS[0]}" vfio-pci ;;
    esac
}

ordered() {  # ordered ROUND WORD...: REPLY = the words, reversed on even rounds
    local round=$1 i
    shift
    REPLY=""
    if ((round % 2)); then REPLY="$*"; else for ((i = $#; i >= 1; i--)); do REPLY+="${!i} "; done; fi
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

# --- many VFs --------------------------------------------------------------------------------------
VFIOCTL_METHODS=()
for label in "${LABELS[@]}"; do VFIOCTL_METHODS+=("vfioctl:$label"); done
make_vfs "${SIZE_LIST[0]}"
reset_vfs
# Untimed first calls: each program's pages come over 9p once per boot.
for label in "${LABELS[@]}"; do run_method "vfioctl:$label" 0; done
SAMPLES=() FAILURES=""
for ((r = 1; r <= RUNS; r++)); do
    for n in "${SIZE_LIST[@]}"; do
        make_vfs "$n"
        reset_vfs
        methods=(loop "${VFIOCTL_METHODS[@]}")
        ((n == MAX)) && methods+=(driverctl dpdk-devbind)
        ordered "$r" "${methods[@]}"
        for method in $REPLY; do run_method "$method" "$n"; done
        log "many VFs: round $r, $n VFs done"
    done
done

# --- one VF: the hot-plug path -----------------------------------------------------------------------
HOTPLUG_VFS=4
make_vfs "$HOTPLUG_VFS"
reset_vfs
VFS=("${VFS[0]}")   # the one VF every method binds; its siblings stay unbound
STATE=$WORK/state.toml
printf '%s\n' '[[device]]' "address = \"$PF\"" "vendor = \"${PF_VENDOR#0x}\"" "device = \"${PF_DEVICE#0x}\"" \
    'state = "host"' "vfs = $HOTPLUG_VFS" '' '[[device]]' "vfs_of = \"$PF\"" 'state = "vfio"' >"$STATE"
ONE_METHODS=(driverctl1)
for label in "${LABELS[@]}"; do ONE_METHODS+=("bind1:$label" "apply1:$label"); done
for method in "${ONE_METHODS[@]}"; do run_method "$method" 1; done   # untimed warm-up
for key in "${!SAMPLES[@]}"; do [[ $key == *1:* || $key == driverctl1 ]] && unset "SAMPLES[$key]"; done
for ((r = 1; r <= HOTPLUG_RUNS; r++)); do
    ordered "$r" "${ONE_METHODS[@]}"
    for method in $REPLY; do run_method "$method" 1; done
done
log "one VF: $HOTPLUG_RUNS rounds done"
echo 0 >"$PFD/sriov_numvfs"
echo 1 >"$PFD/sriov_drivers_autoprobe"

# --- report ----------------------------------------------------------------------------------------
out=$WORK/samples
{
    echo "sizes ${SIZE_LIST[*]}"
    echo "labels ${LABELS[*]}"
    for key in "${!SAMPLES[@]}"; do
        # shellcheck disable=SC2086 # a list of numbers
        median ${SAMPLES[$key]}
        echo "median $key $REPLY ${SAMPLES[$key]}"
    done
    echo "failures ${FAILURES:- none}"
} >"$out"
log "raw samples (us): $(grep '^median' "$out" | cut -d' ' -f2,4- | tr '\n' ';')"
awk -f /dev/stdin "$out" <<'AWK'
/^sizes/ { for (i = 2; i <= NF; i++) size[++nsizes] = $i; lo = size[1]; hi = size[nsizes] }
/^labels/ { for (i = 2; i <= NF; i++) label[++nlabels] = $i }
/^failures/ { $1 = ""; failures = $0 }
/^median/ { med[$2] = $3 / 1000 }
function measured(m) { return ((m "/" lo) in med) && ((m "/" hi) in med) }
function slope(m) { return (med[m "/" hi] - med[m "/" lo]) / (hi - lo) }
function fixed(m) { return med[m "/" lo] - slope(m) * lo }
function cell(key) { return (key in med) ? sprintf("%.0f", med[key]) : "-" }
function ratio(a, b) { return ((a in med) && (b in med) && med[b] > 0) ? med[a] / med[b] : -1 }
function verdict(r, target) { return r < 0 ? "not measured" : (r <= target ? "met" : "MISSED") }
function show(name, key, a, b, target) {
    r = ratio(a, b)
    printf "| %s | %s | %s |\n", name, r < 0 ? "-" : sprintf("%.3fx", r), verdict(r, target)
    if (r >= 0) printf "guardrail %s %.4f\n", key, r
}
END {
    printf "\n### Binding many SR-IOV VFs to vfio-pci (real kernel, TCG)\n\n"
    printf "Median of the rounds, ms. Per VF = (median at %d VFs - median at %d) / %d; fixed = the %d-VF median - %d x per VF.\n\n", hi, lo, hi - lo, lo, lo
    printf "| method |"; for (i = 1; i <= nsizes; i++) printf " %d VFs |", size[i]; printf " per VF | fixed |\n"
    printf "|---|"; for (i = 1; i <= nsizes; i++) printf "---:|"; printf "---:|---:|\n"
    nm = 0; for (j = 1; j <= nlabels; j++) method[++nm] = "vfioctl:" label[j]
    method[++nm] = "loop"; method[++nm] = "driverctl"; method[++nm] = "dpdk-devbind"
    name["loop"] = "bash loop, builtin echo"; name["driverctl"] = "driverctl --nosave set-override per VF"
    name["dpdk-devbind"] = "dpdk-devbind.py -b (one call)"
    for (j = 1; j <= nlabels; j++) name["vfioctl:" label[j]] = "vfioctl bind (one call), " label[j]
    for (i = 1; i <= nm; i++) {
        m = method[i]; printf "| %s |", name[m]
        for (s = 1; s <= nsizes; s++) printf " %s |", cell(m "/" size[s])
        if (measured(m)) printf " %.2f | %.0f |\n", slope(m), fixed(m); else printf " - | - |\n"
    }
    printf "\n### One VF: the hot-plug path (real kernel, TCG)\n\nMedian of the rounds, ms.\n\n| command | ms | x driverctl |\n|---|---:|---:|\n"
    printf "| driverctl --nosave set-override VF vfio-pci | %s | 1.00 |\n", cell("driverctl1")
    for (j = 1; j <= nlabels; j++) {
        l = label[j]
        printf "| vfioctl bind VF --driver vfio-pci, %s | %s | %.2f |\n", l, cell("bind1:" l), ratio("bind1:" l, "driverctl1")
        printf "| vfioctl apply STATE --device VF, %s | %s | %.2f |\n", l, cell("apply1:" l), ratio("apply1:" l, "driverctl1")
    }
    printf "\n| guardrail (target) | ratio | verdict |\n|---|---:|---|\n"
    for (j = 1; j <= nlabels; j++) {
        l = label[j]; v = "vfioctl:" l "/" hi
        show(sprintf("%s: whole %d-VF bind / driverctl (<= 0.05x)", l, hi), "bind" hi "-driverctl " l, v, "driverctl/" hi, 0.05)
        show(sprintf("%s: whole %d-VF bind / dpdk-devbind (<= 0.2x)", l, hi), "bind" hi "-dpdk " l, v, "dpdk-devbind/" hi, 0.2)
        m = "vfioctl:" l
        r = (measured(m) && measured("loop") && slope("loop") > 0) ? slope(m) / slope("loop") : -1
        printf "| %s: per-VF bind / bash loop (<= 1.5x) | %s | %s |\n", l, r < 0 ? "-" : sprintf("%.2fx", r), verdict(r, 1.5)
        if (r >= 0) printf "guardrail pervf-loop %s %.4f\n", l, r
        show(sprintf("%s: one-VF bind / driverctl set-override (<= 1.0x)", l), "bind1-driverctl " l, "bind1:" l, "driverctl1", 1.0)
        show(sprintf("%s: one-VF apply --device / driverctl set-override (<= 1.0x)", l), "apply1-driverctl " l, "apply1:" l, "driverctl1", 1.0)
    }
    printf "\n- failures:%s\n", failures
}
AWK
echo "# guardrails: done"
