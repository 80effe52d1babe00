#!/usr/bin/env bash
# README command 1: install what is missing, build vfioctl (release), install it under PREFIX
# (default /usr/local: binary, shipped rules, man pages, completions), then run its main job on
# this machine: list the PCI devices and show the driver vfioctl would choose for each.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/swift-flags.sh
. scripts/lib/swift-flags.sh
PREFIX="${PREFIX:-/usr/local}"

scripts/deps.sh
# Static Swift runtime: the installed binary needs only libc, libpci and libudev, not the toolchain.
swift_build "${SWIFT_INSTALL_BUILD[@]}" --product vfioctl
bin="$(swift_build "${SWIFT_INSTALL_BUILD[@]}" --show-bin-path)/vfioctl"

SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
$SUDO install -D -m 0755 "$bin" "$PREFIX/bin/vfioctl"
$SUDO install -d "$PREFIX/lib/vfioctl/rules.d" "$PREFIX/share/man/man5" "$PREFIX/share/man/man8" \
    "$PREFIX/share/bash-completion/completions" "$PREFIX/share/zsh/site-functions" "$PREFIX/share/fish/vendor_completions.d"
$SUDO install -m 0644 rules.d/*.toml "$PREFIX/lib/vfioctl/rules.d/"
# The pages were section 1, named vfioctl.COMMAND.1, before they became section 8.
$SUDO rm -f "$PREFIX/share/man/man1/vfioctl.1" "$PREFIX"/share/man/man1/vfioctl.*.1
$SUDO install -m 0644 man/*.5 "$PREFIX/share/man/man5/"
$SUDO install -m 0644 man/*.8 "$PREFIX/share/man/man8/"
$SUDO install -m 0644 completions/vfioctl.bash "$PREFIX/share/bash-completion/completions/vfioctl"
$SUDO install -m 0644 completions/_vfioctl "$PREFIX/share/zsh/site-functions/_vfioctl"
$SUDO install -m 0644 completions/vfioctl.fish "$PREFIX/share/fish/vendor_completions.d/vfioctl.fish"
echo "installed $PREFIX/bin/vfioctl"
echo

"$PREFIX/bin/vfioctl" list
if "$PREFIX/bin/vfioctl" help plan >/dev/null 2>&1; then
    echo
    "$PREFIX/bin/vfioctl" plan --all
fi
