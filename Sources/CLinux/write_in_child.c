#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "CLinux.h"
#include "detach_child.h"

/* Closes every descriptor from `from` upwards, except `keep`: close_range(2) (Linux 5.9), else
   one close(2) per possible descriptor. Both are async-signal-safe. */
static void close_from(int from, int keep) {
    if (keep > from && syscall(SYS_close_range, (unsigned)from, (unsigned)keep - 1, 0) != 0) {
        for (int fd = from; fd < keep; fd++) close(fd);
    }
    if (syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = keep + 1; fd < (max > 0 && max < 65536 ? max : 65536); fd++) close((int)fd);
    }
}

/* In a new child: only async-signal-safe calls from here on (the parent may have had threads). It
   leaves the terminal's process group, so a Ctrl-C meant for the shell's next job does not reach
   it, and keeps no descriptor but `keep` (the state directory's lock above all: the lock must be
   free once vfioctl has returned, whatever a write does). */
void vfioctl_detach_child(int keep) {
    setsid();
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_UNBLOCK, &all, NULL);
    close_from(0, keep);
}

pid_t vfioctl_write_in_child(int fd, const void *buffer, size_t length) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    vfioctl_detach_child(fd);
    ssize_t written = write(fd, buffer, length);
    int error = written < 0 ? errno : (size_t)written == length ? 0 : EIO;
    _exit(error > 0 && error < 256 ? error : error == 0 ? 0 : EIO);
}

int vfioctl_wait_child(pid_t pid, int timeout_ms, int *status) {
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) return -1;
    struct pollfd ready = {.fd = pidfd, .events = POLLIN};
    int polled;
    do {
        polled = poll(&ready, 1, timeout_ms);
    } while (polled < 0 && errno == EINTR);
    int saved = errno;
    close(pidfd);
    if (polled < 0) {
        errno = saved;
        return -1;
    }
    if (polled == 0) return 0;
    pid_t reaped;
    do {
        reaped = waitpid(pid, status, 0);
    } while (reaped < 0 && errno == EINTR);
    return reaped == pid ? 1 : -1;
}
