#!/bin/bash
# Build the test VFIO variant driver (integration/vm/variant/test_vfio_pci.c) on the HOST against
# the guest kernel's headers, and stage the module index files the guest needs.
#
# Usage: scripts/vm/build-variant.sh [--kernel K] [--print-env]
#   --kernel K   the guest kernel (default 6.1): see scripts/vm/kernel.sh
#   --print-env  print VARIANT_KO= and VARIANT_STAGE= lines for callers to eval
# Outputs, one set per kernel release (cached; rebuilt only when the sources or the kernel change):
#   .build-vm/variant/GUESTVER/build/test_vfio_pci.ko
#   .build-vm/variant/GUESTVER/stage/lib/modules/GUESTVER/{modules.*,extra/test_vfio_pci.ko}
# The compiler is the one the kernel was built with: Debian 12's kernel builds here with its
# linux-headers package, Debian 13's in a Debian 13 build root (scripts/vm/build-root.sh).
# Why stage on the host: depmod inside the TCG guest takes ~37 s, here ~1.5 s. The stage's
# kernel/ is a symlink to the real module tree so depmod indexes every module and the staged
# modules.dep/alias replace the kernel's own wholesale (see guest-install-variant.sh).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SRC="$REPO/integration/vm/variant"
PRINT_ENV=0 KERNEL=6.1
while (($#)); do
    case $1 in
        --print-env) PRINT_ENV=1 ;;
        --kernel) KERNEL=${2:?--kernel needs a value}; shift ;;
        *) echo "build-variant.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

# (Assigned, then eval'd: under set -e a failing script stops this one; eval "$(...)" would not.)
vars=$("$HERE/setup.sh" --kernel "$KERNEL" --print-env)   # GUESTVER BUILD_VM MODULES_ROOT
eval "$vars"
vars=$("$HERE/build-root.sh" --print-env "$GUESTVER")     # KBUILD_CHROOT KBUILD_DIR
eval "$vars"
MODULES="${MODULES_ROOT%/}/lib/modules/$GUESTVER"
OUT="$BUILD_VM/variant/$GUESTVER"
BUILD="$OUT/build"
STAGE="$OUT/stage"
MODDIR="$STAGE/lib/modules/$GUESTVER"
KO="$BUILD/test_vfio_pci.ko"
STAMP="$OUT/stamp"

mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9

stamp() {
    echo "$GUESTVER"
    stat -L -c '%n %s %Y' "$MODULES/modules.dep" "$KBUILD_CHROOT$KBUILD_DIR/Module.symvers"
    cat "$SRC/test_vfio_pci.c" "$SRC/Kbuild" "${BASH_SOURCE[0]}" | cksum
}

# kbuild M=DIR modules, here or inside the build root (DIR is a path on this machine).
build_module() {
    local dir=$1
    if [[ -z $KBUILD_CHROOT ]]; then
        make -s -C "$KBUILD_DIR" M="$dir" modules >&2
        return
    fi
    local inside=/tmp/vfioctl-variant-$GUESTVER
    rm -rf "$KBUILD_CHROOT$inside"
    cp -r "$dir" "$KBUILD_CHROOT$inside"
    # shellcheck disable=SC2016 # the inner shell expands its own arguments
    # objtool reads /proc: mount one, in a mount namespace of this command's own (gone when it ends,
    # never visible on the machine).
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        unshare --mount --propagation private -- /bin/sh -c \
        'mount -t proc proc "$1/proc" && exec chroot "$1" make -s -C "$2" M="$3" modules' \
        build-variant "$KBUILD_CHROOT" "$KBUILD_DIR" "$inside" >&2
    cp "$KBUILD_CHROOT$inside"/*.ko "$dir/"
    rm -rf "$KBUILD_CHROOT$inside"
}

want=$(stamp)
if [[ -f $STAMP && -f $KO && -f $MODDIR/modules.alias.bin && $(<"$STAMP") == "$want" ]]; then
    :   # up to date
else
    echo "build-variant: building test_vfio_pci for $GUESTVER" >&2
    # Build in a copy: kbuild litters its M= directory with objects and .cmd files.
    rm -rf "$BUILD"
    mkdir -p "$BUILD"
    cp "$SRC/test_vfio_pci.c" "$SRC/Kbuild" "$BUILD/"
    build_module "$BUILD"

    rm -rf "$STAGE"
    mkdir -p "$MODDIR/extra"
    ln -s "$MODULES/kernel" "$MODDIR/kernel"
    cp "$MODULES/modules.order" "$MODULES/modules.builtin" "$MODULES/modules.builtin.modinfo" "$MODDIR/"
    cp "$KO" "$MODDIR/extra/"
    depmod -b "$STAGE" "$GUESTVER"
    grep -q '^alias vfio_pci:v00008086d000010D3sv\*sd\*bc\*sc\*i\* test_vfio_pci$' "$MODDIR/modules.alias" \
        || { echo "build-variant: depmod wrote no vfio_pci alias for test_vfio_pci" >&2; exit 1; }
    echo "$want" >"$STAMP"
fi

if ((PRINT_ENV)); then
    printf 'VARIANT_KO=%q\nVARIANT_STAGE=%q\n' "$KO" "$STAGE"
fi
