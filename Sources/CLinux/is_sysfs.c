#include <linux/magic.h>
#include <sys/vfs.h>

#include "CLinux.h"

int vfioctl_is_sysfs(int fd) {
    struct statfs info;
    return fstatfs(fd, &info) == 0 && info.f_type == SYSFS_MAGIC;
}
