#!/bin/bash
# Prepare everything the QEMU test VM needs, idempotently:
#   - the Debian packages (QEMU, a Debian kernel, busybox, kmod, ...),
#   - the guest kernel as an uncompressed ELF vmlinux (boots via its PVH note; skips
#     the ~2.5 s xz decompression that a bzImage costs under TCG),
#   - a tiny busybox initramfs whose /init mounts the host's / over 9p.
# Outputs go to $REPO/.build-vm/ and are rebuilt only when an input changes, so a second
# run takes well under a second.
#
# Usage: scripts/vm/setup.sh [--print-env]
#   --print-env  print GUESTVER=, VMLINUX=, INITRAMFS=, BUILD_VM= lines for callers to eval
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT="$REPO/.build-vm"
PRINT_ENV=0
[[ ${1:-} == --print-env ]] && PRINT_ENV=1

log() { echo "vm-setup: $*" >&2; }

# --- packages -----------------------------------------------------------------------------
as_root() {
    if [[ $(id -u) == 0 ]]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else log "need root to run: $*"; exit 1
    fi
}

# Prints the packages of "$@" that are not installed (dpkg-query is fast: no apt needed).
missing_packages() {
    local p
    for p in "$@"; do
        [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == ii* ]] || echo "$p"
    done
}

APT_UPDATED=0
apt_install() {
    # INITRD=No: the kernel package would otherwise spend ~25 s building an initramfs we
    # never use. No recommends: keeps a fresh CI machine's install to ~1 minute.
    if [[ $APT_UPDATED == 0 ]]; then as_root apt-get update -qq; APT_UPDATED=1; fi
    as_root env INITRD=No DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >&2
}

BASE_PACKAGES=(qemu-system-x86 linux-image-amd64 busybox-static kmod cpio pciutils xz-utils python3)
mapfile -t missing < <(missing_packages "${BASE_PACKAGES[@]}")
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt_install "${missing[@]}"
fi

# The guest runs the newest Debian kernel installed here, NOT `uname -r`: the host may run a
# different (e.g. a cloud vendor's) kernel with no image in /boot.
newest_debian_kernel() {
    local d v best=""
    for d in /lib/modules/*; do
        v=${d##*/}
        [[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-amd64$ && -f /boot/vmlinuz-$v ]] || continue
        best+="$v"$'\n'
    done
    printf '%s' "$best" | sort -V | tail -n 1
}
GUESTVER=$(newest_debian_kernel)
[[ -n $GUESTVER ]] || { log "no Debian kernel (linux-image-*-amd64) found in /lib/modules + /boot"; exit 1; }

# Headers of exactly that kernel (they bring gcc-12 and kbuild, but not make), for the
# out-of-tree test variant driver.
mapfile -t missing < <(missing_packages "linux-headers-$GUESTVER" make)
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt_install "${missing[@]}"
fi

# --- vmlinux + initramfs (cached) ------------------------------------------------------------
VMLINUZ=/boot/vmlinuz-$GUESTVER
BUSYBOX=/bin/busybox
INIT_SRC="$HERE/initramfs-init.sh"
VMLINUX="$OUT/vmlinux-$GUESTVER"
INITRAMFS="$OUT/initramfs-$GUESTVER.cpio.gz"
STAMP="$OUT/setup-$GUESTVER.stamp"
# Modules /init must insmod to reach the 9p root; modprobe resolves their dependencies.
INIT_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

mkdir -p "$OUT"
# Two VMs may start at once: serialise the (re)build.
exec 9>"$OUT/.setup.lock"
flock 9

# Everything the outputs depend on, cheaply: file identities, and this script + /init.
stamp() {
    echo "$GUESTVER"
    stat -L -c '%n %s %Y' "$VMLINUZ" "$BUSYBOX" "/lib/modules/$GUESTVER/modules.dep"
    cat "${BASH_SOURCE[0]}" "$INIT_SRC" | cksum
}
want=$(stamp)
if [[ -f $STAMP && -f $VMLINUX && -f $INITRAMFS && $(<"$STAMP") == "$want" ]]; then
    : # up to date
else
    log "building vmlinux and initramfs for $GUESTVER"
    # The bzImage is a boot stub followed by an xz stream holding the ELF vmlinux: find the
    # xz magic (FD 37 7A 58 5A 00) and decompress from there; --single-stream ignores the
    # stub's trailer after the stream.
    offset=$(LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$VMLINUZ" | head -n 1 | cut -d: -f1 || true)
    [[ -n $offset ]] || { log "no xz stream in $VMLINUZ"; exit 1; }
    # (Process substitution, not a pipe: xz stops reading early and tail's SIGPIPE would
    # trip pipefail.)
    xz -dc --single-stream < <(tail -c +$((offset + 1)) "$VMLINUZ") >"$VMLINUX.tmp"
    [[ $(head -c 4 "$VMLINUX.tmp" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] \
        || { log "decompressed kernel is not an ELF file"; exit 1; }
    mv "$VMLINUX.tmp" "$VMLINUX"

    root=$(mktemp -d "$OUT/initramfs.XXXXXX")
    trap 'rm -rf "$root"' EXIT
    mkdir -p "$root"/{bin,dev,proc,sys,lower,upper,newroot,modules}
    cp "$BUSYBOX" "$root/bin/busybox"
    for applet in sh mount mkdir insmod cat switch_root poweroff sleep echo; do
        ln -s busybox "$root/bin/$applet"
    done
    cp "$INIT_SRC" "$root/init"
    chmod 755 "$root/init"
    # `modprobe --show-depends` prints insmod lines in load order (dependencies first);
    # keep each module once, copy it uncompressed (busybox insmod reads plain .ko files).
    declare -A seen=()
    n=0
    while read -r cmd path _; do
        [[ $cmd == insmod ]] || continue
        name=${path##*/}; name=${name%%.ko*}
        [[ -n ${seen[$name]:-} ]] && continue
        seen[$name]=1
        n=$((n + 1))
        dst=$(printf '%s/modules/%02d-%s.ko' "$root" "$n" "$name")
        case $path in
            *.ko.xz) xz -dc "$path" >"$dst" ;;
            *.ko.zst) zstd -dcq "$path" >"$dst" ;;
            *) cp "$path" "$dst" ;;
        esac
    done < <(modprobe -S "$GUESTVER" --show-depends -a "${INIT_MODULES[@]}")
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
        | gzip -1 >"$INITRAMFS.tmp"
    mv "$INITRAMFS.tmp" "$INITRAMFS"
    rm -rf "$root"
    trap - EXIT
    echo "$want" >"$STAMP"
fi

if ((PRINT_ENV)); then
    printf 'GUESTVER=%q\nVMLINUX=%q\nINITRAMFS=%q\nBUILD_VM=%q\n' \
        "$GUESTVER" "$VMLINUX" "$INITRAMFS" "$OUT"
fi
