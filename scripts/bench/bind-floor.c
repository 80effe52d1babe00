/* The least a checked bind can cost per VF (issue 4's per-VF target): what vfioctl must read and
 * write for each VF, in plain C with no other work, so that its per-VF cost can be compared with the
 * bash loop's and with vfioctl's in the same boot (scripts/bench/bind-floor-vm.sh).
 *
 * Usage: bind-floor MODE VF...   (VFs unbound, driver vfio-pci loaded; prints microseconds)
 *   MODE writes   only the loop's writes: driver_override, then the driver's bind file
 *   MODE checked  what `vfioctl bind --driver` reads besides: modalias (ids, class), the driver
 *                 link (absent), driver_override (to restore), the iommu_group link, sriov_totalvfs
 *                 (absent on a VF), the group's member list, and after the bind the driver link
 *                 read back and the /dev/vfio node; opening the devices and the groups the way
 *                 vfioctl does (siblings beneath their parent, held directories)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void die(const char *what, const char *vf) {
    fprintf(stderr, "bind-floor: %s %s: %m\n", what, vf);
    exit(1);
}

static ssize_t read_attribute(int dir, const char *name, char *buffer, size_t size) {
    int fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buffer, size - 1);
    close(fd);
    if (n >= 0) buffer[n] = 0;
    return n;
}

int main(int argc, char **argv) {
    if (argc < 3 || (strcmp(argv[1], "writes") && strcmp(argv[1], "checked"))) {
        fprintf(stderr, "usage: bind-floor writes|checked VF...\n");
        return 2;
    }
    int checked = !strcmp(argv[1], "checked"), count = argc - 2;
    char buffer[4096], path[512];
    int *dirs = calloc(count, sizeof *dirs), *groups = calloc(count, sizeof *groups);
    double start = now_us();
    int sys = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int bind = openat(sys, "bus/pci/drivers/vfio-pci/bind", O_WRONLY | O_CLOEXEC);
    if (sys < 0 || bind < 0) die("open", "/sys/bus/pci/drivers/vfio-pci/bind");
    /* Checked, as vfioctl does: the first VF by its bus link, the others beneath its parent
     * directory; group lists beneath a held kernel/iommu_groups, nodes in a held /dev/vfio. */
    int parent = -1, iommu_groups = -1, dev_vfio = -1;
    if (checked) {
        iommu_groups = openat(sys, "kernel/iommu_groups", O_PATH | O_DIRECTORY | O_CLOEXEC);
        dev_vfio = open("/dev/vfio", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (iommu_groups < 0 || dev_vfio < 0) die("open", "kernel/iommu_groups or /dev/vfio");
    }
    for (int i = 0; i < count; i++) {
        const char *vf = argv[i + 2];
        if (parent >= 0) {
            dirs[i] = openat(parent, vf, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        } else {
            snprintf(path, sizeof path, "bus/pci/devices/%s", vf);
            dirs[i] = openat(sys, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (checked && dirs[i] >= 0) parent = openat(dirs[i], "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        }
        if (dirs[i] < 0) die("open", vf);
        if (!checked) continue;
        if (read_attribute(dirs[i], "modalias", buffer, sizeof buffer) < 0) die("read modalias", vf);
        if (readlinkat(dirs[i], "driver", buffer, sizeof buffer) >= 0) { fprintf(stderr, "bind-floor: %s is bound\n", vf); return 1; }
        if (read_attribute(dirs[i], "driver_override", buffer, sizeof buffer) < 0) die("read driver_override", vf);
        ssize_t n = readlinkat(dirs[i], "iommu_group", buffer, sizeof buffer - 1);
        if (n < 0) die("readlink iommu_group", vf);
        buffer[n] = 0;
        groups[i] = atoi(strrchr(buffer, '/') + 1);
        if (read_attribute(dirs[i], "sriov_totalvfs", buffer, sizeof buffer) >= 0) die("sriov_totalvfs exists on", vf);
        snprintf(path, sizeof path, "%d/devices", groups[i]);
        int group = openat(iommu_groups, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (group < 0) die("open group of", vf);
        while (getdents64(group, buffer, sizeof buffer) > 0) {}
        close(group);
    }
    for (int i = 0; i < count; i++) {
        const char *vf = argv[i + 2];
        int fd = openat(dirs[i], "driver_override", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "vfio-pci", 8) != 8) die("write driver_override", vf);
        close(fd);
        if (write(bind, vf, strlen(vf)) < 0) die("bind", vf);
        if (!checked) continue;
        if (readlinkat(dirs[i], "driver", buffer, sizeof buffer) < 0) die("read back the driver of", vf);
        snprintf(path, sizeof path, "%d", groups[i]);
        if (faccessat(dev_vfio, path, F_OK, 0)) die("no node for", vf);
    }
    for (int i = 0; i < count; i++) close(dirs[i]);
    printf("%.0f\n", now_us() - start);
    return 0;
}
