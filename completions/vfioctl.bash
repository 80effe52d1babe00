
__vfioctl_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__vfioctl_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__vfioctl_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__vfioctl_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_vfioctl() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __vfioctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|show|groups|plan|bind|unbind|status|recover|sriov|reset|override|new-id|remove-id|apply|diff|persist|help)
        # Offer subcommand argument completions
        "_vfioctl_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list show groups plan bind unbind status recover sriov reset override new-id remove-id apply diff persist help' -- "${cur}"))
        ;;
    esac
}

_vfioctl_list() {
    repeating_flags=()
    non_repeating_flags=(--json --numeric --tree -k --modules --version -h --help)
    repeating_options=()
    non_repeating_options=(--sysfs-root --class --driver --group --modules-dir)
    __vfioctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--class')
        __vfioctl_add_completions -W 'storage'$'\n''net'$'\n''display'$'\n''gpu'$'\n''multimedia'$'\n''audio'$'\n''memory'$'\n''bridge'$'\n''communication'$'\n''system'$'\n''input'$'\n''serial-bus'$'\n''usb'$'\n''wireless'$'\n''crypto'$'\n''signal'$'\n''accelerator'
        return
        ;;
    '--driver')
        return
        ;;
    '--group')
        return
        ;;
    '--modules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __vfioctl_add_completions -W "$(__vfioctl_custom_complete ---completion list -- positional@0 "${COMP_CWORD}" "$(__vfioctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_vfioctl_show() {
    repeating_flags=()
    non_repeating_flags=(--no-default-rules --json --numeric --version -h --help)
    repeating_options=(--rules-dir)
    non_repeating_options=(--sysfs-root --modules-dir)
    __vfioctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--modules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--rules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __vfioctl_add_completions -W "$(__vfioctl_custom_complete ---completion show -- positional@0 "${COMP_CWORD}" "$(__vfioctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_vfioctl_groups() {
    repeating_flags=()
    non_repeating_flags=(--json --numeric --version -h --help)
    repeating_options=()
    non_repeating_options=(--sysfs-root)
    __vfioctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    esac
}

_vfioctl_plan() {
    repeating_flags=()
    non_repeating_flags=(--no-default-rules --json --numeric --all --explain --version -h --help)
    repeating_options=(--rules-dir)
    non_repeating_options=(--sysfs-root --class --driver --group --modules-dir)
    __vfioctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--class')
        __vfioctl_add_completions -W 'storage'$'\n''net'$'\n''display'$'\n''gpu'$'\n''multimedia'$'\n''audio'$'\n''memory'$'\n''bridge'$'\n''communication'$'\n''system'$'\n''input'$'\n''serial-bus'$'\n''usb'$'\n''wireless'$'\n''crypto'$'\n''signal'$'\n''accelerator'
        return
        ;;
    '--driver')
        return
        ;;
    '--group')
        return
        ;;
    '--modules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--rules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __vfioctl_add_completions -W "$(__vfioctl_custom_complete ---completion plan -- positional@0 "${COMP_CWORD}" "$(__vfioctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_vfioctl_bind() {
    repeating_flags=()
    non_repeating_flags=(--group --noiommu --no-default-rules --dry-run --json --verbose -v --save --version -h --help)
    repeating_options=(--rules-dir --force)
    non_repeating_options=(--sysfs-root --driver --method --owner --mode --modules-dir --timeout --lock-timeout --state-dir --state-file)
    __vfioctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--driver')
        return
        ;;
    '--method')
        __vfioctl_add_completions -W 'driver_override'$'\n''new_id'
        return
        ;;
    '--owner')
        return
        ;;
    '--mode')
        return
        ;;
    '--modules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--rules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--force')
        __vfioctl_add_completions -W 'netdev-active'$'\n''mounted'$'\n''swap'$'\n''stacked'$'\n''boot-vga'$'\n''fbcon'$'\n''open-fd'$'\n''bridge'$'\n''sriov-pf'$'\n''group-not-viable'$'\n''new-id-collateral'$'\n''no-iommu-group'
        return
        ;;
    '--timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--state-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--state-file')
        __vfioctl_add_completions -o plusdirs -fX '!*.@(toml)'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __vfioctl_add_completions -W "$(__vfioctl_custom_complete ---completion bind -- positional@0 "${COMP_CWORD}" "$(__vfioctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_vfioctl_unbind() {
    repeating_flags=()
    non_repeating_flags=(--no-default-rules --dry-run --json --verbose -v --save --version -h --help)
    repeating_options=(--rules-dir --force)
    non_repeating_options=(--sysfs-root --modules-dir --timeout --lock-timeout --state-dir --state-file)
    __vfioctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--modules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--rules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--force')
        __vfioctl_add_completions -W 'netdev-active'$'\n''mounted'$'\n''swap'$'\n''stacked'$'\n''boot-vga'$'\n''fbcon'$'\n''open-fd'$'\n''bridge'$'\n''sriov-pf'$'\n''group-not-viable'$'\n''new-id-collateral'$'\n''no-iommu-group'
        return
        ;;
    '--timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--state-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--state-file')
        __vfioctl_add_completions -o plusdirs -fX '!*.@(toml)'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __vfioctl_add_completions -W "$(__vfioctl_custom_complete ---completion unbind -- positional@0 "${COMP_CWORD}" "$(__vfioctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_vfioctl_status() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--sysfs-root --state-dir)
    __vfioctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--state-dir')
        __vfioctl_add_completions -d
        return
        ;;
    esac
}

_vfioctl_recover() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --json --verbose -v --version -h --help)
    repeating_options=(--force)
    non_repeating_options=(--sysfs-root --timeout --lock-timeout --state-dir)
    __vfioctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--force')
        __vfioctl_add_completions -W 'netdev-active'$'\n''mounted'$'\n''swap'$'\n''stacked'$'\n''boot-vga'$'\n''fbcon'$'\n''open-fd'$'\n''bridge'$'\n''sriov-pf'$'\n''group-not-viable'$'\n''new-id-collateral'$'\n''no-iommu-group'
        return
        ;;
    '--timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--state-dir')
        __vfioctl_add_completions -d
        return
        ;;
    esac
}

_vfioctl_sriov() {
    repeating_flags=()
    non_repeating_flags=(--bind --no-default-rules --dry-run --json --verbose -v --version -h --help)
    repeating_options=(--rules-dir --force)
    non_repeating_options=(--sysfs-root --vfs --modules-dir --timeout --lock-timeout --state-dir)
    __vfioctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--vfs')
        return
        ;;
    '--modules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--rules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--force')
        __vfioctl_add_completions -W 'netdev-active'$'\n''mounted'$'\n''swap'$'\n''stacked'$'\n''boot-vga'$'\n''fbcon'$'\n''open-fd'$'\n''bridge'$'\n''sriov-pf'$'\n''group-not-viable'$'\n''new-id-collateral'$'\n''no-iommu-group'
        return
        ;;
    '--timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--state-dir')
        __vfioctl_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __vfioctl_add_completions -W "$(__vfioctl_custom_complete ---completion sriov -- positional@0 "${COMP_CWORD}" "$(__vfioctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_vfioctl_reset() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --version -h --help)
    repeating_options=(--force)
    non_repeating_options=(--sysfs-root --timeout --lock-timeout --state-dir)
    __vfioctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--force')
        __vfioctl_add_completions -W 'open-fd'$'\n''host-driver'
        return
        ;;
    '--timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--state-dir')
        __vfioctl_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __vfioctl_add_completions -W "$(__vfioctl_custom_complete ---completion reset -- positional@0 "${COMP_CWORD}" "$(__vfioctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_vfioctl_override() {
    repeating_flags=()
    non_repeating_flags=(--clear --dry-run --version -h --help)
    repeating_options=()
    non_repeating_options=(--sysfs-root)
    __vfioctl_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __vfioctl_add_completions -W "$(__vfioctl_custom_complete ---completion override -- positional@0 "${COMP_CWORD}" "$(__vfioctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_vfioctl_new-id() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --version -h --help)
    repeating_options=()
    non_repeating_options=(--sysfs-root)
    __vfioctl_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    esac
}

_vfioctl_remove-id() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --version -h --help)
    repeating_options=()
    non_repeating_options=(--sysfs-root)
    __vfioctl_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    esac
}

_vfioctl_apply() {
    repeating_flags=()
    non_repeating_flags=(--no-default-rules --dry-run --json --verbose -v --version -h --help)
    repeating_options=(--device --rules-dir --force)
    non_repeating_options=(--sysfs-root --modules-dir --timeout --lock-timeout --state-dir)
    __vfioctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--device')
        return
        ;;
    '--modules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--rules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--force')
        __vfioctl_add_completions -W 'netdev-active'$'\n''mounted'$'\n''swap'$'\n''stacked'$'\n''boot-vga'$'\n''fbcon'$'\n''open-fd'$'\n''bridge'$'\n''sriov-pf'$'\n''group-not-viable'$'\n''new-id-collateral'$'\n''no-iommu-group'
        return
        ;;
    '--timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--state-dir')
        __vfioctl_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __vfioctl_add_completions -o plusdirs -fX '!*.@(toml)'
        return
        ;;
    esac
}

_vfioctl_diff() {
    repeating_flags=()
    non_repeating_flags=(--json --no-default-rules --version -h --help)
    repeating_options=(--rules-dir)
    non_repeating_options=(--sysfs-root --modules-dir)
    __vfioctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--modules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--rules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __vfioctl_add_completions -o plusdirs -fX '!*.@(toml)'
        return
        ;;
    esac
}

_vfioctl_persist() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vfioctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    enable|disable|status|add|remove)
        # Offer subcommand argument completions
        "_vfioctl_persist_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'enable disable status add remove' -- "${cur}"))
        ;;
    esac
}

_vfioctl_persist_enable() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --late-only --no-rebuild-initramfs --version -h --help)
    repeating_options=(--force)
    non_repeating_options=(--root --binary --modules-dir --sysfs-root)
    __vfioctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--root')
        __vfioctl_add_completions -d
        return
        ;;
    '--binary')
        return
        ;;
    '--force')
        __vfioctl_add_completions -W 'netdev-active'$'\n''mounted'$'\n''swap'$'\n''stacked'$'\n''boot-vga'$'\n''fbcon'$'\n''open-fd'$'\n''bridge'$'\n''sriov-pf'$'\n''group-not-viable'$'\n''new-id-collateral'$'\n''no-iommu-group'
        return
        ;;
    '--modules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __vfioctl_add_completions -o plusdirs -fX '!*.@(toml)'
        return
        ;;
    esac
}

_vfioctl_persist_disable() {
    repeating_flags=()
    non_repeating_flags=(--no-rebuild-initramfs --restore --no-default-rules --dry-run --json --verbose -v --version -h --help)
    repeating_options=(--rules-dir --force)
    non_repeating_options=(--root --sysfs-root --modules-dir --timeout --lock-timeout --state-dir)
    __vfioctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--root')
        __vfioctl_add_completions -d
        return
        ;;
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--modules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--rules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--force')
        __vfioctl_add_completions -W 'netdev-active'$'\n''mounted'$'\n''swap'$'\n''stacked'$'\n''boot-vga'$'\n''fbcon'$'\n''open-fd'$'\n''bridge'$'\n''sriov-pf'$'\n''group-not-viable'$'\n''new-id-collateral'$'\n''no-iommu-group'
        return
        ;;
    '--timeout')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--state-dir')
        __vfioctl_add_completions -d
        return
        ;;
    esac
}

_vfioctl_persist_status() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--root --modules-dir --sysfs-root)
    __vfioctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--root')
        __vfioctl_add_completions -d
        return
        ;;
    '--modules-dir')
        __vfioctl_add_completions -d
        return
        ;;
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    esac
}

_vfioctl_persist_add() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --version -h --help)
    repeating_options=()
    non_repeating_options=(--sysfs-root --state --driver --state-file --root)
    __vfioctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--state')
        return
        ;;
    '--driver')
        return
        ;;
    '--state-file')
        __vfioctl_add_completions -o plusdirs -fX '!*.@(toml)'
        return
        ;;
    '--root')
        __vfioctl_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __vfioctl_add_completions -W "$(__vfioctl_custom_complete ---completion persist add -- positional@0 "${COMP_CWORD}" "$(__vfioctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_vfioctl_persist_remove() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --version -h --help)
    repeating_options=()
    non_repeating_options=(--sysfs-root --state-file --root)
    __vfioctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--sysfs-root')
        __vfioctl_add_completions -d
        return
        ;;
    '--state-file')
        __vfioctl_add_completions -o plusdirs -fX '!*.@(toml)'
        return
        ;;
    '--root')
        __vfioctl_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __vfioctl_add_completions -W "$(__vfioctl_custom_complete ---completion persist remove -- positional@0 "${COMP_CWORD}" "$(__vfioctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_vfioctl_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __vfioctl_offer_flags_options -1
}

complete -o filenames -F _vfioctl vfioctl
