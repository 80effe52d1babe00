# shellcheck shell=bash
# Helpers shared by the bench scripts (sourced, not run).

# bench_install_missing NAME COMMAND PACKAGE [COMMAND PACKAGE ...]: apt-get install the packages
# whose command is missing on the host (the guest runs the host's / read-only, so tools the guest
# needs are installed here).
bench_install_missing() {
    local name=$1 missing=()
    shift
    while (($# >= 2)); do
        command -v "$1" >/dev/null || missing+=("$2")
        shift 2
    done
    ((${#missing[@]})) || return 0
    echo "$name: installing ${missing[*]}" >&2
    [[ $(id -u) == 0 ]] || { echo "$name: need root to apt-get install ${missing[*]}" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    }
}

# bench_pf SYSFS_PCI MIN_VFS: sets PF and PFD to the SR-IOV PF offering the most VFs (the bench
# VM's second NVMe); returns 1 when none offers MIN_VFS.
# shellcheck disable=SC2034 # PF and PFD are set for the caller
bench_pf() {
    local d total best=0
    PF=""
    for d in "$1"/devices/*; do
        [[ -r $d/sriov_totalvfs ]] || continue
        read -r total <"$d/sriov_totalvfs"
        ((total > best)) && { best=$total; PF=${d##*/}; }
    done
    PFD=$1/devices/$PF
    [[ -n $PF ]] && ((best >= $2))
}

# bench_guest_ready MIN_VFS: in the guest, finds the bench PF offering MIN_VFS (PF, PFD) and loads
# vfio-pci; calls the script's die on failure.
bench_guest_ready() {
    bench_pf /sys/bus/pci "$1" || die "no SR-IOV PF with $1 VFs (boot with scripts/vm/run.sh --bench)"
    modprobe vfio_pci || die "cannot load vfio_pci"
}

# bench_aslr_off: turns the guest's address-space randomisation off until the script exits (TCG
# keeps translated code by virtual address; see BENCHMARKS.md).
bench_aslr_off() {
    read -r BENCH_ASLR_BEFORE </proc/sys/kernel/randomize_va_space
    trap 'echo "$BENCH_ASLR_BEFORE" >/proc/sys/kernel/randomize_va_space' EXIT
    echo 0 >/proc/sys/kernel/randomize_va_space || die "cannot turn address-space randomisation off"
}

# bench_make_vfs N [fresh]: exactly N unbound VFs of the PF in PFD (driver autoprobe off), their
# addresses in VFS; the VFs are created afresh unless N are enabled already (with `fresh`, always:
# new VFs whose sysfs entries no method has looked up yet). Returns 1 when the kernel refuses the
# count or a virtfn link is missing. Builtins only (no readlink processes).
# shellcheck disable=SC2034 # VFS is set for the caller
bench_make_vfs() {
    local n=$1 i cur here=$PWD
    echo 0 >"$PFD/sriov_drivers_autoprobe"
    read -r cur <"$PFD/sriov_numvfs"
    if ((cur != n)) || [[ ${2:-} == fresh ]]; then
        if ((cur > 0)); then echo 0 >"$PFD/sriov_numvfs"; fi
        echo "$n" >"$PFD/sriov_numvfs" || return 1
    fi
    VFS=()
    for ((i = 0; i < n; i++)); do
        cd -P "$PFD/virtfn$i" || { cd "$here" || true; return 1; }
        VFS+=("${PWD##*/}")
    done
    cd "$here" || return 1
}

# bench_driver_of BDF: REPLY = the driver BDF is bound to ("" = none). Builtins only.
bench_driver_of() {
    REPLY=""
    [[ -e /sys/bus/pci/devices/$1/driver ]] || return 0
    local here=$PWD
    cd -P "/sys/bus/pci/devices/$1/driver" && REPLY=${PWD##*/}
    cd "$here" || exit 1
}

# bench_all_on DRIVER: every VF in VFS is bound to DRIVER ("" = unbound, and then its
# driver_override must be clear too); otherwise says which is not and returns 1.
bench_all_on() {
    local vf o
    for vf in "${VFS[@]}"; do
        bench_driver_of "$vf"
        [[ $REPLY == "$1" ]] || { echo "$vf is on '${REPLY}', expected '$1'"; return 1; }
        if [[ -z $1 ]]; then
            read -r o <"/sys/bus/pci/devices/$vf/driver_override"
            [[ $o == "(null)" || -z $o ]] || { echo "$vf keeps driver_override=$o"; return 1; }
        fi
    done
}

# bench_binary NAME: when BINARY is empty, builds vfioctl for release with the Swift runtime
# linked in (as scripts/install.sh does) and sets BINARY to it; then checks BINARY runs.
bench_binary() {
    if [[ -z $BINARY ]]; then
        # shellcheck source=scripts/lib/swift-flags.sh
        . "$REPO/scripts/lib/swift-flags.sh"
        (cd "$REPO" && swift_build "${SWIFT_INSTALL_BUILD[@]}" --product vfioctl >&2)
        BINARY=$(cd "$REPO" && swift_build "${SWIFT_INSTALL_BUILD[@]}" --show-bin-path)/vfioctl
    fi
    [[ -x $BINARY ]] || { echo "$1: no vfioctl at $BINARY" >&2; exit 1; }
}
