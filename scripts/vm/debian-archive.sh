# shellcheck shell=bash
# Sourced by scripts/vm/kernel.sh and scripts/vm/build-root.sh: a PRIVATE apt configuration that
# reads Debian 12 and Debian 13 suites (bookworm*, trixie*, trixie-backports) from the machine's own
# Debian mirror, trusting the machine's own Debian keyring, without touching the machine's apt state:
# its sources, lists, preferences and dpkg status are never read or written, so nothing on the
# machine is upgraded. Packages are only downloaded (`apt-get download`) and extracted by callers.
#
#   archive_apt    apt-get with the private configuration (e.g. `archive_apt download PKG`)
#   archive_cache  apt-cache with the private configuration
#   archive_update refresh the package lists when older than a day (ARCHIVE_REFRESH=1: always)
#   archive_depends PACKAGE[=VERSION]  the package names its Depends field lists, one a line
#                  (alternatives included, version constraints dropped)
# Needs OUT (the .build-vm directory) set by the caller; the configuration lives in $OUT/apt.

ARCHIVE_DIR="$OUT/apt"
ARCHIVE_OPTS=(
    -o "Dir::Etc::sourcelist=/dev/null"
    -o "Dir::Etc::sourceparts=$ARCHIVE_DIR/sources.list.d"
    -o "Dir::Etc::preferencesparts=/dev/null"
    -o "Dir::State::Lists=$ARCHIVE_DIR/lists"
    -o "Dir::State::status=/dev/null"
    -o "Dir::Cache=$ARCHIVE_DIR/cache"
    # Downloads land in directories root owns; apt's _apt sandbox user could not write there.
    -o "APT::Sandbox::User=root"
)

archive_apt() { apt-get -q "${ARCHIVE_OPTS[@]}" "$@"; }
archive_cache() { apt-cache "${ARCHIVE_OPTS[@]}" "$@"; }

archive_depends() {
    archive_cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Depends: //p' | head -n 1 \
        | sed 's/[,|]/\n/g' | sed 's/([^)]*)//; s/^ *//; s/ *$//; s/:any$//' | grep -v '^$' || true
}

# _machine_debian_uri SUITE DEFAULT: the URI of the machine's apt source for SUITE (deb822 .sources
# or one-line .list), so a machine behind a local mirror or proxy keeps using it.
_machine_debian_uri() {
    local suite=$1 default=$2 uri
    uri=$(awk -v want="$suite" '
        # one-line format: deb [options] URI SUITE COMPONENTS...
        FILENAME ~ /\.list$/ && $1 == "deb" {
            i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
            if ($(i + 1) == want) { print $i; exit }
            next
        }
        # deb822: a stanza has URIs: and Suites: lines, blank lines separate stanzas
        FILENAME ~ /\.sources$/ {
            if (NF == 0) { uris = ""; suites = ""; next }
            if ($1 == "URIs:") uris = $2
            if ($1 == "Suites:") { suites = " " substr($0, index($0, $2)) " " }
            if (uris != "" && index(suites, " " want " ")) { print uris; exit }
        }' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null)
    echo "${uri:-$default}"
}

_write_archive_sources() {
    local main security keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    main=$(_machine_debian_uri bookworm http://deb.debian.org/debian)
    security=$(_machine_debian_uri bookworm-security http://deb.debian.org/debian-security)
    mkdir -p "$ARCHIVE_DIR/sources.list.d" "$ARCHIVE_DIR/lists/partial" "$ARCHIVE_DIR/cache/archives/partial"
    cat >"$ARCHIVE_DIR/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $main
Suites: bookworm bookworm-updates trixie trixie-updates trixie-backports
Components: main
Signed-By: $keyring

Types: deb
URIs: $security
Suites: bookworm-security trixie-security
Components: main
Signed-By: $keyring
EOF
}

archive_update() {
    local stamp="$ARCHIVE_DIR/updated"
    _write_archive_sources
    if [[ ${ARCHIVE_REFRESH:-0} != 1 && -f $stamp && -n $(find "$stamp" -mmin -1440) ]]; then
        return 0
    fi
    echo "vm-kernel: refreshing the package lists of bookworm/trixie/trixie-backports (private apt configuration)" >&2
    archive_apt update -qq >&2
    touch "$stamp"
}
