/* vfio-hold GROUP ADDRESS: opens a VFIO device the way QEMU does (container, group, attach, IOMMU
   type, device fd) and holds it until killed. While it runs, unbinding the device blocks in the
   kernel ("blocked until released by user"): 62-timeout.sh uses it to show that vfioctl does not. */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int fail(const char *what) {
    fprintf(stderr, "vfio-hold: %s: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: vfio-hold GROUP ADDRESS\n");
        return 2;
    }
    char group_path[64];
    snprintf(group_path, sizeof group_path, "/dev/vfio/%s", argv[1]);
    int container = open("/dev/vfio/vfio", O_RDWR);
    if (container < 0) return fail("open /dev/vfio/vfio");
    if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) return fail("VFIO_GET_API_VERSION");
    if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0) return fail("VFIO_CHECK_EXTENSION TYPE1");
    int group = open(group_path, O_RDWR);
    if (group < 0) return fail(group_path);
    struct vfio_group_status status = {.argsz = sizeof status};
    if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) < 0) return fail("VFIO_GROUP_GET_STATUS");
    if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
        errno = EPERM;
        return fail("the group is not viable");
    }
    if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0) return fail("VFIO_GROUP_SET_CONTAINER");
    if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) < 0) return fail("VFIO_SET_IOMMU");
    int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[2]);
    if (device < 0) return fail("VFIO_GROUP_GET_DEVICE_FD");
    printf("holding %s (device fd %d)\n", argv[2], device);
    fflush(stdout);
    for (;;) pause();
}
