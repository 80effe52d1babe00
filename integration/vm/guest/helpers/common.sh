# shellcheck shell=bash
# Shared by the binding suites (20-49): running vfioctl, sysfs probes, device discovery and a
# safety net that puts every device back the way the suite found it. Source after lib.sh.
# Builtins only, except where a tool is the point (modprobe, ip, setpriv).
#
#   vfio NAME WANT ARGS...   run "${VFIO_WRAP[@]} $VFIOCTL ARGS" (stdout -> $VOUT, stderr -> $VERR), report
#                            "NAME exits WANT", set VRC (exit status) and VMS (milliseconds),
#                            and json_load $VOUT into J when it is a JSON document
#   override_of BDF          REPLY = driver_override ("" when unset: "(null)" or empty)
#   expect_override BDF VAL  driver_override is VAL ("" = unset)
#   text_has FILE TEXT       FILE contains TEXT
#   snapshot BDF...          remember each device's driver and override for restore_all
#   restore_all              put every snapshotted device back with plain sysfs writes (runs
#                            from the EXIT trap, so a suite that dies still cleans up); also
#                            kills HOLDERS, removes VFs of SRIOV_PFS and unloads test_vfio_pci
#   find_one LABEL VEN DEV   REPLY = the one BDF with these ids; the suite stops if there isn't
#                            exactly one
#   hold NODE                start a background process holding NODE open (read-write);
#                            HOLDER = its pid (also in HOLDERS, for restore_all); waits until
#                            it really has NODE open
#   release_holder           kill HOLDER and reap it
#   nap SECONDS              sleep without a fork (read -t on a pipe nobody writes to)
#   wait_for SECONDS CMD...  run CMD (quietly) every 0.1 s until it succeeds; fail after SECONDS
# shellcheck source=integration/vm/guest/helpers/json.sh
. "${BASH_SOURCE[0]%/*}/json.sh"

# shellcheck disable=SC2034 # KVER is for the suites
read -r KVER </proc/sys/kernel/osrelease
WORK=/tmp/${SUITE%.sh}.work
mkdir -p "$WORK"
VOUT=$WORK/out VERR=$WORK/err
export VFIOCTL_STATE_DIR=$WORK/state
VRC="" VMS=0
VFIO_WRAP=()   # e.g. (timeout 120) or (setpriv --reuid=65534 ...)
VFIO_MS_TOTAL=0 VFIO_CALLS=0

vfio() {
    local name=$1 want=$2 t0=${EPOCHREALTIME/./} err=""
    shift 2
    "${VFIO_WRAP[@]}" "$VFIOCTL" "$@" >"$VOUT" 2>"$VERR"
    VRC=$?
    VMS=$(((${EPOCHREALTIME/./} - t0) / 1000))
    VFIO_MS_TOTAL=$((VFIO_MS_TOTAL + VMS)) VFIO_CALLS=$((VFIO_CALLS + 1))
    echo "# vfioctl $*: exit $VRC, $VMS ms"
    J=()
    [[ -s $VOUT && $(<"$VOUT") == "{"* ]] && json_load "$VOUT" >/dev/null
    if [[ $VRC == "$want" ]]; then
        pass "$name exits $want"
    else
        IFS= read -r err <"$VERR"
        [[ -z $err ]] && err=${J[error.message]-}
        fail "$name exits $want" "exit status $VRC${err:+: $err}"
    fi
}

override_of() {
    REPLY=""
    [[ -r $SYS_PCI/devices/$1/driver_override ]] && read -r REPLY <"$SYS_PCI/devices/$1/driver_override"
    [[ $REPLY == "(null)" ]] && REPLY=""
    return 0
}

expect_override() {
    override_of "$1"
    [[ $REPLY == "$2" ]] || { echo "$1 driver_override is '$REPLY', expected '${2:-(null)}'"; return 1; }
}

text_has() {
    local text
    text=$(<"$1")
    [[ $text == *"$2"* ]] || { echo "$1 does not contain '$2'"; return 1; }
}

# expect_bound BDF DRIVER: driver link is DRIVER and, for a VFIO driver, /dev/vfio/GROUP exists.
expect_vfio() {
    expect_driver "$1" "$2" || return 1
    group_of "$1"
    [[ -c /dev/vfio/$REPLY ]] || { echo "/dev/vfio/$REPLY is not a character device"; return 1; }
}

# expect_host BDF DRIVER: back on DRIVER, override unset.
expect_host() {
    expect_driver "$1" "$2" || return 1
    expect_override "$1" ""
}

find_one() {
    pci_find "$2" "$3"
    if [[ -z $REPLY || $REPLY == *" "* ]]; then
        fail "find the $1 ($2:$3)" "found '${REPLY}'"
        finish
    fi
}

# start_with_the_e1000e: what the suites that move the e1000e check first: the binary, the one
# e1000e (E), its snapshot (put back at the end), its IOMMU group (GE), and that it starts on its own
# driver with no override.
start_with_the_e1000e() {
    require "vfioctl binary exists" test -x "$VFIOCTL"
    find_one e1000e 8086 10d3; E=$REPLY
    snapshot "$E"
    group_of "$E"; GE=$REPLY
    require "starting point: e1000e on e1000e, no override" expect_host "$E" e1000e
}

declare -gA SNAP_DRIVER=() SNAP_OVERRIDE=()
HOLDERS="" SRIOV_PFS=""
snapshot() {
    local bdf
    for bdf; do
        driver_of "$bdf"; SNAP_DRIVER[$bdf]=$REPLY
        override_of "$bdf"; SNAP_OVERRIDE[$bdf]=$REPLY
    done
}

# put_back BDF: plain sysfs writes back to the snapshot; succeeds (REPLY = what it fixed)
# only when something had to be fixed.
put_back() {
    local bdf=$1 want=${SNAP_DRIVER[$1]} cur what=""
    driver_of "$bdf"; cur=$REPLY
    {
        if [[ $cur != "$want" ]]; then
            what="$bdf($cur->${want:-none})"
            [[ -n $cur ]] && echo "$bdf" >"$SYS_PCI/drivers/$cur/unbind"
            if [[ -n $want ]]; then
                echo "$want" >"$SYS_PCI/devices/$bdf/driver_override"
                echo "$bdf" >"$SYS_PCI/drivers/$want/bind"
            fi
        fi
        override_of "$bdf"
        if [[ $REPLY != "${SNAP_OVERRIDE[$bdf]}" ]]; then
            echo "${SNAP_OVERRIDE[$bdf]}" >"$SYS_PCI/devices/$bdf/driver_override"
            [[ -z $what ]] && what="$bdf(override)"
        fi
    } 2>/dev/null
    REPLY=$what
    [[ -n $what ]]
}

restore_all() {
    local bdf cur pid pf fixed=""
    for pid in $HOLDERS; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
    HOLDERS=""
    for pf in $SRIOV_PFS; do
        read -r cur <"$SYS_PCI/devices/$pf/sriov_numvfs"
        [[ $cur != 0 ]] && { echo 0 >"$SYS_PCI/devices/$pf/sriov_numvfs"; fixed+=" $pf(VFs)"; }
        read -r cur <"$SYS_PCI/devices/$pf/sriov_drivers_autoprobe"
        [[ $cur != 1 ]] && echo 1 >"$SYS_PCI/devices/$pf/sriov_drivers_autoprobe"
    done
    for bdf in "${!SNAP_DRIVER[@]}"; do
        put_back "$bdf" && fixed+=" $REPLY"
    done
    [[ -d /sys/module/test_vfio_pci ]] && rmmod test_vfio_pci 2>/dev/null
    if [[ -n $fixed ]]; then
        echo "not ok - $SUITE left devices changed; cleanup put back:$fixed"
    fi
    rm -rf "$WORK"
}
_common_exit() {
    local rc=$?
    restore_all
    return "$rc"
}
trap '_common_exit; _suite_exit' EXIT

exec {_NAP_FD}<> <(:)
nap() { read -rt "$1" -u "$_NAP_FD"; return 0; }

wait_for() {
    local limit=$(($1 * 10)) i
    shift
    for ((i = 0; i < limit; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        nap 0.1
    done
    "$@"
}

_holds() {
    local fd
    for fd in /proc/"$1"/fd/*; do
        [[ $fd -ef $2 ]] && return 0
    done
    echo "pid $1 does not hold $2"
    return 1
}

hold() {
    sleep 600 3<>"$1" &
    HOLDER=$!
    HOLDERS+=" $HOLDER"
    check "background pid $HOLDER holds $1" wait_for 10 _holds "$HOLDER" "$1"
}

release_holder() {
    kill "$HOLDER" 2>/dev/null
    wait "$HOLDER" 2>/dev/null
    HOLDERS=${HOLDERS/ $HOLDER/}
}

# The 9p devices carry the root filesystem: a suite must never name them.
not_9p() {
    [[ " ${VFIOCTL_VM_9P_DEVICES:-} " != *" $1 "* ]] || { echo "$1 is a 9p device"; return 1; }
}
