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

#endif
