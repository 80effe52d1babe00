#!/bin/bash
# Early binding on a real kernel, through a REAL Debian initramfs (issue 19; docs/early-binding.md).
#
# Usage: integration/vm/early-boot.sh [--kernel K] [--binary PATH] [--kvm]
#
# 1. A harness boot with a second NVMe controller identical to the first: `vfioctl persist enable
#    --root STAGING` there (the running system the image will boot: its safety checks and host
#    drivers), for a state file wanting the e1000e (01:00.0) and the second NVMe (07:00.0) on
#    vfio-pci; `persist status` for a state file expecting other ids at 01:00.0 says why not.
# 2. On the host, mkinitramfs builds an image for the guest kernel with STAGING's /etc laid over
#    the machine's (an overlay in a private mount namespace: nothing of the host changes) and a
#    report script (integration/vm/early/report.sh) added as init-premount.
# 3. Three image boots, ~30 s each (no root filesystem: the report script powers off):
#    enabled -> both wanted devices on vfio-pci with /dev/vfio/N, no probe message of e1000e or
#    nvme for them, no netdev/nvme device, the first NVMe on nvme; enabled with another card
#    (e1000, 8086:100e) at 01:00.0 -> nothing captured there; after `persist disable` and a new
#    image -> every device on its host driver.
# 4. dracut (Debian 12's dracut-core, unpacked, not installed) builds an image from the generated
#    conf.d file; its lsinitrd shows the rule, the state file, the softdep file and vfio-pci.
# Prints "ok - ..." / "not ok - ..." lines; exit status 0 when nothing failed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BINARY="$REPO/.build/debug/vfioctl"
KERNEL=6.1
RUN_ARGS=(--timeout 300)
while (($#)); do
    case $1 in
        --kernel) KERNEL=${2:?--kernel needs a value}; shift ;;
        --binary) BINARY=$(realpath -m -- "${2:?--binary needs a path}"); shift ;;
        --kvm) RUN_ARGS+=(--kvm) ;;
        -h|--help) sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "early-boot.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok - early-boot: $1"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - early-boot: $1${2:+: $2}"; }
expect() {  # expect NAME COMMAND...: pass when COMMAND succeeds
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}
finish() {
    echo "early-boot: $PASSED passed, $FAILED failed"
    ((FAILED == 0))
    exit
}

# initramfs-tools-core: mkinitramfs and lsinitramfs without the kernel hooks, and unlike
# initramfs-tools it does not conflict with dracut. (Not in scripts/vm/setup.sh: its checksum
# keys the shared VM cache.)
if ! command -v mkinitramfs >/dev/null || ! command -v lsinitramfs >/dev/null; then
    echo "early-boot: installing initramfs-tools-core" >&2
    if [[ $(id -u) == 0 ]]; then apt-get install -y -qq --no-install-recommends initramfs-tools-core >&2 || true
    else sudo apt-get install -y -qq --no-install-recommends initramfs-tools-core >&2 || true
    fi
fi
for tool in mkinitramfs lsinitramfs unshare; do
    command -v "$tool" >/dev/null || { fail "$tool is not installed (Debian: initramfs-tools, util-linux)"; finish; }
done
[[ -x $BINARY ]] || { fail "no vfioctl at $BINARY"; finish; }

vars=$("$REPO/scripts/vm/setup.sh" --kernel "$KERNEL" --print-env)
eval "$vars"   # GUESTVER VMLINUX INITRAMFS BUILD_VM MODULES_ROOT KERNEL_ORIGIN
RUN=("$REPO/scripts/vm/run.sh" --kernel "$GUESTVER" --second-nvme "${RUN_ARGS[@]}")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfioctl-early.XXXXXX")
KEPT=""
cleanup() { rm -rf "$WORK"; [[ -z $KEPT ]] || rm -rf "$KEPT"; }
trap cleanup EXIT

NIC=0000:01:00.0 NVME_KEPT=0000:03:00.0 NVME_WANTED=0000:07:00.0
cat >"$WORK/state.toml" <<EOF
[[device]]
address = "$NIC"
vendor = "8086"
device = "10d3"
state = "vfio"

[[device]]
address = "$NVME_WANTED"
vendor = "1b36"
device = "0010"
state = "vfio"
EOF
# The slot holds an e1000e (8086:10d3); this file expects another card there.
sed 's/"10d3"/"10d4"/' "$WORK/state.toml" >"$WORK/other-ids.toml"

# --- 1. persist enable in the guest --------------------------------------------------------------
cat >"$WORK/guest.sh" <<EOF
set -e
V=$BINARY
# Bind's safety checks on the running system: the e1000e with an address is refused (exit 3).
nic=\$(ls /sys/bus/pci/devices/$NIC/net)
ip link set "\$nic" up
ip addr add 192.0.2.1/24 dev "\$nic"
status=0
\$V persist enable $WORK/state.toml --root /run/vmio/refused --binary \$V --no-rebuild-initramfs 2>/run/vmio/refused.err || status=\$?
echo "\$status" >/run/vmio/refused.status
ip addr flush dev "\$nic"
ip link set "\$nic" down
\$V persist enable $WORK/state.toml --root /run/vmio/staging --binary \$V --no-rebuild-initramfs
\$V persist enable $WORK/other-ids.toml --root /run/vmio/other --binary \$V --no-rebuild-initramfs
\$V persist status --root /run/vmio/other >/run/vmio/other-status.txt || true
\$V persist status --root /run/vmio/other --json >/run/vmio/other-status.json || true
EOF
if ! "${RUN[@]}" --keep -- /bin/bash "$WORK/guest.sh" >"$WORK/enable.out" 2>"$WORK/enable.err"; then
    fail "persist enable in the guest" "$(tail -n 5 "$WORK/enable.err" | tr '\n' ' ')"
fi
KEPT=$(sed -n 's/^vm: kept //p' "$WORK/enable.err")
STAGING=$KEPT/io/staging
if [[ ! -f $STAGING/etc/udev/rules.d/40-vfioctl-early.rules ]]; then
    fail "persist enable installed the early rule" "$(cat "$WORK/enable.out" "$WORK/enable.err" | tail -n 8 | tr '\n' ' ')"
    finish
fi
pass "persist enable --root STAGING installed the early rule, hook and dracut file"
expect "persist enable refuses the e1000e while it has an address (exit 3, --force netdev-active), installs nothing" \
    bash -c '[[ $(<"$1/refused.status") == 3 ]] && grep -Eq "$2: .* is (up|configured up \\(operstate [a-z]+\\)) with 192.0.2.1/24 \\(override with --force netdev-active\\)" "$1/refused.err" && [[ ! -e $1/refused ]]' \
    _ "$KEPT/io" "$NIC"
expect "the rule matches address and ids of both wanted devices" \
    grep -q "KERNEL==\"$NIC\", ATTR{vendor}==\"0x8086\", ATTR{device}==\"0x10d3\", ATTR{driver_override}=\"vfio-pci\"" \
    "$STAGING/etc/udev/rules.d/40-vfioctl-early.rules"
expect "softdep lines for the loadable host drivers (e1000e, nvme), computed in the guest" \
    grep -qzE 'softdep e1000e pre: vfio_pci.*softdep nvme pre: vfio_pci' "$STAGING/etc/modprobe.d/vfioctl.conf"
expect "persist status says why another card's ids are not captured" \
    grep -q "found 8086:10d3 subsystem .* at $NIC, not 8086:10d4: the rule does not capture it" "$KEPT/io/other-status.txt"
expect "persist status --json: not in place, matches false" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["early_binding"]["devices"][0]; sys.exit(0 if (not d["in_place"] and not d["matches"] and d["found"]=="8086:10d3") else 1)' \
    "$KEPT/io/other-status.json"

# --- 2. mkinitramfs with STAGING's files --------------------------------------------------------
mkdir -p "$WORK/layer/initramfs-tools/scripts/init-premount"
cp "$REPO/integration/vm/early/report.sh" "$WORK/layer/initramfs-tools/scripts/init-premount/vfioctl-early-report"
in_staged_etc() {  # in_staged_etc ETC_DIR COMMAND...: COMMAND with ETC_DIR (and the test layer) over
    # /etc and the guest kernel's modules and /boot on the machine's, in a private mount namespace
    unshare -m -- /bin/bash -c '
        set -e
        mount -t overlay overlay -o "lowerdir=$1:$2:/etc" /etc
        # A fetched kernel: its modules, and its config as /boot/config-VERSION, where mkinitramfs
        # looks for the compressions the kernel can unpack (Debian 13 kernels keep it in
        # /usr/lib/modules/VERSION/config, older ones in /boot).
        if [[ $3 != / ]]; then
            mount --bind "$3/lib/modules" /lib/modules
            mount -t tmpfs tmpfs /boot
            cp "$4" "/boot/config-$5"
        fi
        shift 5
        "$@"
    ' staged "$WORK/layer" "$1" "$MODULES_ROOT" "$KERNEL_CONFIG" "$GUESTVER" "${@:2}"
}
KERNEL_CONFIG=/boot/config-$GUESTVER
for candidate in "$MODULES_ROOT/boot/config-$GUESTVER" "$MODULES_ROOT/lib/modules/$GUESTVER/config"; do
    if [[ $MODULES_ROOT != / && -f $candidate ]]; then KERNEL_CONFIG=$candidate; break; fi
done
build_image() {  # build_image ETC_DIR IMAGE: mkinitramfs for the guest kernel
    in_staged_etc "$1" env TMPDIR="$WORK" mkinitramfs -o "$2" "$GUESTVER" >"$WORK/mkinitramfs.log" 2>&1
}
if ! build_image "$STAGING/etc" "$WORK/enabled.img"; then
    fail "mkinitramfs with the hook" "$(tail -n 3 "$WORK/mkinitramfs.log" | tr '\n' ' ')"
    finish
fi
lsinitramfs "$WORK/enabled.img" >"$WORK/enabled.list"
expect "the image holds the rule, the state file and vfio-pci" \
    grep -qxE 'usr/lib/udev/rules.d/40-vfioctl-early.rules' "$WORK/enabled.list"
expect "the image holds the state file and the softdep file" \
    bash -c 'grep -qx etc/vfioctl/state.toml "$1" && grep -qx etc/modprobe.d/vfioctl.conf "$1" && grep -q "/vfio-pci.ko" "$1"' _ "$WORK/enabled.list"
read -r sum size _ < <(cksum <"$STAGING/etc/udev/rules.d/40-vfioctl-early.rules")
expect "the image holds the fingerprint of the installed rule" grep -qx "etc/vfioctl/early-rule.cksum-$sum-$size" "$WORK/enabled.list"

# dracut builds an image from the generated conf file: Debian 12's dracut-core, unpacked here and
# not installed (the dracut package would replace initramfs-tools on this machine).
dracut_check() {
    local dir=$WORK/dracut rule=etc/udev/rules.d/40-vfioctl-early.rules
    mkdir -p "$dir"
    if ! (cd "$dir" && apt-get download dracut-core) >"$dir/download.log" 2>&1; then
        echo "ok - early-boot: dracut builds an image with the generated conf # SKIP apt-get download dracut-core failed"
        return
    fi
    dpkg-deb -x "$dir"/dracut-core_*.deb "$dir/root"
    local lsinitrd=("env" "dracutbasedir=$dir/root/usr/lib/dracut" "$dir/root/usr/bin/lsinitrd")
    if ! in_staged_etc "$STAGING/etc" env dracutbasedir="$dir/root/usr/lib/dracut" "$dir/root/usr/bin/dracut" \
            --force --no-hostonly --conf /dev/null --confdir /etc/dracut.conf.d \
            --modules "base udev-rules kernel-modules" --tmpdir "$WORK" "$dir/image" "$GUESTVER" >"$dir/dracut.log" 2>&1; then
        fail "dracut builds an image with the generated conf" "$(tail -n 3 "$dir/dracut.log" | tr '\n' ' ')"
        return
    fi
    pass "dracut builds an image with the generated conf"
    expect "the dracut image holds the installed rule, byte for byte (lsinitrd -f)" \
        cmp -s <("${lsinitrd[@]}" -f "$rule" "$dir/image") "$STAGING/$rule"
    "${lsinitrd[@]}" "$dir/image" >"$dir/list" 2>/dev/null || true
    expect "the dracut image holds vfio-pci, the state file and the softdep file" \
        bash -c 'grep -q "/vfio-pci.ko" "$1" && grep -q " etc/vfioctl/state.toml$" "$1" && grep -q " etc/modprobe.d/vfioctl.conf$" "$1"' _ "$dir/list"
}
dracut_check

# persist status reads the real image with lsinitramfs: a root made of links to STAGING's /etc,
# this machine's update-initramfs and the image as the running kernel's.
status_root() {  # status_root IMAGE: prints the "early binding:" line of persist status
    local root=$WORK/status-root
    rm -rf "$root"
    mkdir -p "$root/usr/sbin" "$root/boot"
    ln -s "$STAGING/etc" "$root/etc"
    ln -s /usr/sbin/update-initramfs "$root/usr/sbin/update-initramfs"
    ln -s "$1" "$root/boot/initrd.img-$(uname -r)"
    "$BINARY" persist status --root "$root" | grep '^early binding:' || true
}
expect "persist status: the image holds the installed rule (lsinitramfs)" \
    grep -q "(initramfs-tools) holds the installed rule" <(status_root "$WORK/enabled.img")

# --- 3. boots ------------------------------------------------------------------------------------
boot() {  # boot NAME [run.sh options]: the report lines of one image boot into $WORK/NAME.report
    local name=$1
    shift
    if ! "${RUN[@]}" "$@" >"$WORK/$name.serial" 2>"$WORK/$name.err"; then
        fail "$name: the image booted and reported" "$(tail -n 3 "$WORK/$name.err" | tr '\n' ' ')"
        return 1
    fi
    if ! grep -q '^early-report: end' "$WORK/$name.serial"; then
        fail "$name: the image booted and reported" "no report on the serial console"
        return 1
    fi
    sed -n 's/^early-report: //p' "$WORK/$name.serial" | tr -d '\r' >"$WORK/$name.report"
    sed -n '/^early-report: kernel log begin/,/^early-report: kernel log end/p' "$WORK/$name.serial" >"$WORK/$name.kmsg"
    pass "$name: the image booted and reported ($(sed -n 's/^vm: image boot //p' "$WORK/$name.err"))"
}
device_line() { grep "^device $2 " "$WORK/$1.report"; }
has() {  # has BOOT ADDRESS FIELD=VALUE...: the device's report line holds every FIELD=VALUE
    local line field
    line=$(device_line "$1" "$2") || return 1
    shift 2
    for field in "$@"; do [[ " $line " == *" $field "* ]] || { echo "$line" >&2; return 1; }; done
}
no_probe() {  # no_probe BOOT PATTERN: the kernel log has no line matching PATTERN
    ! grep -qE "$2" "$WORK/$1.kmsg"
}

if boot enabled --initrd "$WORK/enabled.img"; then
    expect "enabled: $NIC (e1000e) on vfio-pci with its /dev/vfio node, no netdev" \
        has enabled "$NIC" driver=vfio-pci override=vfio-pci vfio_node=yes net=none
    expect "enabled: $NVME_WANTED (NVMe) on vfio-pci with its /dev/vfio node, no nvme controller" \
        has enabled "$NVME_WANTED" driver=vfio-pci override=vfio-pci vfio_node=yes nvme=none
    expect "enabled: the identical $NVME_KEPT stays on nvme" has enabled "$NVME_KEPT" driver=nvme "override=(null)"
    expect "enabled: e1000e never probed $NIC (kernel log)" no_probe enabled "e1000e $NIC"
    expect "enabled: nvme never probed $NVME_WANTED (kernel log)" no_probe enabled "nvme.*$NVME_WANTED"
    expect "enabled: nvme did probe $NVME_KEPT (the log is the real one)" grep -qE "nvme.*$NVME_KEPT" "$WORK/enabled.kmsg"
fi

if boot other-card --initrd "$WORK/enabled.img" --rp1-device e1000; then
    expect "another card (e1000) at $NIC: not captured, on its own driver" \
        has other-card "$NIC" ids=0x8086:0x100e driver=e1000 "override=(null)" vfio_node=no
    expect "another card at $NIC: the NVMe is still captured" has other-card "$NVME_WANTED" driver=vfio-pci
fi

# --- 4. persist disable, a new image, the devices back -------------------------------------------
"$BINARY" persist disable --root "$STAGING" --no-rebuild-initramfs >"$WORK/disable.out" 2>&1 \
    || fail "persist disable --root STAGING" "$(tr '\n' ' ' <"$WORK/disable.out")"
expect "persist disable removed every early-binding file" \
    bash -c '! ls "$1"/etc/udev/rules.d/40-vfioctl-early.rules "$1"/etc/modprobe.d/vfioctl.conf "$1"/etc/initramfs-tools/hooks/vfioctl "$1"/etc/dracut.conf.d/vfioctl.conf 2>/dev/null' _ "$STAGING"
if build_image "$STAGING/etc" "$WORK/disabled.img"; then
    # (The test's own report script is scripts/init-premount/vfioctl-early-report.)
    expect "the new image holds no early-binding file" \
        bash -c '! lsinitramfs "$1" | grep -E "40-vfioctl-early.rules|etc/vfioctl|modprobe.d/vfioctl.conf|70-vfioctl.rules"' _ "$WORK/disabled.img"
    if boot disabled --initrd "$WORK/disabled.img"; then
        expect "disabled: $NIC back on e1000e" has disabled "$NIC" driver=e1000e "override=(null)"
        expect "disabled: $NVME_WANTED back on nvme" has disabled "$NVME_WANTED" driver=nvme "override=(null)"
        expect "disabled: e1000e probed $NIC (kernel log)" grep -qE "e1000e $NIC" "$WORK/disabled.kmsg"
    fi
else
    fail "mkinitramfs after persist disable" "$(tail -n 3 "$WORK/mkinitramfs.log" | tr '\n' ' ')"
fi
finish
