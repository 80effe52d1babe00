#!/bin/bash
# The Ansible module contrib/ansible/library/vfioctl_apply.py against a fake sysfs tree.
#
# Usage: integration/ansible/run.sh [--setup-only] [--binary PATH]
#   --setup-only  only create (or reuse) the venv with ansible-core and exit; the VM suite
#                 integration/vm/guest/50-provision.sh uses that venv inside the guest (it sees the
#                 host's / read-only, so the venv must exist before the VM boots)
#   --binary PATH the vfioctl under test (default $REPO/.build/debug/vfioctl); the fake-sysfs
#                 generator is taken from the same directory
# The venv is $REPO/.build-ansible/venv (gitignored by .build-*), made with /usr/bin/python3
# -m venv (apt python3-venv is installed when missing) and ansible-core $ANSIBLE_CORE_VERSION
# from PyPI; an existing venv with that version is reused.
# Then playbooks/fake-sysfs.yml runs against localhost (-c local) on a `workstation` scenario
# tree, and check_results.py checks each task's result in ansible's JSON callback output
# (expect/fake-sysfs.json): a satisfied state is not changed; check mode on a pending state is
# changed with a diff (exit status 7 is not a failure); --device narrows it; other hardware at
# an address fails with rc 3 and vfioctl's message; a bad file fails with rc 2; the tree is
# byte-for-byte unchanged afterwards. Prints "N passed, N failed"; exit 1 when any failed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$REPO/integration/ansible
VENV=$REPO/.build-ansible/venv
ANSIBLE_CORE_VERSION=${ANSIBLE_CORE_VERSION:-2.19.14}
BINARY=$REPO/.build/debug/vfioctl
SETUP_ONLY=0
while (($#)); do
    case $1 in
        --setup-only) SETUP_ONLY=1 ;;
        --binary) BINARY=$(realpath -m -- "${2:?--binary needs a path}"); shift ;;
        -h|--help) sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "integration/ansible/run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

log() { echo "# $*" >&2; }

setup_venv() {
    local have=""
    if [[ -x $VENV/bin/ansible-playbook ]]; then
        have=$("$VENV/bin/python" -c 'import ansible.release as r; print(r.__version__)' 2>/dev/null || true)
    fi
    if [[ $have == "$ANSIBLE_CORE_VERSION" ]]; then
        return 0
    fi
    log "setting up $VENV (ansible-core $ANSIBLE_CORE_VERSION${have:+, replacing $have})"
    if ! /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null; then
        log "installing python3-venv"
        local sudo=()
        ((EUID == 0)) || sudo=(sudo)
        "${sudo[@]}" apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends python3-venv >&2
    fi
    rm -rf "$VENV"
    mkdir -p "${VENV%/*}"
    /usr/bin/python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "ansible-core==$ANSIBLE_CORE_VERSION" >&2
    # Compile everything now: the VM guest sees the venv read-only and would otherwise
    # recompile ansible on every start (seconds under TCG).
    "$VENV/bin/python" -m compileall -q -j 0 "$VENV/lib" >/dev/null 2>&1 || true
}

t0=$EPOCHREALTIME
setup_venv
if ((SETUP_ONLY)); then
    version=$("$VENV/bin/ansible-playbook" --version)
    log "venv ready: $VENV (${version%%$'\n'*})"
    exit 0
fi

FAKE=${BINARY%/*}/vfioctl-fake-sysfs
for tool in "$BINARY" "$FAKE"; do
    [[ -x $tool ]] || { echo "not ok - $tool does not exist (swift build first)"; echo "0 passed, 1 failed"; exit 1; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vfioctl-ansible.XXXXXX")
trap '[[ -n ${KEEP_TMP:-} ]] || rm -rf "$TMP"' EXIT
PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $1${2:+: $2}"; }

# A fake tree and a small kernel module directory (e1000e, igb, vfio_pci): no dependency on the
# host's kernel or its configuration.
"$FAKE" --scenario workstation "$TMP/sysfs"
MODULES=$TMP/lib/modules/6.1.0-test
mkdir -p "$MODULES" "$TMP/modprobe.d"
printf '%s\n' 'alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e' \
    'alias pci:v00008086d00001533sv*sd*bc*sc*i* igb' \
    'alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci' >"$MODULES/modules.alias"
printf '%s\n' 'kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/pci/vfio-pci-core.ko' \
    'kernel/drivers/vfio/pci/vfio-pci-core.ko:' \
    'kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko:' \
    'kernel/drivers/net/ethernet/intel/igb/igb.ko:' >"$MODULES/modules.dep"
: >"$MODULES/modules.builtin"

# Every regular file's path and content (symlinks not followed): "changed nothing" is checked
# by comparing this before and after.
fingerprint() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum; }
before=$(fingerprint "$TMP/sysfs")

# run_playbook NAME PLAYBOOK EXPECT [ansible-playbook args...]: one ansible-playbook run, its
# results checked by check_results.py.
run_playbook() {
    local name=$1 playbook=$2 expect=$3 rc line t
    shift 3
    t=$EPOCHREALTIME
    set +e
    env ANSIBLE_STDOUT_CALLBACK=json ANSIBLE_CALLBACK_PLUGINS="$HERE/callback_plugins" \
        ANSIBLE_LIBRARY="$REPO/contrib/ansible/library" \
        ANSIBLE_LOCAL_TEMP="$TMP/ansible-local" ANSIBLE_REMOTE_TEMP="$TMP/ansible-remote" \
        ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
        LC_ALL=C.UTF-8 \
        "$VENV/bin/ansible-playbook" -i localhost, -c local "$playbook" "$@" \
        >"$TMP/$name.json" 2>"$TMP/$name.err"
    rc=$?
    set -e
    log "$name: ansible-playbook exit $rc, $(awk -v s="$t" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }') s"
    if ((rc == 0)); then pass "$name: ansible-playbook exits 0"; else
        fail "$name: ansible-playbook exits 0" "exit status $rc: $(head -c 300 "$TMP/$name.err")"
    fi
    while IFS= read -r line; do
        case $line in
            "ok - "*) PASSED=$((PASSED + 1)); echo "$line" ;;
            "not ok - "*) FAILED=$((FAILED + 1)); echo "$line" ;;
            *) echo "# $line" ;;
        esac
    done < <(/usr/bin/python3 "$HERE/check_results.py" "$TMP/$name.json" "$expect" 2>&1)
}

run_playbook fake-sysfs "$HERE/playbooks/fake-sysfs.yml" "$HERE/expect/fake-sysfs.json" \
    -e "vfioctl=$BINARY sysfs_root=$TMP/sysfs modules_dir=$MODULES state_dir=$TMP/state" \
    -e "files=$HERE/files modprobe_dir=$TMP/modprobe.d"

if [[ $(fingerprint "$TMP/sysfs") == "$before" ]]; then pass "the fake sysfs tree is unchanged"; else
    fail "the fake sysfs tree is unchanged" "some file changed"
fi
# Writing commands take the lock before reading the devices, so the (empty) lock file may exist;
# no journal and no managed-device record may.
state_left=$(find "$TMP/state" -mindepth 1 ! \( -name lock -empty \) -printf '%P ' 2>/dev/null || true)
if [[ -z $state_left ]]; then pass "no vfioctl state was recorded (at most the empty lock file)"; else
    fail "no vfioctl state was recorded (at most the empty lock file)" "$state_left"
fi

log "integration/ansible/run.sh: $(awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }') s"
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
