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
            __vfioctl_parse_subcommand -r 1 'sysfs-root=' 'class=' 'driver=' 'group=' 'json' 'numeric' 'tree' 'k/modules' 'modules-dir=' 'version' 'h/help'
        case 'show'
            __vfioctl_parse_subcommand 1 'sysfs-root=' 'modules-dir=' 'rules-dir=+' 'no-default-rules' 'json' 'numeric' 'version' 'h/help'
        case 'groups'
            __vfioctl_parse_subcommand 0 'sysfs-root=' 'json' 'numeric' 'version' 'h/help'
        case 'plan'
            __vfioctl_parse_subcommand -r 1 'sysfs-root=' 'class=' 'driver=' 'group=' 'modules-dir=' 'rules-dir=+' 'no-default-rules' 'json' 'numeric' 'all' 'explain' 'version' 'h/help'
        case 'bind'
            __vfioctl_parse_subcommand -r 1 'sysfs-root=' 'driver=' 'group' 'method=' 'noiommu' 'owner=' 'mode=' 'modules-dir=' 'rules-dir=+' 'no-default-rules' 'dry-run' 'json' 'v/verbose' 'force=+' 'timeout=' 'lock-timeout=' 'state-dir=' 'save' 'state-file=' 'version' 'h/help'
        case 'unbind'
            __vfioctl_parse_subcommand -r 1 'sysfs-root=' 'modules-dir=' 'rules-dir=+' 'no-default-rules' 'dry-run' 'json' 'v/verbose' 'force=+' 'timeout=' 'lock-timeout=' 'state-dir=' 'save' 'state-file=' 'version' 'h/help'
        case 'status'
            __vfioctl_parse_subcommand 0 'sysfs-root=' 'json' 'state-dir=' 'version' 'h/help'
        case 'recover'
            __vfioctl_parse_subcommand 0 'sysfs-root=' 'dry-run' 'json' 'v/verbose' 'force=+' 'timeout=' 'lock-timeout=' 'state-dir=' 'version' 'h/help'
        case 'sriov'
            __vfioctl_parse_subcommand 1 'sysfs-root=' 'vfs=' 'bind' 'modules-dir=' 'rules-dir=+' 'no-default-rules' 'dry-run' 'json' 'v/verbose' 'force=+' 'timeout=' 'lock-timeout=' 'state-dir=' 'version' 'h/help'
        case 'reset'
            __vfioctl_parse_subcommand 1 'sysfs-root=' 'force=+' 'timeout=' 'lock-timeout=' 'state-dir=' 'dry-run' 'version' 'h/help'
        case 'override'
            __vfioctl_parse_subcommand 2 'sysfs-root=' 'clear' 'dry-run' 'version' 'h/help'
        case 'new-id'
            __vfioctl_parse_subcommand 2 'sysfs-root=' 'dry-run' 'version' 'h/help'
        case 'remove-id'
            __vfioctl_parse_subcommand 2 'sysfs-root=' 'dry-run' 'version' 'h/help'
        case 'apply'
            __vfioctl_parse_subcommand 1 'sysfs-root=' 'device=+' 'modules-dir=' 'rules-dir=+' 'no-default-rules' 'dry-run' 'json' 'v/verbose' 'force=+' 'timeout=' 'lock-timeout=' 'state-dir=' 'version' 'h/help'
        case 'diff'
            __vfioctl_parse_subcommand 1 'sysfs-root=' 'json' 'modules-dir=' 'rules-dir=+' 'no-default-rules' 'version' 'h/help'
        case 'persist'
            __vfioctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'enable'
                __vfioctl_parse_subcommand 1 'root=' 'binary=' 'dry-run' 'late-only' 'no-rebuild-initramfs' 'force=+' 'modules-dir=' 'sysfs-root=' 'version' 'h/help'
            case 'disable'
                __vfioctl_parse_subcommand 0 'root=' 'no-rebuild-initramfs' 'restore' 'sysfs-root=' 'modules-dir=' 'rules-dir=+' 'no-default-rules' 'dry-run' 'json' 'v/verbose' 'force=+' 'timeout=' 'lock-timeout=' 'state-dir=' 'version' 'h/help'
            case 'status'
                __vfioctl_parse_subcommand 0 'root=' 'modules-dir=' 'sysfs-root=' 'json' 'version' 'h/help'
            case 'add'
                __vfioctl_parse_subcommand 1 'sysfs-root=' 'state=' 'driver=' 'state-file=' 'root=' 'dry-run' 'version' 'h/help'
            case 'remove'
                __vfioctl_parse_subcommand 1 'sysfs-root=' 'state-file=' 'root=' 'dry-run' 'version' 'h/help'
            end
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
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'plan' -d 'Show which driver each device would get for VFIO, and why (never writes anything).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'bind' -d 'Bind devices to the driver the plan chose (or --driver), safely and verifiably.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'unbind' -d 'Return devices to the driver they had before vfioctl moved them (alias: reattach).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'status' -d 'List the devices vfioctl manages: original driver, current driver, since when.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'recover' -d 'Finish rolling back a transaction that was interrupted (crash, SIGKILL).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'sriov' -d 'Create (or remove) a PF\'s virtual functions, and optionally bind each VF through its own plan.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'reset' -d 'Reset one device through sysfs (a function reset, by the methods of its reset_method).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'override' -d 'Set or clear a device\'s driver_override (no unbind, no probe: the next probe obeys it).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'new-id' -d 'Add a dynamic id to a driver (new_id). The kernel immediately binds EVERY unbound matching device.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'remove-id' -d 'Remove a dynamic id from a driver (remove_id). Bound devices stay bound.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'apply' -d 'Bring the host to the driver state a desired-state file describes, as one transaction.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'diff' -d 'Show how the host differs from a desired-state file (exit 7 when changes are pending).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'persist' -d 'Keep a desired state across reboots and hot-plug (early binding in udev and the initramfs, a boot unit, a hot-plug udev rule).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl list" -ge 1' -fka '(__vfioctl_custom_completion ---completion list -- positional@0 (count (__vfioctl_tokens -pc)) (__vfioctl_tokens -tC))'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" class' -l 'class' -d 'Only devices of this class: a name (storage, net, display, gpu, multimedia, audio, memory, bridge, communication, system, input, serial-bus, usb, wireless, crypto, signal, accelerator) or 2/4/6 hex digits (0200).' -rfka 'storage net display gpu multimedia audio memory bridge communication system input serial-bus usb wireless crypto signal accelerator'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" driver' -l 'driver' -d 'Only devices bound to this driver (\'none\' for unbound devices).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" group' -l 'group' -d 'Only devices in this IOMMU group.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" json' -l 'json' -d 'Print a JSON document (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" numeric' -l 'numeric' -d 'Print numeric ids only; do not load pci.ids.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" tree' -l 'tree' -d 'Show the PCI topology: root buses, bridges, endpoints, and VFs under their PF.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" k modules' -s 'k' -l 'modules' -d 'Also show the host drivers\' modules that match each device, as lspci -k\'s "Kernel modules:" (the kernel\'s pci: aliases in modules.alias; a MODULES column, or kernel_modules in --json).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" modules-dir' -l 'modules-dir' -d 'With --modules: the kernel module directory to read modules.alias from (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl show" -eq 1' -fka '(__vfioctl_custom_completion ---completion show -- positional@0 (count (__vfioctl_tokens -pc)) (__vfioctl_tokens -tC))'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show" modules-dir' -l 'modules-dir' -d 'The kernel module directory to read modules.alias from (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show"' -l 'rules-dir' -d 'Also read rule files (*.toml) from DIR, with the highest precedence. Repeatable.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show" no-default-rules' -l 'no-default-rules' -d 'Ignore the rule files shipped with vfioctl (built into the binary, and their installed copy in PREFIX/lib/vfioctl/rules.d or /usr/lib/vfioctl/rules.d).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show" json' -l 'json' -d 'Print a JSON document (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show" numeric' -l 'numeric' -d 'Print numeric ids only; do not load pci.ids.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl groups" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl groups" json' -l 'json' -d 'Print a JSON document (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl groups" numeric' -l 'numeric' -d 'Print numeric ids only; do not load pci.ids.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl groups" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl groups" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl plan" -ge 1' -fka '(__vfioctl_custom_completion ---completion plan -- positional@0 (count (__vfioctl_tokens -pc)) (__vfioctl_tokens -tC))'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan" class' -l 'class' -d 'Only devices of this class: a name (storage, net, display, gpu, multimedia, audio, memory, bridge, communication, system, input, serial-bus, usb, wireless, crypto, signal, accelerator) or 2/4/6 hex digits (0200).' -rfka 'storage net display gpu multimedia audio memory bridge communication system input serial-bus usb wireless crypto signal accelerator'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan" driver' -l 'driver' -d 'Only devices bound to this driver (\'none\' for unbound devices).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan" group' -l 'group' -d 'Only devices in this IOMMU group.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan" modules-dir' -l 'modules-dir' -d 'The kernel module directory to read modules.alias from (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan"' -l 'rules-dir' -d 'Also read rule files (*.toml) from DIR, with the highest precedence. Repeatable.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan" no-default-rules' -l 'no-default-rules' -d 'Ignore the rule files shipped with vfioctl (built into the binary, and their installed copy in PREFIX/lib/vfioctl/rules.d or /usr/lib/vfioctl/rules.d).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan" json' -l 'json' -d 'Print a JSON document (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan" numeric' -l 'numeric' -d 'Print numeric ids only; do not load pci.ids.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan" all' -l 'all' -d 'Plan every device (the default when no device or filter is given).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan" explain' -l 'explain' -d 'Print the whole reasoning for each device: candidates, sources, specificity, skips.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl plan" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl bind" -ge 1' -fka '(__vfioctl_custom_completion ---completion bind -- positional@0 (count (__vfioctl_tokens -pc)) (__vfioctl_tokens -tC))'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" driver' -l 'driver' -d 'Bind to this driver instead of the plan\'s chain (a driver or module name); \'none\' leaves the device without a driver and keeps it so (driver_override pinned to none, as driverctl\'s set-override DEVICE none); \'vfioctl unbind\' undoes it.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" group' -l 'group' -d 'Also bind every other endpoint of the devices\' IOMMU groups, as one transaction.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" method' -l 'method' -d 'How to bind: driver_override, new_id (default: driver_override; new_id for kernels without driver_override).' -rfka 'driver_override new_id'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" noiommu' -l 'noiommu' -d 'Bind devices that have no IOMMU group through VFIO\'s no-IOMMU mode, turning it on first: NO DMA isolation (the device can reach all host memory) and a tainted kernel; exit 4 where the kernel lacks the mode (Debian\'s kernels).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" owner' -l 'owner' -d 'Give USER (and GROUP) the device\'s VFIO nodes, its group node /dev/vfio/N and its cdev, so a consumer that is not root (QEMU, DPDK) can open them; read as chown(1) reads it: USER keeps the node\'s group, USER: takes the user\'s login group, :GROUP changes the group only; names or numeric ids. /dev/vfio/vfio and /dev/iommu are never changed. VFIO drivers only.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" mode' -l 'mode' -d 'With --owner: the nodes\' mode, 3 or 4 octal digits such as 0660 (default: the kernel\'s, 0600); never access for others, nor setuid, setgid or sticky.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" modules-dir' -l 'modules-dir' -d 'The kernel module directory to read modules.alias from (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind"' -l 'rules-dir' -d 'Also read rule files (*.toml) from DIR, with the highest precedence. Repeatable.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" no-default-rules' -l 'no-default-rules' -d 'Ignore the rule files shipped with vfioctl (built into the binary, and their installed copy in PREFIX/lib/vfioctl/rules.d or /usr/lib/vfioctl/rules.d).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" dry-run' -l 'dry-run' -d 'Print the exact writes and the checks that would be made; change nothing.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" json' -l 'json' -d 'Print a JSON report (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" v verbose' -l 'verbose' -s 'v' -d 'Also print every check and every sysfs write.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind"' -l 'force' -d 'Override one refusal by its code (repeatable): netdev-active, mounted, swap, stacked, boot-vga, fbcon, open-fd, bridge, sriov-pf, group-not-viable, new-id-collateral, no-iommu-group.' -rfka 'netdev-active mounted swap stacked boot-vga fbcon open-fd bridge sriov-pf group-not-viable new-id-collateral no-iommu-group'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" timeout' -l 'timeout' -d 'Seconds to wait for each unbind, bind, drivers_probe and sriov_numvfs write, for a write an interrupted run left pending, for /dev/vfio nodes and for udev (default: 10); a write still blocked then is left pending (the journal records it), exit 6.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another vfioctl to finish (default: 60).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" state-dir' -l 'state-dir' -d 'State directory for the lock, journal and records (default: $VFIOCTL_STATE_DIR, else /run/vfioctl).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" save' -l 'save' -d 'Also record the result in the desired-state file (see --state-file), keeping the rest of the file as it is.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" state-file' -l 'state-file' -d 'The desired-state file that --save and \'persist add/remove\' edit (default: /etc/vfioctl/state.toml).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl bind" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl unbind" -ge 1' -fka '(__vfioctl_custom_completion ---completion unbind -- positional@0 (count (__vfioctl_tokens -pc)) (__vfioctl_tokens -tC))'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" modules-dir' -l 'modules-dir' -d 'The kernel module directory to read modules.alias from (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind"' -l 'rules-dir' -d 'Also read rule files (*.toml) from DIR, with the highest precedence. Repeatable.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" no-default-rules' -l 'no-default-rules' -d 'Ignore the rule files shipped with vfioctl (built into the binary, and their installed copy in PREFIX/lib/vfioctl/rules.d or /usr/lib/vfioctl/rules.d).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" dry-run' -l 'dry-run' -d 'Print the exact writes and the checks that would be made; change nothing.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" json' -l 'json' -d 'Print a JSON report (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" v verbose' -l 'verbose' -s 'v' -d 'Also print every check and every sysfs write.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind"' -l 'force' -d 'Override one refusal by its code (repeatable): netdev-active, mounted, swap, stacked, boot-vga, fbcon, open-fd, bridge, sriov-pf, group-not-viable, new-id-collateral, no-iommu-group.' -rfka 'netdev-active mounted swap stacked boot-vga fbcon open-fd bridge sriov-pf group-not-viable new-id-collateral no-iommu-group'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" timeout' -l 'timeout' -d 'Seconds to wait for each unbind, bind, drivers_probe and sriov_numvfs write, for a write an interrupted run left pending, for /dev/vfio nodes and for udev (default: 10); a write still blocked then is left pending (the journal records it), exit 6.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another vfioctl to finish (default: 60).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" state-dir' -l 'state-dir' -d 'State directory for the lock, journal and records (default: $VFIOCTL_STATE_DIR, else /run/vfioctl).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" save' -l 'save' -d 'Also record the result in the desired-state file (see --state-file), keeping the rest of the file as it is.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" state-file' -l 'state-file' -d 'The desired-state file that --save and \'persist add/remove\' edit (default: /etc/vfioctl/state.toml).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl unbind" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl status" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl status" json' -l 'json' -d 'Print a JSON document (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl status" state-dir' -l 'state-dir' -d 'State directory (default: $VFIOCTL_STATE_DIR, else /run/vfioctl).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl status" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl recover" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl recover" dry-run' -l 'dry-run' -d 'Print the exact writes and the checks that would be made; change nothing.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl recover" json' -l 'json' -d 'Print a JSON report (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl recover" v verbose' -l 'verbose' -s 'v' -d 'Also print every check and every sysfs write.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl recover"' -l 'force' -d 'Override one refusal by its code (repeatable): netdev-active, mounted, swap, stacked, boot-vga, fbcon, open-fd, bridge, sriov-pf, group-not-viable, new-id-collateral, no-iommu-group.' -rfka 'netdev-active mounted swap stacked boot-vga fbcon open-fd bridge sriov-pf group-not-viable new-id-collateral no-iommu-group'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl recover" timeout' -l 'timeout' -d 'Seconds to wait for each unbind, bind, drivers_probe and sriov_numvfs write, for a write an interrupted run left pending, for /dev/vfio nodes and for udev (default: 10); a write still blocked then is left pending (the journal records it), exit 6.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl recover" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another vfioctl to finish (default: 60).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl recover" state-dir' -l 'state-dir' -d 'State directory for the lock, journal and records (default: $VFIOCTL_STATE_DIR, else /run/vfioctl).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl recover" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl recover" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl sriov" -eq 1' -fka '(__vfioctl_custom_completion ---completion sriov -- positional@0 (count (__vfioctl_tokens -pc)) (__vfioctl_tokens -tC))'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" vfs' -l 'vfs' -d 'Number of VFs wanted (0 removes them).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" bind' -l 'bind' -d 'Bind every VF to the driver its plan chooses.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" modules-dir' -l 'modules-dir' -d 'The kernel module directory to read modules.alias from (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov"' -l 'rules-dir' -d 'Also read rule files (*.toml) from DIR, with the highest precedence. Repeatable.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" no-default-rules' -l 'no-default-rules' -d 'Ignore the rule files shipped with vfioctl (built into the binary, and their installed copy in PREFIX/lib/vfioctl/rules.d or /usr/lib/vfioctl/rules.d).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" dry-run' -l 'dry-run' -d 'Print the exact writes and the checks that would be made; change nothing.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" json' -l 'json' -d 'Print a JSON report (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" v verbose' -l 'verbose' -s 'v' -d 'Also print every check and every sysfs write.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov"' -l 'force' -d 'Override one refusal by its code (repeatable): netdev-active, mounted, swap, stacked, boot-vga, fbcon, open-fd, bridge, sriov-pf, group-not-viable, new-id-collateral, no-iommu-group.' -rfka 'netdev-active mounted swap stacked boot-vga fbcon open-fd bridge sriov-pf group-not-viable new-id-collateral no-iommu-group'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" timeout' -l 'timeout' -d 'Seconds to wait for each unbind, bind, drivers_probe and sriov_numvfs write, for a write an interrupted run left pending, for /dev/vfio nodes and for udev (default: 10); a write still blocked then is left pending (the journal records it), exit 6.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another vfioctl to finish (default: 60).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" state-dir' -l 'state-dir' -d 'State directory for the lock, journal and records (default: $VFIOCTL_STATE_DIR, else /run/vfioctl).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl sriov" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl reset" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl reset" -eq 1' -fka '(__vfioctl_custom_completion ---completion reset -- positional@0 (count (__vfioctl_tokens -pc)) (__vfioctl_tokens -tC))'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl reset"' -l 'force' -d 'Override one refusal by its code (repeatable): open-fd (a process holds a node of the device open), host-driver (a host driver uses it).' -rfka 'open-fd host-driver'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl reset" timeout' -l 'timeout' -d 'Seconds to wait for the reset write to return (default: 10).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl reset" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another vfioctl to finish (default: 60).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl reset" state-dir' -l 'state-dir' -d 'State directory for the lock (default: $VFIOCTL_STATE_DIR, else /run/vfioctl).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl reset" dry-run' -l 'dry-run' -d 'Print the write instead of making it (and take no lock).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl reset" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl reset" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl override" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl override" -eq 1' -fka '(__vfioctl_custom_completion ---completion override -- positional@0 (count (__vfioctl_tokens -pc)) (__vfioctl_tokens -tC))'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl override" clear' -l 'clear' -d 'Clear the override (writes a newline, which is what clears it).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl override" dry-run' -l 'dry-run' -d 'Print the write instead of making it.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl override" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl override" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl new-id" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl new-id" dry-run' -l 'dry-run' -d 'Print the write instead of making it.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl new-id" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl new-id" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl remove-id" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl remove-id" dry-run' -l 'dry-run' -d 'Print the write instead of making it.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl remove-id" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl remove-id" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl apply" -eq 1' -fa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply"' -l 'device' -d 'Only the entries selecting this device (repeatable; used by the udev rule on hot-plug): any device form; a slot or glob means each device it matches.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply" modules-dir' -l 'modules-dir' -d 'The kernel module directory to read modules.alias from (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply"' -l 'rules-dir' -d 'Also read rule files (*.toml) from DIR, with the highest precedence. Repeatable.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply" no-default-rules' -l 'no-default-rules' -d 'Ignore the rule files shipped with vfioctl (built into the binary, and their installed copy in PREFIX/lib/vfioctl/rules.d or /usr/lib/vfioctl/rules.d).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply" dry-run' -l 'dry-run' -d 'Print the exact writes and the checks that would be made; change nothing.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply" json' -l 'json' -d 'Print a JSON report (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply" v verbose' -l 'verbose' -s 'v' -d 'Also print every check and every sysfs write.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply"' -l 'force' -d 'Override one refusal by its code (repeatable): netdev-active, mounted, swap, stacked, boot-vga, fbcon, open-fd, bridge, sriov-pf, group-not-viable, new-id-collateral, no-iommu-group.' -rfka 'netdev-active mounted swap stacked boot-vga fbcon open-fd bridge sriov-pf group-not-viable new-id-collateral no-iommu-group'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply" timeout' -l 'timeout' -d 'Seconds to wait for each unbind, bind, drivers_probe and sriov_numvfs write, for a write an interrupted run left pending, for /dev/vfio nodes and for udev (default: 10); a write still blocked then is left pending (the journal records it), exit 6.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another vfioctl to finish (default: 60).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply" state-dir' -l 'state-dir' -d 'State directory for the lock, journal and records (default: $VFIOCTL_STATE_DIR, else /run/vfioctl).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl apply" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl diff" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl diff" -eq 1' -fa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl diff" json' -l 'json' -d 'Print a JSON report (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl diff" modules-dir' -l 'modules-dir' -d 'The kernel module directory to read modules.alias from (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl diff"' -l 'rules-dir' -d 'Also read rule files (*.toml) from DIR, with the highest precedence. Repeatable.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl diff" no-default-rules' -l 'no-default-rules' -d 'Ignore the rule files shipped with vfioctl (built into the binary, and their installed copy in PREFIX/lib/vfioctl/rules.d or /usr/lib/vfioctl/rules.d).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl diff" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl diff" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl persist" -eq 1' -fa 'enable' -d 'Install FILE as /etc/vfioctl/state.toml, with early binding, the boot unit (enabled) and the hot-plug udev rule.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl persist" -eq 1' -fa 'disable' -d 'Remove the state file, the unit, the udev rules and early binding (then rebuild the initramfs); --restore also returns managed devices to their drivers and PFs to their VF settings.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl persist" -eq 1' -fa 'status' -d 'Show what is installed, whether the state file is valid, and per device whether early binding is in place.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl persist" -eq 1' -fa 'add' -d 'Add (or change) one device\'s entry in the desired-state file; the rest of the file is kept as it is.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl persist" -eq 1' -fa 'remove' -d 'Remove one device\'s address entry from the desired-state file (and the comment lines right above it).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl persist enable" -eq 1' -fa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist enable" root' -l 'root' -d 'Install under DIR instead of / (for images and tests; a relative DIR is taken from the current directory). systemd and udev are reloaded only when DIR is the running system\'s /.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist enable" binary' -l 'binary' -d 'The vfioctl binary the unit and the rule run (default: this one): an absolute, normalized path of an executable file, without quotes, backslashes, \'$\' or control characters.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist enable" dry-run' -l 'dry-run' -d 'Check FILE and print what would be installed; change nothing.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist enable" late-only' -l 'late-only' -d 'No early binding: install only the boot unit and the hot-plug rule (devices reach their host driver first and are moved after it); remove early-binding files installed before.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist enable" no-rebuild-initramfs' -l 'no-rebuild-initramfs' -d 'Do not rebuild the initramfs; print the command that would. (Under a --root other than /, it is never run.)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist enable"' -l 'force' -d 'Early-bind a device although a safety check refuses it, by the check\'s code (repeatable): netdev-active, mounted, swap, stacked, boot-vga, fbcon, open-fd, bridge, sriov-pf, group-not-viable, new-id-collateral, no-iommu-group.' -rfka 'netdev-active mounted swap stacked boot-vga fbcon open-fd bridge sriov-pf group-not-viable new-id-collateral no-iommu-group'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist enable" modules-dir' -l 'modules-dir' -d 'The kernel module directory whose modules.alias and modules.builtin say which host drivers match (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist enable" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist enable" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist enable" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" root' -l 'root' -d 'Install under DIR instead of / (for images and tests; a relative DIR is taken from the current directory). systemd and udev are reloaded only when DIR is the running system\'s /.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" no-rebuild-initramfs' -l 'no-rebuild-initramfs' -d 'Do not rebuild the initramfs after removing early binding; print the command that would. (Under a --root other than /, it is never run.)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" restore' -l 'restore' -d 'Also return every device vfioctl manages to the driver it had before, and every PF whose VFs it changed to its earlier VF count and driver autoprobe.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" modules-dir' -l 'modules-dir' -d 'The kernel module directory to read modules.alias from (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable"' -l 'rules-dir' -d 'Also read rule files (*.toml) from DIR, with the highest precedence. Repeatable.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" no-default-rules' -l 'no-default-rules' -d 'Ignore the rule files shipped with vfioctl (built into the binary, and their installed copy in PREFIX/lib/vfioctl/rules.d or /usr/lib/vfioctl/rules.d).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" dry-run' -l 'dry-run' -d 'Print the exact writes and the checks that would be made; change nothing.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" json' -l 'json' -d 'Print a JSON report (schema: docs/json-schema.md).'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" v verbose' -l 'verbose' -s 'v' -d 'Also print every check and every sysfs write.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable"' -l 'force' -d 'Override one refusal by its code (repeatable): netdev-active, mounted, swap, stacked, boot-vga, fbcon, open-fd, bridge, sriov-pf, group-not-viable, new-id-collateral, no-iommu-group.' -rfka 'netdev-active mounted swap stacked boot-vga fbcon open-fd bridge sriov-pf group-not-viable new-id-collateral no-iommu-group'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" timeout' -l 'timeout' -d 'Seconds to wait for each unbind, bind, drivers_probe and sriov_numvfs write, for a write an interrupted run left pending, for /dev/vfio nodes and for udev (default: 10); a write still blocked then is left pending (the journal records it), exit 6.' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another vfioctl to finish (default: 60).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" state-dir' -l 'state-dir' -d 'State directory for the lock, journal and records (default: $VFIOCTL_STATE_DIR, else /run/vfioctl).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist disable" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist status" root' -l 'root' -d 'Install under DIR instead of / (for images and tests; a relative DIR is taken from the current directory). systemd and udev are reloaded only when DIR is the running system\'s /.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist status" modules-dir' -l 'modules-dir' -d 'The kernel module directory whose modules.alias and modules.builtin say which host drivers match (default: $VFIOCTL_MODULES_DIR, else /lib/modules/$(uname -r)).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist status" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist status" json' -l 'json' -d 'Print a JSON document.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist status" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist add" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl persist add" -eq 1' -fka '(__vfioctl_custom_completion ---completion persist add -- positional@0 (count (__vfioctl_tokens -pc)) (__vfioctl_tokens -tC))'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist add" state' -l 'state' -d 'What the device should be on: vfio (the plan\'s choice), stub or host (default: vfio).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist add" driver' -l 'driver' -d 'A named driver or module instead of --state (\'none\': no driver).' -rfka ''
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist add" state-file' -l 'state-file' -d 'The desired-state file to edit (default: /etc/vfioctl/state.toml).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist add" root' -l 'root' -d 'Install under DIR instead of / (for images and tests; a relative DIR is taken from the current directory). systemd and udev are reloaded only when DIR is the running system\'s /.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist add" dry-run' -l 'dry-run' -d 'Print what would change in the file (and in the installed owner rules); write nothing.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist add" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist remove" sysfs-root' -l 'sysfs-root' -d 'Read a sysfs tree at DIR instead of the live system (default: $VFIOCTL_SYSFS_ROOT, else /sys via libudev).' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_positional "vfioctl persist remove" -eq 1' -fka '(__vfioctl_custom_completion ---completion persist remove -- positional@0 (count (__vfioctl_tokens -pc)) (__vfioctl_tokens -tC))'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist remove" state-file' -l 'state-file' -d 'The desired-state file to edit (default: /etc/vfioctl/state.toml).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'toml\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist remove" root' -l 'root' -d 'Install under DIR instead of / (for images and tests; a relative DIR is taken from the current directory). systemd and udev are reloaded only when DIR is the running system\'s /.' -rfa '(__vfioctl_complete_directories)'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist remove" dry-run' -l 'dry-run' -d 'Print what would change in the file (and in the installed owner rules); write nothing.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist remove" version' -l 'version' -d 'Show the version.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl persist remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vfioctl' -n '__vfioctl_should_offer_completions_for_flags_or_options "vfioctl help" version' -l 'version' -d 'Show the version.'
