#define _GNU_SOURCE
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "CLinux.h"

int vfioctl_open_beneath(int root_fd, const char *path, int flags) {
    struct open_how how = {
        .flags = (unsigned long long)flags,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
}
