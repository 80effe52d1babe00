#!/bin/bash
# Prepare everything the QEMU test VM needs, idempotently:
#   - the Debian packages (QEMU, Debian 12's kernel, busybox, kmod, ...),
#   - the guest kernel (scripts/vm/kernel.sh: installed here, or fetched from Debian's archive),
#   - that kernel as an uncompressed ELF vmlinux (boots via its PVH note; skips the seconds of
#     xz/zstd decompression that a bzImage costs under TCG),
#   - a tiny busybox initramfs whose /init mounts the host's / over 9p.
# Outputs go to $REPO/.build-vm/ and are rebuilt only when an input changes, so a second
# run takes well under a second.
#
# Usage: scripts/vm/setup.sh [--kernel KERNEL] [--print-env]
#   --kernel K   6.1 (default), 6.12, newest or a full release: see scripts/vm/kernel.sh
#   --print-env  print GUESTVER=, VMLINUX=, INITRAMFS=, BUILD_VM=, MODULES_ROOT=, KERNEL_ORIGIN=
#                lines for callers to eval
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT="$REPO/.build-vm"
PRINT_ENV=0
KERNEL=6.1
while (($#)); do
    case $1 in
        --print-env) PRINT_ENV=1 ;;
        --kernel) KERNEL=${2:?--kernel needs a value}; shift ;;
        *) echo "setup.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

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

# gcc and libc6-dev (linux/vfio.h): 62-timeout.sh builds its VFIO holder (guest/helpers/vfio-hold.c).
BASE_PACKAGES=(qemu-system-x86 linux-image-amd64 busybox-static kmod cpio pciutils xz-utils zstd python3 gcc libc6-dev)
mapfile -t missing < <(missing_packages "${BASE_PACKAGES[@]}")
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt_install "${missing[@]}"
fi

# --- the kernel, its vmlinux + initramfs (cached) ------------------------------------------
mkdir -p "$OUT"
# Two VMs may start at once: serialise the (re)build.
exec 9>"$OUT/.setup.lock"
flock 9

# GUESTVER KERNEL_IMAGE MODULES_ROOT KERNEL_ORIGIN. Not `uname -r`: the host may run a different
# (e.g. a cloud vendor's) kernel with no image in /boot.
vars=$("$HERE/kernel.sh" --print-env "$KERNEL")
eval "$vars"
MODULES="${MODULES_ROOT%/}/lib/modules/$GUESTVER"

BUSYBOX=/bin/busybox
INIT_SRC="$HERE/initramfs-init.sh"
VMLINUX="$OUT/vmlinux-$GUESTVER"
INITRAMFS="$OUT/initramfs-$GUESTVER.cpio.gz"
STAMP="$OUT/setup-$GUESTVER.stamp"
# Modules /init must insmod to reach the 9p root; modprobe resolves their dependencies.
INIT_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

# Everything the outputs depend on, cheaply: file identities, and this script + /init.
stamp() {
    echo "$GUESTVER $MODULES_ROOT"
    stat -L -c '%n %s %Y' "$KERNEL_IMAGE" "$BUSYBOX" "$MODULES/modules.dep"
    cat "${BASH_SOURCE[0]}" "$INIT_SRC" | cksum
}

# extract_vmlinux BZIMAGE OUTPUT: the ELF vmlinux inside an x86 bzImage. The boot protocol header
# says where the compressed payload is: setup_sects (byte 0x1F1) + 1 sectors of real-mode code,
# then the protected-mode part, in which the payload starts at payload_offset (0x248) and is
# payload_length (0x24C) bytes long, the last 4 of them the uncompressed size. Debian 12 compresses
# it with xz, Debian 13 with zstd.
extract_vmlinux() {
    local image=$1 out=$2 setup_sects offset length
    setup_sects=$(od -An -tu1 -j $((0x1F1)) -N 1 "$image")
    offset=$(od -An -tu4 -j $((0x248)) -N 4 "$image")
    length=$(od -An -tu4 -j $((0x24C)) -N 4 "$image")
    offset=$(((setup_sects + 1) * 512 + offset))
    local magic
    magic=$(od -An -tx1 -j "$offset" -N 4 "$image" | tr -d ' ')
    local decompress
    case $magic in
        fd377a58) decompress=(xz -dc) ;;
        28b52ffd) decompress=(zstd -dcq) ;;
        *) log "$image: payload compression with magic $magic is not xz or zstd"; return 1 ;;
    esac
    # (Process substitution, not a pipe: the reader may stop early and tail's SIGPIPE would
    # trip pipefail.)
    "${decompress[@]}" < <(tail -c +$((offset + 1)) "$image" | head -c $((length - 4))) >"$out.tmp"
    [[ $(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] \
        || { log "the decompressed $image is not an ELF file"; return 1; }
    mv "$out.tmp" "$out"
}

want=$(stamp)
if [[ -f $STAMP && -f $VMLINUX && -f $INITRAMFS && $(<"$STAMP") == "$want" ]]; then
    : # up to date
else
    log "building vmlinux and initramfs for $GUESTVER"
    extract_vmlinux "$KERNEL_IMAGE" "$VMLINUX"

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
    done < <(modprobe -d "$MODULES_ROOT" -S "$GUESTVER" --show-depends -a "${INIT_MODULES[@]}")
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
        | gzip -1 >"$INITRAMFS.tmp"
    mv "$INITRAMFS.tmp" "$INITRAMFS"
    rm -rf "$root"
    trap - EXIT
    echo "$want" >"$STAMP"
fi

if ((PRINT_ENV)); then
    printf 'GUESTVER=%q\nVMLINUX=%q\nINITRAMFS=%q\nBUILD_VM=%q\nMODULES_ROOT=%q\nKERNEL_ORIGIN=%q\n' \
        "$GUESTVER" "$VMLINUX" "$INITRAMFS" "$OUT" "$MODULES_ROOT" "$KERNEL_ORIGIN"
fi
