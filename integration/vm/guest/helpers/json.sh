# shellcheck shell=bash
# Reads vfioctl's --json documents with bash builtins only (no jq, no python: forks cost
# 40-70 ms in the TCG guest, python ~0.3 s). It relies on vfioctl's renderer: two-space
# indentation, one key or array element per line, `{`/`[` at the end of the line that opens a
# container and `}`/`]` alone on the line that closes it (Sources/VFIOCore/Present/JSON.swift).
#
#   json_load FILE         fill the global associative array J: one entry per scalar, keyed by
#                          its path (`devices.0.chain.1.reason`); J[PATH.#] = element count of
#                          every array (0 for []); strings unquoted and unescaped, null -> "null".
#                          Fails (status 1, message on stdout) when FILE is not such a document.
#   json_index ARRAY KEY VALUE   REPLY = the index i with J[ARRAY.i.KEY] == VALUE, else fail
#   json_any ARRAY KEY PATTERN   succeed when some J[ARRAY.i.KEY] matches the glob PATTERN
#                                (KEY "" for an array of strings: J[ARRAY.i])
#   json_expect PATH VALUE       succeed when J[PATH] == VALUE (else say what it is)
#   json_match PATH PATTERN      succeed when J[PATH] matches the glob PATTERN

declare -gA J=()

json_load() {
    J=()
    local line key val path n depth=0
    local -a paths=() kinds=() counts=()
    if [[ ! -s $1 ]]; then echo "$1 is empty or missing"; return 1; fi
    while IFS= read -r line; do
        line=${line#"${line%%[! ]*}"}
        line=${line%,}
        case $line in
            "}" | "]")
                ((depth > 0)) || { echo "$1: unbalanced '$line'"; return 1; }
                depth=$((depth - 1))
                [[ ${kinds[depth]} == a ]] && J[${paths[depth]}${paths[depth]:+.}#]=${counts[depth]}
                continue ;;
        esac
        if ((depth == 0)); then
            [[ $line == "{" ]] || { echo "$1: not a JSON object document"; return 1; }
            paths[0]="" kinds[0]=o counts[0]=0 depth=1
            continue
        fi
        if [[ ${kinds[depth - 1]} == a ]]; then
            key=${counts[depth - 1]}
            counts[depth - 1]=$((key + 1))
            val=$line
        else
            [[ $line == \"*\":\ * ]] || { echo "$1: unexpected line '$line'"; return 1; }
            key=${line%%\": *}
            key=${key#\"}
            val=${line#*\": }
        fi
        path=${paths[depth - 1]}${paths[depth - 1]:+.}$key
        case $val in
            "{" | "[")
                paths[depth]=$path counts[depth]=0
                [[ $val == "[" ]] && kinds[depth]=a || kinds[depth]=o
                depth=$((depth + 1)) ;;
            "[]") J[$path.#]=0 ;;
            "{}") J[$path]="{}" ;;
            \"*\")
                val=${val:1:${#val}-2}
                if [[ $val == *\\* ]]; then
                    val=${val//\\n/$'\n'}
                    val=${val//\\t/$'\t'}
                    val=${val//\\\"/\"}
                    val=${val//\\\\/\\}
                fi
                J[$path]=$val ;;
            *) J[$path]=$val ;;
        esac
    done <"$1"
    ((depth == 0)) || { echo "$1: truncated document"; return 1; }
}

json_index() {
    local i n=${J[$1.#]:-0}
    for ((i = 0; i < n; i++)); do
        [[ ${J[$1.$i.$2]-} == "$3" ]] && { REPLY=$i; return 0; }
    done
    REPLY=""
    echo "no element of $1 has $2 = '$3'"
    return 1
}

json_any() {
    local i n=${J[$1.#]:-0}
    for ((i = 0; i < n; i++)); do
        # shellcheck disable=SC2053 # $3 is a glob on purpose
        [[ ${J[$1.$i${2:+.$2}]-} == $3 ]] && return 0
    done
    echo "no element of $1 ($n)${2:+ has $2} matching '$3'"
    return 1
}

json_expect() {
    [[ ${J[$1]+set} && ${J[$1]} == "$2" ]] && return 0
    echo "$1 is '${J[$1]-<absent>}', expected '$2'"
    return 1
}

json_match() {
    # shellcheck disable=SC2053 # $2 is a glob on purpose
    [[ ${J[$1]+set} && ${J[$1]} == $2 ]] && return 0
    echo "$1 is '${J[$1]-<absent>}', expected to match '$2'"
    return 1
}
