#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "CLinux.h"

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
static void detach_child(int keep) {
    setsid();
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_UNBLOCK, &all, NULL);
    close_from(0, keep);
}

pid_t vfioctl_write_in_child(int fd, const void *buffer, size_t length) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    detach_child(fd);
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

/* The writer's loop: each message is one value with the attribute's descriptor attached; it makes
   the one write(2), closes the descriptor and answers with the errno (0: written whole). It ends when
   vfioctl closes its end (recvmsg returns 0), also when that happened while a write was blocked. */
static void serve_writes(int socket) {
    static char value[VFIOCTL_WRITER_VALUE_MAX];
    for (;;) {
        struct iovec part = {.iov_base = value, .iov_len = sizeof value};
        union {
            struct cmsghdr header;
            char space[CMSG_SPACE(sizeof(int))];
        } control;
        struct msghdr message = {
            .msg_iov = &part, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
        ssize_t length = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
        if (length < 0 && errno == EINTR) continue;
        if (length <= 0) _exit(0);
        struct cmsghdr *attached = CMSG_FIRSTHDR(&message);
        int error = EINVAL;
        if (attached != NULL && attached->cmsg_level == SOL_SOCKET && attached->cmsg_type == SCM_RIGHTS) {
            int fd;
            memcpy(&fd, CMSG_DATA(attached), sizeof fd);
            if ((message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == 0) {
                ssize_t written = write(fd, value, (size_t)length);
                error = written < 0 ? errno : written == length ? 0 : EIO;
            }
            close(fd);
        }
        while (send(socket, &error, sizeof error, MSG_NOSIGNAL) < 0 && errno == EINTR) {
        }
    }
}

pid_t vfioctl_writer_start(int *socket) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        int error = errno;
        close(pair[0]);
        close(pair[1]);
        errno = error;
        return -1;
    }
    if (pid == 0) {
        detach_child(pair[1]);
        serve_writes(pair[1]);
    }
    close(pair[1]);
    *socket = pair[0];
    return pid;
}

int vfioctl_writer_send(int socket, int fd, const void *value, size_t length) {
    if (length == 0 || length > VFIOCTL_WRITER_VALUE_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    struct iovec part = {.iov_base = (void *)value, .iov_len = length};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {
        .msg_iov = &part, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
    struct cmsghdr *attached = CMSG_FIRSTHDR(&message);
    attached->cmsg_level = SOL_SOCKET;
    attached->cmsg_type = SCM_RIGHTS;
    attached->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(attached), &fd, sizeof fd);
    ssize_t sent;
    do {
        sent = sendmsg(socket, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent == (ssize_t)length ? 0 : -1;
}

int vfioctl_writer_wait(int socket, int timeout_ms, int *error) {
    struct pollfd ready = {.fd = socket, .events = POLLIN};
    int polled;
    do {
        polled = poll(&ready, 1, timeout_ms);
    } while (polled < 0 && errno == EINTR);
    if (polled < 0) return -1;
    if (polled == 0) return 0;
    ssize_t length;
    do {
        length = recv(socket, error, sizeof *error, 0);
    } while (length < 0 && errno == EINTR);
    if (length != (ssize_t)sizeof *error) {
        if (length >= 0) errno = EPIPE;
        return -1;
    }
    return 1;
}
