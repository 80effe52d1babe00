#!/bin/bash
# Build the test VFIO variant driver (tests/vm/variant/test_vfio_pci.c) on the HOST against
# the guest kernel's headers, and stage the module index files the guest needs.
#
# Usage: scripts/vm/build-variant.sh [--print-env]
#   --print-env  print VARIANT_KO= and VARIANT_STAGE= lines for callers to eval
# Outputs (cached; rebuilt only when the sources or the kernel change):
#   .build-vm/variant/build/test_vfio_pci.ko
#   .build-vm/variant/stage/lib/modules/GUESTVER/{modules.*,extra/test_vfio_pci.ko}
# Why stage on the host: depmod inside the TCG guest takes ~37 s, here ~1.5 s. The stage's
# kernel/ is a symlink to the real module tree so depmod indexes every module and the staged
# modules.dep/alias replace the kernel's own wholesale (see guest-install-variant.sh).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SRC="$REPO/tests/vm/variant"
PRINT_ENV=0
[[ ${1:-} == --print-env ]] && PRINT_ENV=1

eval "$("$HERE/setup.sh" --print-env)"   # GUESTVER BUILD_VM (and installs the headers)
OUT="$BUILD_VM/variant"
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
    stat -L -c '%n %s %Y' "/lib/modules/$GUESTVER/modules.dep" "/lib/modules/$GUESTVER/build/Module.symvers"
    cat "$SRC/test_vfio_pci.c" "$SRC/Kbuild" "${BASH_SOURCE[0]}" | cksum
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
    make -s -C "/lib/modules/$GUESTVER/build" M="$BUILD" modules >&2

    rm -rf "$STAGE"
    mkdir -p "$MODDIR/extra"
    ln -s "/lib/modules/$GUESTVER/kernel" "$MODDIR/kernel"
    cp "/lib/modules/$GUESTVER/modules.order" "/lib/modules/$GUESTVER/modules.builtin" \
        "/lib/modules/$GUESTVER/modules.builtin.modinfo" "$MODDIR/"
    cp "$KO" "$MODDIR/extra/"
    depmod -b "$STAGE" "$GUESTVER"
    grep -q '^alias vfio_pci:v00008086d000010D3sv\*sd\*bc\*sc\*i\* test_vfio_pci$' "$MODDIR/modules.alias" \
        || { echo "build-variant: depmod wrote no vfio_pci alias for test_vfio_pci" >&2; exit 1; }
    echo "$want" >"$STAMP"
fi

if ((PRINT_ENV)); then
    printf 'VARIANT_KO=%q\nVARIANT_STAGE=%q\n' "$KO" "$STAGE"
fi
