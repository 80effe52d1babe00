#define _GNU_SOURCE
#include <errno.h>
#include <sys/time.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "CLinux.h"
#include "detach_child.h"

/* The command's writer process (see CLinux.h). It shares vfioctl's memory (clone(2) with CLONE_VM,
   without CLONE_THREAD: a process of its own, which vfioctl can exit without, unlike a thread),
   because switching between two processes of one address space keeps the TLB: under TCG, where the
   real-kernel tests and benchmarks run, every switch to another address space empties QEMU's TLB,
   and a writer in a separate copy of the address space paid that twice per write. Sharing memory
   binds the writer to three rules:
   - it runs on a stack of its own and touches no memory of vfioctl's but its start argument's value;
   - it calls no C library function (the library's state, errno included, is vfioctl's main thread's):
     system calls are made by hand, returning -errno, and only on architectures where that is spelt
     out below; elsewhere the writer is forked, as before;
   - it blocks every signal, so no handler of vfioctl's ever runs on its stack. */

#if defined(__x86_64__) || defined(__aarch64__)
#define WRITER_SHARES_MEMORY 1

static long raw_syscall(long number, long a, long b, long c, long d, long e) {
#if defined(__x86_64__)
    long result;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return result;
#else
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
    return x0;
#endif
}

/* 64 KiB: the writer's frames are a few hundred bytes plus one value. */
#define WRITER_STACK_SIZE (64 * 1024)
#endif

/* The system calls the writer makes, each returning its result or -errno. */
#ifdef WRITER_SHARES_MEMORY
static long writer_recvmsg(int socket, struct msghdr *message) {
    return raw_syscall(SYS_recvmsg, socket, (long)message, MSG_CMSG_CLOEXEC, 0, 0);
}
static long writer_write(int fd, const void *value, long length, int at_start) {
    return at_start ? raw_syscall(SYS_pwrite64, fd, (long)value, length, 0, 0)
                    : raw_syscall(SYS_write, fd, (long)value, length, 0, 0);
}
static void writer_close(int fd) { raw_syscall(SYS_close, fd, 0, 0, 0, 0); }
static long writer_send(int socket, const int *error) {
    return raw_syscall(SYS_sendto, socket, (long)error, sizeof *error, MSG_NOSIGNAL, 0);
}
#else
static long or_errno(long result) { return result < 0 ? -errno : result; }
static long writer_recvmsg(int socket, struct msghdr *message) {
    return or_errno(recvmsg(socket, message, MSG_CMSG_CLOEXEC));
}
static long writer_write(int fd, const void *value, long length, int at_start) {
    return or_errno(at_start ? pwrite(fd, value, (size_t)length, 0) : write(fd, value, (size_t)length));
}
static void writer_close(int fd) { close(fd); }
static long writer_send(int socket, const int *error) {
    return or_errno(send(socket, error, sizeof *error, MSG_NOSIGNAL));
}
#endif

/* Each message is a byte saying where to write (1: at offset 0, as for a descriptor vfioctl keeps
   open for many writes; 0: where the descriptor is) and the value, with the attribute's descriptor
   attached; the writer makes the one write, closes its copy of the descriptor and answers with the
   errno (0: written whole). It returns when vfioctl closes its end (recvmsg returns 0), also when
   that happened while a write was blocked. */
static void serve_writes(int socket) {
    char message_bytes[1 + VFIOCTL_WRITER_VALUE_MAX];
    char *value = message_bytes + 1;
    for (;;) {
        struct iovec part = {.iov_base = message_bytes, .iov_len = sizeof message_bytes};
        union {
            struct cmsghdr header;
            char space[CMSG_SPACE(sizeof(int))];
        } control;
        struct msghdr message = {
            .msg_iov = &part, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
        long received = writer_recvmsg(socket, &message);
        if (received == -EINTR) continue;
        if (received <= 0) return;
        long length = received - 1;
        struct cmsghdr *attached = CMSG_FIRSTHDR(&message);
        int error = EINVAL;
        if (attached != NULL && attached->cmsg_level == SOL_SOCKET && attached->cmsg_type == SCM_RIGHTS) {
            int fd;
            __builtin_memcpy(&fd, CMSG_DATA(attached), sizeof fd);
            if ((message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == 0 && length > 0) {
                long written = writer_write(fd, value, length, message_bytes[0] == 1);
                error = written < 0 ? (int)-written : written == length ? 0 : EIO;
            }
            writer_close(fd);
        }
        while (writer_send(socket, &error) == -EINTR) {
        }
    }
}

#ifdef WRITER_SHARES_MEMORY
/* The writer's start: the socket in the argument's low 32 bits, the highest descriptor to close
   when close_range(2) is missing in the high ones (the value, not a pointer: nothing of vfioctl's is
   read once it runs). */
static int writer_main(void *argument) {
    int socket = (int)((uintptr_t)argument & 0xffffffff);
    unsigned highest = (unsigned)((uintptr_t)argument >> 32);
    uint64_t all = ~(uint64_t)0;
    raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, sizeof all, 0);
    /* Out of the terminal's process group, and no descriptor but the socket (the state directory's
       lock above all: it must be free once vfioctl has returned, whatever a write does). */
    raw_syscall(SYS_setsid, 0, 0, 0, 0, 0);
    if (socket > 0 && raw_syscall(SYS_close_range, 0, socket - 1, 0, 0, 0) != 0) {
        for (int fd = 0; fd < socket; fd++) writer_close(fd);
    }
    if (raw_syscall(SYS_close_range, (unsigned)socket + 1, ~0U, 0, 0, 0) != 0) {
        for (unsigned fd = (unsigned)socket + 1; fd < highest; fd++) writer_close((int)fd);
    }
    serve_writes(socket);
    return 0;
}
#endif

pid_t vfioctl_writer_start(int *socket, void **stack) {
    *stack = NULL;
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return -1;
#ifdef WRITER_SHARES_MEMORY
    long limit = sysconf(_SC_OPEN_MAX);
    unsigned highest = (unsigned)(limit > 0 && limit < 65536 ? limit : 65536);
    void *memory = mmap(NULL, WRITER_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    pid_t pid = -1;
    if (memory != MAP_FAILED) {
        uintptr_t argument = (uintptr_t)(unsigned)pair[1] | ((uintptr_t)highest << 32);
        pid = clone(writer_main, (char *)memory + WRITER_STACK_SIZE, CLONE_VM | SIGCHLD, (void *)argument);
    }
#else
    pid_t pid = fork();
    if (pid == 0) {
        vfioctl_detach_child(pair[1]);
        serve_writes(pair[1]);
        _exit(0);
    }
#endif
    if (pid < 0) {
        int error = errno;
#ifdef WRITER_SHARES_MEMORY
        if (memory != MAP_FAILED) munmap(memory, WRITER_STACK_SIZE);
#endif
        close(pair[0]);
        close(pair[1]);
        errno = error;
        return -1;
    }
#ifdef WRITER_SHARES_MEMORY
    *stack = memory;
#endif
    close(pair[1]);
    *socket = pair[0];
    return pid;
}

void vfioctl_writer_free_stack(void *stack) {
#ifdef WRITER_SHARES_MEMORY
    if (stack != NULL) munmap(stack, WRITER_STACK_SIZE);
#else
    (void)stack;
#endif
}

int vfioctl_writer_send(int socket, int fd, const void *value, size_t length, int at_start) {
    if (length == 0 || length > VFIOCTL_WRITER_VALUE_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    char where = at_start ? 1 : 0;
    struct iovec parts[2] = {{.iov_base = &where, .iov_len = 1}, {.iov_base = (void *)value, .iov_len = length}};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {
        .msg_iov = parts, .msg_iovlen = 2, .msg_control = control.space, .msg_controllen = sizeof control.space};
    struct cmsghdr *attached = CMSG_FIRSTHDR(&message);
    attached->cmsg_level = SOL_SOCKET;
    attached->cmsg_type = SCM_RIGHTS;
    attached->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(attached), &fd, sizeof fd);
    ssize_t sent;
    do {
        sent = sendmsg(socket, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent == (ssize_t)length + 1 ? 0 : -1;
}

int vfioctl_writer_set_timeout(int socket, int timeout_ms) {
    /* A zero timeval means no timeout at all: the shortest one there is stands for "none left". */
    struct timeval limit = {.tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms > 0 ? (timeout_ms % 1000) * 1000 : 1};
    return setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
}

int vfioctl_writer_wait(int socket, int *error) {
    ssize_t length;
    do {
        length = recv(socket, error, sizeof *error, 0);
    } while (length < 0 && errno == EINTR);
    if (length < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    if (length != (ssize_t)sizeof *error) {
        if (length >= 0) errno = EPIPE;
        return -1;
    }
    return 1;
}
