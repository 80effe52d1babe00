#!/bin/bash
# Resolve a kernel name to a Debian kernel release and prepare it for the test VM, idempotently.
# Called by scripts/vm/setup.sh (which installs the packages this needs first).
#
# Usage: scripts/vm/kernel.sh [--print-env] KERNEL
#   KERNEL  6.1      Debian 12's current kernel: linux-image-amd64 installed on this machine
#           6.12     Debian 13's current kernel: the newest linux-image-amd64 of trixie,
#                    trixie-updates and trixie-security
#           newest   the newest Debian kernel: linux-image-amd64 of trixie-backports
#           RELEASE  a full release as `uname -r` prints it (6.1.0-57-amd64, 6.12.118+deb13-amd64,
#                    7.3.4+deb13-amd64): installed on this machine, or from the archive
#   --print-env  print GUESTVER=, KERNEL_IMAGE=, MODULES_ROOT=, KERNEL_ORIGIN= lines to eval
#
# A kernel from the archive is NOT installed on this machine: its packages are downloaded through a
# private apt configuration (scripts/vm/debian-archive.sh) and extracted with `dpkg-deb -x` into
# .build-vm/kernels/RELEASE/root, where depmod writes its module indexes. MODULES_ROOT is a
# directory whose lib/modules/RELEASE holds the modules ("/" for an installed kernel); the guest
# overlays that directory on its own /lib/modules/RELEASE (scripts/vm/initramfs-init.sh).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT="$REPO/.build-vm"
# shellcheck source=scripts/vm/debian-archive.sh
. "$HERE/debian-archive.sh"

log() { echo "vm-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

PRINT_ENV=0
[[ ${1:-} == --print-env ]] && { PRINT_ENV=1; shift; }
KERNEL=${1:?usage: kernel.sh [--print-env] 6.1|6.12|newest|RELEASE}
[[ $KERNEL =~ ^[0-9A-Za-z][0-9A-Za-z.+~_-]*$ ]] || die "not a kernel name: '$KERNEL'"

# Releases installed on this machine: modules with their indexes, and an image in /boot (Debian 12)
# or next to the modules (Debian 13's split packages).
installed_releases() {
    local d v
    for d in /lib/modules/*; do
        v=${d##*/}
        [[ -f $d/modules.dep && ( -f /boot/vmlinuz-$v || -f $d/vmlinuz ) ]] && echo "$v"
    done
}

# newest_meta_version SUITE...: the highest version of linux-image-amd64 in those suites.
newest_meta_version() {
    local best="" version suite want
    while IFS='|' read -r _ version suite; do
        version=${version// /}
        read -r _ suite _ <<<"$suite"     # " URI SUITE/COMPONENT ARCH Packages"
        suite=${suite%%/*}
        for want in "$@"; do
            [[ $suite == "$want" ]] || continue
            if [[ -z $best ]] || dpkg --compare-versions "$version" gt "$best"; then best=$version; fi
        done
    done < <(archive_cache madison linux-image-amd64)
    [[ -n $best ]] || die "no linux-image-amd64 in $* (package lists in $ARCHIVE_DIR)"
    echo "$best"
}

# release_of_meta VERSION: the kernel release the meta package linux-image-amd64=VERSION pulls in.
release_of_meta() {
    local pkg
    pkg=$(archive_depends "linux-image-amd64=$1" | grep -E '^linux-image-[0-9]' | head -n 1)
    [[ -n $pkg ]] || die "linux-image-amd64=$1 depends on no linux-image-RELEASE"
    echo "${pkg#linux-image-}"
}

# fetch RELEASE: download linux-image-RELEASE and the packages of the same release it depends on
# (Debian 13 splits the image: linux-binary-* holds vmlinuz, linux-modules-* the modules,
# linux-base-* modules.order/builtin), extract them and run depmod. Cached in $OUT/kernels/RELEASE.
fetch() {
    local rel=$1 dir="$OUT/kernels/$1" pkg packages deb
    [[ -f $dir/ready ]] && return 0
    archive_cache show --no-all-versions "linux-image-$rel" >/dev/null 2>&1 \
        || die "no package linux-image-$rel in bookworm/trixie/trixie-backports (nor installed here)"
    packages=("linux-image-$rel")
    while read -r pkg; do
        [[ $pkg == linux-*-"$rel" ]] && packages+=("$pkg")
    done < <(archive_depends "linux-image-$rel")
    log "fetching ${packages[*]}"
    rm -rf "$dir"
    mkdir -p "$dir/debs" "$dir/root.tmp"
    (cd "$dir/debs" && archive_apt download "${packages[@]}" >&2)
    for deb in "$dir"/debs/*.deb; do
        dpkg-deb -x "$deb" "$dir/root.tmp"
    done
    # Debian 13 packages install into usr/lib/modules, Debian 12's into lib/modules: make both
    # spellings work, like a merged-/usr system.
    if [[ ! -e $dir/root.tmp/lib && -d $dir/root.tmp/usr/lib ]]; then
        ln -s usr/lib "$dir/root.tmp/lib"
    fi
    [[ -d $dir/root.tmp/lib/modules/$rel/kernel ]] || die "the packages of $rel hold no modules"
    depmod -b "$dir/root.tmp" "$rel"
    mv "$dir/root.tmp" "$dir/root"
    rm -rf "$dir/debs"
    printf '%s\n' "${packages[@]}" >"$dir/ready"
}

# One resolution at a time: setup.sh and kmod-diff/run.sh may ask at once, a fetch replaces its
# directory, and apt locks its lists.
mkdir -p "$OUT"
exec 8>"$OUT/.kernel.lock"
flock 8

case $KERNEL in
    6.1)
        GUESTVER=$(installed_releases | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$' | sort -V | tail -n 1 || true)
        [[ -n $GUESTVER ]] || die "no Debian 12 kernel (linux-image-amd64, 6.1) installed"
        ORIGIN="Debian 12 (bookworm), installed"
        ;;
    6.12)
        archive_update
        version=$(newest_meta_version trixie trixie-updates trixie-security)
        GUESTVER=$(release_of_meta "$version")
        ORIGIN="Debian 13 (trixie), linux-image-amd64 $version"
        ;;
    newest)
        archive_update
        version=$(newest_meta_version trixie-backports)
        GUESTVER=$(release_of_meta "$version")
        ORIGIN="Debian 13 backports (trixie-backports), linux-image-amd64 $version"
        ;;
    *)
        GUESTVER=$KERNEL
        if installed_releases | grep -qxF "$GUESTVER"; then
            ORIGIN="installed"
        else
            archive_update
            ORIGIN="Debian archive, linux-image-$GUESTVER"
        fi
        ;;
esac

if installed_releases | grep -qxF "$GUESTVER"; then
    MODULES_ROOT=/
    [[ $ORIGIN == *installed* ]] || ORIGIN+=", installed"
else
    fetch "$GUESTVER"
    MODULES_ROOT="$OUT/kernels/$GUESTVER/root"
fi
for KERNEL_IMAGE in "${MODULES_ROOT%/}/boot/vmlinuz-$GUESTVER" "${MODULES_ROOT%/}/lib/modules/$GUESTVER/vmlinuz" ""; do
    [[ -f $KERNEL_IMAGE ]] && break
done
[[ -f $KERNEL_IMAGE ]] || die "no kernel image for $GUESTVER under $MODULES_ROOT"

if ((PRINT_ENV)); then
    printf 'GUESTVER=%q\nKERNEL_IMAGE=%q\nMODULES_ROOT=%q\nKERNEL_ORIGIN=%q\n' \
        "$GUESTVER" "$KERNEL_IMAGE" "$MODULES_ROOT" "$ORIGIN"
else
    echo "$GUESTVER ($ORIGIN)"
fi
