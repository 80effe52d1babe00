# shellcheck shell=bash disable=SC2034 # (variables used by the suites that source this)
# Helpers for the guest test suites (integration/vm/guest/NN-*.sh). Source it; bash only.
#
#   check NAME COMMAND [ARGS...]   run COMMAND (a function or a program) in this shell;
#                                  exit 0 -> "ok - NAME", else "not ok - NAME: <first line
#                                  of its output, or its exit status>"
#   require NAME COMMAND [ARGS...] like check, but a failure ends the suite (later checks
#                                  would only repeat it)
#   pass NAME / fail NAME [REASON] report a result directly
#   relay COMMAND [ARGS...]        run a checker that prints its own ok/not ok lines (e.g. a
#                                  python script); echo and count them; a non-zero exit with
#                                  no "not ok" line counts as one failure
#   finish                         end the suite: exit 0 when nothing failed, else 1. A suite
#                                  that dies before finish gets a "not ok" line of its own.
#
# Forks cost ~40-70 ms each in the TCG guest, so the sysfs helpers below use only builtins
# (read, globs, cd -P) and return results in REPLY instead of via $(...).

VFIOCTL_REPO=${VFIOCTL_REPO:-$(cd "${BASH_SOURCE[0]%/*}/../../.." && pwd)}
VFIOCTL=${VFIOCTL:-$VFIOCTL_REPO/.build/debug/vfioctl}
PY=/usr/bin/python3
SUITE=${0##*/}
PASSED=0 FAILED=0
_CHECK_OUT=/tmp/check-output.$$
_FINISHED=0

pass() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $1: ${2:-failed}"; }

check() {
    local name=$1 rc reason=""
    shift
    if "$@" >"$_CHECK_OUT" 2>&1; then
        pass "$name"
    else
        rc=$?
        IFS= read -r reason <"$_CHECK_OUT" || true
        fail "$name" "${reason:-exit status $rc}"
    fi
}

require() {
    local before=$FAILED
    check "$@"
    ((FAILED == before)) || finish
}

relay() {
    local line before=$FAILED rc=""
    while IFS= read -r line; do
        case $line in
            "ok - "*) PASSED=$((PASSED + 1)); echo "$line" ;;
            "not ok - "*) FAILED=$((FAILED + 1)); echo "$line" ;;
            "__relay_exit__ "*) rc=${line#__relay_exit__ } ;;
            *) echo "# $line" ;;
        esac
    done < <("$@" 2>&1; echo "__relay_exit__ $?")
    if [[ $rc != 0 && $FAILED == "$before" ]]; then fail "${1##*/}" "exited with status $rc"; fi
}

finish() {
    _FINISHED=1
    echo "# $SUITE: $PASSED passed, $FAILED failed"
    ((FAILED == 0))
    exit
}

_suite_exit() {
    local rc=$?
    rm -f "$_CHECK_OUT"
    ((_FINISHED)) || echo "not ok - $SUITE: ended before finish (exit status $rc)"
}
trap _suite_exit EXIT

echo "# suite $SUITE"

# --- sysfs helpers (no forks) -----------------------------------------------------------------
SYS_PCI=/sys/bus/pci

# pci_find VENDOR DEVICE: REPLY = space-separated BDFs with these ids (lowercase hex, no 0x).
pci_find() {
    local d v dv
    REPLY=""
    for d in "$SYS_PCI"/devices/*; do
        read -r v <"$d/vendor"
        read -r dv <"$d/device"
        [[ $v == "0x$1" && $dv == "0x$2" ]] && REPLY+="${REPLY:+ }${d##*/}"
    done
}

# _link_name PATH: REPLY = basename of the symlink's target, or "" when PATH doesn't exist.
_link_name() {
    REPLY=""
    [[ -e $1 ]] || return 0
    local here=$PWD
    cd -P "$1" 2>/dev/null && REPLY=${PWD##*/}
    cd "$here" || return 1
}

# driver_of BDF: REPLY = bound driver name or "".
driver_of() { _link_name "$SYS_PCI/devices/$1/driver"; }

# group_of BDF: REPLY = IOMMU group number or "".
group_of() { _link_name "$SYS_PCI/devices/$1/iommu_group"; }

# group_members N: REPLY = space-separated BDFs in IOMMU group N.
group_members() {
    local m
    REPLY=""
    for m in /sys/kernel/iommu_groups/"$1"/devices/*; do
        [[ -e $m ]] && REPLY+="${REPLY:+ }${m##*/}"
    done
}

# expect_driver BDF NAME: succeed when BDF is bound to NAME ("" = unbound).
expect_driver() {
    driver_of "$1"
    [[ $REPLY == "$2" ]] || { echo "$1 driver is '${REPLY}', expected '$2'"; return 1; }
}

# to_file FILE COMMAND [ARGS...]: run COMMAND with its stdout in FILE (for check/require).
to_file() {
    local file=$1
    shift
    "$@" >"$file"
}

# write_attr FILE VALUE: write like `echo VALUE > FILE` (builtin; error text on stderr).
write_attr() { echo "$2" >"$1"; }

# expect_write_error FILE VALUE TEXT: the write must fail with an error containing TEXT
# (e.g. "No such device" for ENODEV).
expect_write_error() {
    local err=/tmp/write-error.$$ msg=""
    if { echo "$2" >"$1"; } 2>"$err"; then
        rm -f "$err"; echo "writing '$2' to $1 succeeded, expected '$3'"; return 1
    fi
    IFS= read -r msg <"$err" || true
    rm -f "$err"
    [[ $msg == *"$3"* ]] || { echo "writing '$2' to $1 failed with '$msg', expected '$3'"; return 1; }
}
