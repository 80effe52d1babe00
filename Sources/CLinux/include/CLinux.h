#ifndef VFIOCTL_CLINUX_H
#define VFIOCTL_CLINUX_H

/* openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: `path` (relative) is resolved inside
   `root_fd` only; a symlink or ".." that would leave it fails with EXDEV. glibc has no wrapper.
   Returns the descriptor, or -1 with errno set (ENOSYS before Linux 5.6). */
int vfioctl_open_beneath(int root_fd, const char *path, int flags);

/* getdents64(2), which glibc wraps only under _GNU_SOURCE: a directory's entries without the
   fstat and the buffer allocation opendir(3) adds to every listing. Returns bytes read, 0 at the
   end, or -1 with errno set. */
long vfioctl_getdents64(int fd, void *buffer, unsigned long size);

/* 1 when `fd` is on a sysfs mount (statfs f_type SYSFS_MAGIC), 0 when not or unknown. */
int vfioctl_is_sysfs(int fd);

/* Makes one write(2) of `length` bytes of `buffer` to `fd` in a child process, which closes every
   other descriptor and leaves the process group first: a sysfs write that blocks in the kernel
   (unbinding a device a VFIO user holds) then holds the child, never the caller, who may wait for
   it with waitpid(2) for as long as it wants and return without it. The child exits 0 on success,
   else with the errno. Returns the child's pid, or -1 with errno set. */
#include <sys/types.h>
pid_t vfioctl_write_in_child(int fd, const void *buffer, size_t length);

/* Waits at most `timeout_ms` milliseconds for child `pid` to exit, woken the moment it does (a
   pidfd, Linux 5.3): 1 and its wait status in *status once it exited (reaped), 0 while it still
   runs, -1 with errno set (ENOSYS: no pidfd_open; the caller then polls waitpid itself). */
int vfioctl_wait_child(pid_t pid, int timeout_ms, int *status);

#endif
