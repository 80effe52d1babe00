#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

#include "CLinux.h"

long vfioctl_getdents64(int fd, void *buffer, unsigned long size) {
    return syscall(SYS_getdents64, fd, buffer, size);
}
