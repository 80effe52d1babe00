#ifndef VFIOCTL_CUDEV_SHIM_H
#define VFIOCTL_CUDEV_SHIM_H
#include <libudev.h>
#endif
