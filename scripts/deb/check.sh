#!/usr/bin/env bash
# The Debian package's test, on a Debian 12 machine (run by scripts/test.sh; sudo is used for apt and
# the overlay when not run as root; the package itself is built as the caller):
#   1. build it with `dpkg-buildpackage -b -us -uc` in the tree (the release build that the test
#      suite made already is reused; a clean tree builds it), the .deb kept in .build-deb/;
#   2. lintian: no error (warnings and overrides are printed);
#   3. in a throw-away overlay of this machine's root (a chroot: nothing reaches the real /),
#      `apt-get install` it, check what it installed, run `vfioctl list`, `vfioctl persist status`
#      and a `persist enable` into that root, `apt-get remove` (persist's unit and rule go, the
#      state file stays), then `apt-get purge`, and check that nothing is left but the package
#      manager's own records.
# Usage: scripts/deb/check.sh   (SWIFT=/path/to/swift if swift is not on PATH)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
start=$SECONDS

SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo

# What building and checking the package needs, installed when missing (as scripts/deps.sh does);
# dpkg-buildpackage requires build-essential besides the Build-Depends.
packages=(build-essential dpkg-dev debhelper lintian libpci-dev libudev-dev pkgconf pciutils pci.ids kmod)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "deb/check: installing ${missing[*]}" >&2
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
out="$repo/.build-deb"
rm -rf "$out"
mkdir -p "$out"
deb="$out/vfioctl_${version}_${arch}.deb"

echo "deb/check: dpkg-buildpackage -b -us -uc"
if ! PACKAGE_OUTPUT_DIR="$out" dpkg-buildpackage -b -us -uc \
        --buildinfo-option=-u"$out" --buildinfo-file="$out/vfioctl_${version}_${arch}.buildinfo" \
        --changes-option=-u"$out" --changes-file="$out/vfioctl_${version}_${arch}.changes" \
        >"$out/build.log" 2>&1; then
    tail -n 30 "$out/build.log" >&2
    echo "deb/check: dpkg-buildpackage failed (log: $out/build.log)" >&2
    exit 1
fi
[[ -f "$deb" ]] || { echo "deb/check: $deb was not built" >&2; exit 1; }
echo "deb/check: built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB, $((SECONDS - start)) s)"

# The package's version is the program's.
binary_version=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/vfioctl >"$out/vfioctl" && chmod +x "$out/vfioctl" && "$out/vfioctl" --version)
if [[ "$binary_version" != "${version%%-*}" ]]; then
    echo "deb/check: debian/changelog says $version but vfioctl --version says $binary_version" >&2
    exit 1
fi

# The README names the file the build writes.
if ! grep -qF "vfioctl_${version}_${arch}.deb" README.md; then
    echo "deb/check: README.md does not name vfioctl_${version}_${arch}.deb" >&2
    exit 1
fi

echo "deb/check: lintian"
lintian_rc=0
lintian --fail-on error --show-overrides "$deb" >"$out/lintian.log" 2>&1 || lintian_rc=$?
sed 's/^/  /' "$out/lintian.log"
if ((lintian_rc != 0)); then
    echo "deb/check: lintian reports errors" >&2
    exit 1
fi

echo "deb/check: install, use, remove and purge in an overlay of /"
# A private mount namespace: the overlay, and the read-only /sys and /proc in it, vanish with it.
$SUDO unshare --mount --propagation private "$repo/scripts/deb/chroot-check.sh" "$deb"
echo "deb/check: ok ($((SECONDS - start)) s)"
