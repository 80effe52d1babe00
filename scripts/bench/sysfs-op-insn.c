/* What each system call of vfioctl's per-VF bind costs the guest kernel, one kind at a time:
 * for every VF named, the same call (the ones `strace vfioctl bind VF... --driver vfio-pci` shows
 * per VF, in its order), between two insn-count.c markers. bind-insn-guest.sh runs it at 8 and 32
 * VFs when OPS names it (bind-insn-vm.sh does) and reports (32-VF count - 8-VF count) / 24 per
 * kind, which says where the per-VF instructions of vfioctl and of bind-floor.c go.
 *
 * Each kind runs for every VF before the next kind starts, so a count includes the kernel's first
 * lookup of every name that kind is the first to touch (a new VF's dentries and inodes are made on
 * first use): the kinds are in vfioctl's order, and the calls it no longer makes come after them.
 *
 * Usage: sysfs-op-insn VF...   (VFs unbound with no override, vfio-pci loaded; they end unbound)
 * Marker tags: 10 + K before kind K, 100 + K after it. Kinds are listed in `names` below.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARK(tag) __asm__ volatile(".byte 0x0f, 0x1f, 0x80, %c0, 0x56, 0x46, 0x43" ::"i"(tag))

static char buffer[8192], path[512];
static int sys, iommu_groups, dev_vfio, parent = -1, dirs[256], groups[256];

static void die(const char *what, const char *vf) {
    fprintf(stderr, "sysfs-op-insn: %s %s: %m\n", what, vf);
    exit(1);
}

/* vfioctl opens beneath the sysfs root with openat2 (RESOLVE_BENEATH); on sysfs it writes without O_TRUNC. */
static int beneath(int dir, const char *name, int flags) {
    struct open_how how = {.flags = flags | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    return syscall(SYS_openat2, dir, name, &how, sizeof how);
}

static void read_attribute(int dir, const char *name, const char *vf) {
    int fd = openat(dir, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || read(fd, buffer, sizeof buffer) < 0) die(name, vf);
    close(fd);
}

/* The whole listing, as vfioctl reads a group's members: open, getdents64 to the end, close. */
static void list_directory(int dir, const char *name, const char *vf) {
    int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) die("group of", vf);
    while (syscall(SYS_getdents64, fd, buffer, sizeof buffer) > 0) {}
    close(fd);
}

static void write_attribute(int dir, const char *name, const char *text, const char *vf) {
    int fd = beneath(dir, name, O_WRONLY | O_NOFOLLOW);
    if (fd < 0 || write(fd, text, strlen(text)) < 0) die(name, vf);
    close(fd);
}

static const char *names[] = {
    "open the device directory: the first by its bus link, the rest beneath its held parent (openat2)",
    "read modalias (ids, class)",
    "readlink driver, unbound (ENOENT)",
    "read driver_override",
    "readlink iommu_group",
    "probe sriov_totalvfs, absent on a VF (ENOENT)",
    "list N/devices beneath a held kernel/iommu_groups",
    "write driver_override (openat2)",
    "write the VF to vfio-pci/bind (held fd)",
    "readlink driver, bound (read back)",
    "faccessat N beneath a held /dev/vfio",
    "not made, for comparison: openat2 the device directory by its bus link (names cached)",
    "not made, for comparison: list kernel/iommu_groups/N/devices from the root (names cached)",
    "not made, for comparison: access /dev/vfio/N",
    "not made, for comparison: readlink bus/pci/devices/VF",
    "not made, for comparison: read uevent",
    "not made, for comparison: readlink physfn",
    "write the VF to vfio-pci/unbind (held fd)",
    "clear driver_override",
};

/* The markers below are spelled out for kinds 0-18: a kind added to `names` needs its own. */
_Static_assert(sizeof names / sizeof *names == 19, "one marker pair per kind");

int main(int argc, char **argv) {
    int count = argc - 1;
    if (count < 1 || count > 256) {
        fprintf(stderr, "usage: sysfs-op-insn VF... (1 to 256)\n");
        return 2;
    }
    char **vfs = argv + 1;
    sys = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int bind = beneath(sys, "bus/pci/drivers/vfio-pci/bind", O_WRONLY | O_TRUNC | O_NOFOLLOW);
    int unbind = beneath(sys, "bus/pci/drivers/vfio-pci/unbind", O_WRONLY | O_TRUNC | O_NOFOLLOW);
    if (sys < 0 || bind < 0 || unbind < 0) die("open", "/sys/bus/pci/drivers/vfio-pci");
    iommu_groups = beneath(sys, "kernel/iommu_groups", O_PATH | O_DIRECTORY);
    dev_vfio = open("/dev/vfio", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (iommu_groups < 0 || dev_vfio < 0) die("open", "kernel/iommu_groups or /dev/vfio");
    for (int kind = 0; kind < (int)(sizeof names / sizeof *names); kind++) {
        /* The tag must be a constant in the instruction, hence one marker per kind. */
        switch (kind) {
#define CASE(k) case k: MARK(10 + k); break
            CASE(0); CASE(1); CASE(2); CASE(3); CASE(4); CASE(5); CASE(6); CASE(7);
            CASE(8); CASE(9); CASE(10); CASE(11); CASE(12); CASE(13); CASE(14); CASE(15);
            CASE(16); CASE(17); CASE(18);
#undef CASE
        }
        for (int i = 0; i < count; i++) {
            const char *vf = vfs[i];
            ssize_t n;
            switch (kind) {
            case 0:
                if (parent >= 0) {
                    dirs[i] = beneath(parent, vf, O_RDONLY | O_PATH | O_DIRECTORY | O_NOFOLLOW);
                } else {
                    snprintf(path, sizeof path, "bus/pci/devices/%s", vf);
                    dirs[i] = beneath(sys, path, O_RDONLY | O_PATH | O_DIRECTORY);
                    parent = openat(dirs[i], "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                }
                if (dirs[i] < 0) die("open", vf);
                break;
            case 1: read_attribute(dirs[i], "modalias", vf); break;
            case 2: if (readlinkat(dirs[i], "driver", buffer, sizeof buffer) >= 0) die("already bound:", vf); break;
            case 3: read_attribute(dirs[i], "driver_override", vf); break;
            case 4:
                if ((n = readlinkat(dirs[i], "iommu_group", buffer, sizeof buffer - 1)) < 0) die("iommu_group", vf);
                buffer[n] = 0;
                groups[i] = atoi(strrchr(buffer, '/') + 1);
                break;
            case 5: {
                int fd = openat(dirs[i], "sriov_totalvfs", O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0) die("sriov_totalvfs exists on", vf);
                break;
            }
            case 6:
                snprintf(path, sizeof path, "%d/devices", groups[i]);
                list_directory(iommu_groups, path, vf);
                break;
            case 7: write_attribute(dirs[i], "driver_override", "vfio-pci", vf); break;
            case 8: if (pwrite(bind, vf, strlen(vf), 0) < 0) die("bind", vf); break;
            case 9: if (readlinkat(dirs[i], "driver", buffer, sizeof buffer) < 0) die("not bound:", vf); break;
            case 10:
                snprintf(path, sizeof path, "%d", groups[i]);
                if (faccessat(dev_vfio, path, F_OK, 0)) die("no node for", vf);
                break;
            case 11: {
                snprintf(path, sizeof path, "bus/pci/devices/%s", vf);
                int fd = beneath(sys, path, O_RDONLY | O_PATH | O_DIRECTORY);
                if (fd < 0) die("open", vf);
                close(fd);
                break;
            }
            case 12:
                snprintf(path, sizeof path, "kernel/iommu_groups/%d/devices", groups[i]);
                list_directory(sys, path, vf);
                break;
            case 13:
                snprintf(path, sizeof path, "/dev/vfio/%d", groups[i]);
                if (access(path, F_OK)) die("no node for", vf);
                break;
            case 14:
                snprintf(path, sizeof path, "bus/pci/devices/%s", vf);
                if (readlinkat(sys, path, buffer, sizeof buffer) < 0) die("readlink", vf);
                break;
            case 15: read_attribute(dirs[i], "uevent", vf); break;
            case 16: if (readlinkat(dirs[i], "physfn", buffer, sizeof buffer) < 0) die("physfn", vf); break;
            case 17: if (pwrite(unbind, vf, strlen(vf), 0) < 0) die("unbind", vf); break;
            case 18: write_attribute(dirs[i], "driver_override", "\n", vf); break;
            }
        }
        switch (kind) {
#define CASE(k) case k: MARK(100 + k); break
            CASE(0); CASE(1); CASE(2); CASE(3); CASE(4); CASE(5); CASE(6); CASE(7);
            CASE(8); CASE(9); CASE(10); CASE(11); CASE(12); CASE(13); CASE(14); CASE(15);
            CASE(16); CASE(17); CASE(18);
#undef CASE
        }
        printf("%d %s\n", kind, names[kind]);
    }
    return 0;
}
