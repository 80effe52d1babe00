function __vfioctl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vfioctl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __vfioctl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vfioctl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __vfioctl_parse_tokens -S
    set -l unparsed_tokens (__vfioctl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'vfioctl'
        __vfioctl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'list'
            __vfioctl_parse_subcommand -r 1 'sysfs-root=' 'class=' 'driver=' 'group=' 'json' 'numeric' 'tree' 'version' 'h/help'
        case 'show'
            __vfioctl_parse_subcommand 1 'sysfs-root=' 'json' 'numeric' 'version' 'h/help'
        case 'groups'
            __vfioctl_parse_subcommand 0 'sysfs-root=' 'json' 'numeric' 'version' 'h/help'
        case 'help'
            __vfioctl_parse_subcommand -r 1 'version'
        end
    end
end

function __vfioctl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __vfioctl_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __vfioctl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __vfioctl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__vfioctl_tokens -p)
    if test -z "$(__vfioctl_tokens -t)"
        set -l index (count (__vfioctl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'vfioctl' -f
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'list' -d 'List PCI devices with driver, IOMMU group, driver_override and SR-IOV state.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'show' -d 'Show everything known about one device, including its IOMMU group\'s members and their drivers.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'groups' -d 'List IOMMU groups, their members, and whether VFIO can use each group.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl list" -ge 1' -fka '(__vfioctl_custom_completion ---completion list -- positional@0 (count (__vfioctl_tokens -pc)) (__vfioctl_tokens -tC))'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" class' -l 'class' -d 'Only devices of this class: a name (net, storage, display, audio, usb, bridge, crypto, accelerator, ...) or 2/4/6 hex digits (0200).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" driver' -l 'driver' -d 'Only devices bound to this driver (\'none\' for unbound devices).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" group' -l 'group' -d 'Only devices in this IOMMU group.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" json' -l 'json' -d 'Print a JSON document (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" numeric' -l 'numeric' -d 'Print numeric ids only; do not load pci.ids.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" tree' -l 'tree' -d 'Show the PCI topology: root buses, bridges, endpoints, and VFs under their PF.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl show" -eq 1' -fka '(__vfioctl_custom_completion ---completion show -- positional@0 (count (__vfioctl_tokens -pc)) (__vfioctl_tokens -tC))'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show" json' -l 'json' -d 'Print a JSON document (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show" numeric' -l 'numeric' -d 'Print numeric ids only; do not load pci.ids.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl groups" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl groups" json' -l 'json' -d 'Print a JSON document (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl groups" numeric' -l 'numeric' -d 'Print numeric ids only; do not load pci.ids.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl groups" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl groups" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl help" version' -l 'version' -d 'Show the version.'
