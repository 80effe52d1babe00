#!/bin/bash
# Prepare what building an out-of-tree module for kernel RELEASE needs, idempotently, and say where.
#
# Usage: scripts/vm/build-root.sh --print-env RELEASE
# Prints KBUILD_CHROOT= (a directory to chroot into for the build; empty: build on this machine)
# and KBUILD_DIR= (the kernel's kbuild directory, as seen from inside that root).
#
# - A kernel installed on this machine (Debian 12's): its linux-headers-RELEASE package and make
#   are installed here; they bring the compiler the kernel was built with (gcc-12).
# - A kernel fetched from the archive by scripts/vm/kernel.sh (Debian 13's, e.g. 6.12.118+deb13-amd64
#   or 7.3.4+deb13-amd64): its headers ask for Debian 13's compiler (gcc-14), which Debian 12 does not
#   have. They are built in a minimal Debian 13 root made with debootstrap from the machine's Debian
#   mirror (.build-vm/buildroot/trixie, ~480 MB, ~4 min once), into which the kernel's
#   linux-headers-*, linux-headers-*-common and linux-kbuild-* packages are extracted.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT="$REPO/.build-vm"
# shellcheck source=scripts/vm/debian-archive.sh
. "$HERE/debian-archive.sh"

log() { echo "vm-build-root: $*" >&2; }
die() { log "$*"; exit 1; }

[[ ${1:-} == --print-env && -n ${2:-} ]] || { echo "usage: build-root.sh --print-env RELEASE" >&2; exit 2; }
REL=$2
SUDO=()
[[ $(id -u) == 0 ]] || SUDO=(sudo)

install_here() {  # install_here PACKAGE...: the ones not installed yet, from the machine's own apt
    local p missing=()
    for p in "$@"; do
        [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == ii* ]] || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    log "installing ${missing[*]}"
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" env INITRD=No DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

if [[ -f /lib/modules/$REL/modules.dep ]]; then
    install_here "linux-headers-$REL" make
    printf 'KBUILD_CHROOT=\nKBUILD_DIR=%q\n' "/lib/modules/$REL/build"
    exit 0
fi

# debootstrap, dpkg-deb into the root and chroot need root; no sudo dance for those.
[[ $(id -u) == 0 ]] || die "building for $REL needs root (debootstrap, chroot)"
case $REL in
    *+deb13-*) SUITE=trixie ;;
    *) die "no build root known for $REL (only Debian 13 kernels, *+deb13-*, are fetched)" ;;
esac
ROOT="$OUT/buildroot/$SUITE"
mkdir -p "$OUT/buildroot"
exec 9>"$OUT/buildroot/.lock"
flock 9

archive_update
# The headers package names the compiler (gcc-14, or gcc-14-for-host for backports) and the
# packages holding the rest of the kbuild tree; those name the libraries kbuild's own programs
# (objtool, modpost, ...) link against, and pahole.
mapfile -t deps < <(archive_depends "linux-headers-$REL")
((${#deps[@]})) || die "no package linux-headers-$REL in the archive"
compiler=""
headers=("linux-headers-$REL")
for d in "${deps[@]}"; do
    case $d in
        gcc-[0-9]*) compiler=${d%-for-host} ;;
        linux-headers-*|linux-kbuild-*) headers+=("$d") ;;
    esac
done
[[ -n $compiler ]] || die "linux-headers-$REL names no gcc"
tools=("$compiler" make libc6-dev)
for h in "${headers[@]}"; do
    while read -r d; do
        case $d in linux-*|gcc-*) ;; *) tools+=("$d") ;; esac
    done < <(archive_depends "$h")
done
mapfile -t tools < <(printf '%s\n' "${tools[@]}" | sort -u)

if [[ ! -x $ROOT/usr/bin/$compiler ]]; then
    install_here debootstrap
    mirror=$(_machine_debian_uri bookworm http://deb.debian.org/debian)
    log "creating a Debian $SUITE build root with $compiler in $ROOT (debootstrap, a few minutes)"
    rm -rf "$ROOT.tmp"
    debootstrap --variant=minbase --include="$(IFS=,; echo "${tools[*]}")" "$SUITE" "$ROOT.tmp" "$mirror" >&2 \
        || die "debootstrap failed (log: $ROOT.tmp/debootstrap/debootstrap.log)"
    rm -rf "$ROOT"
    mv "$ROOT.tmp" "$ROOT"
fi
# A root made for an earlier kernel may lack what a later one needs: its own apt adds it.
missing=()
for t in "${tools[@]}"; do
    # shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
    chroot "$ROOT" dpkg-query -W -f='${db:Status-Abbrev}' "$t" 2>/dev/null | grep -q '^ii' || missing+=("$t")
done
if ((${#missing[@]})); then
    log "installing ${missing[*]} into the $SUITE build root"
    in_root() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive chroot "$ROOT" "$@"; }
    in_root apt-get update -qq >&2
    in_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [[ ! -f $ROOT/.headers-$REL ]]; then
    log "extracting ${headers[*]} into the $SUITE build root"
    debs=$(mktemp -d "$OUT/buildroot/debs.XXXXXX")
    (cd "$debs" && archive_apt download "${headers[@]}" >&2)
    for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$ROOT"; done
    rm -rf "$debs"
    : >"$ROOT/.headers-$REL"
fi
printf 'KBUILD_CHROOT=%q\nKBUILD_DIR=%q\n' "$ROOT" "/lib/modules/$REL/build"
