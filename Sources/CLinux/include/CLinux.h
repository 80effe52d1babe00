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

/* One writer process for a whole command: started once (holding no descriptor of vfioctl's), then
   handed each attribute's descriptor and value over a socket (SCM_RIGHTS), so a command binding many
   devices starts one process instead of one per write. A write it is blocked in holds only that
   process: vfioctl stops waiting after its timeout, closes its end, and the writer exits once the
   write returns. vfioctl_writer_start: the writer's pid, *socket and *stack (memory of vfioctl's
   that the writer runs on, where it shares vfioctl's memory; else NULL), or -1 with errno set.
   vfioctl_writer_free_stack: gives *stack back once the writer has been waited for (never while
   it may still run: an abandoned writer keeps its stack until vfioctl exits).
   vfioctl_writer_send: 0 once handed over, -1 with errno (EMSGSIZE for an empty value or one over
   VFIOCTL_WRITER_VALUE_MAX bytes; EPIPE when the writer is gone: nothing was written); with
   at_start, the value is written at offset 0 (a descriptor vfioctl keeps for many writes).
   vfioctl_writer_set_timeout: how long vfioctl_writer_wait waits from then on (0 or -1 with errno).
   vfioctl_writer_wait: 1 with the write's errno in *error (0: written whole), 0 while it is still
   blocked after the timeout, -1 with errno when the writer is gone (whether it wrote is unknown). */
#define VFIOCTL_WRITER_VALUE_MAX 4096
pid_t vfioctl_writer_start(int *socket, void **stack);
void vfioctl_writer_free_stack(void *stack);
int vfioctl_writer_send(int socket, int fd, const void *value, size_t length, int at_start);
int vfioctl_writer_set_timeout(int socket, int timeout_ms);
int vfioctl_writer_wait(int socket, int *error);

/* Where needle first occurs in haystack (memmem(3)), or NULL. */
const void *vfioctl_find_bytes(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

#endif
