#define _GNU_SOURCE
#include <string.h>

#include "CLinux.h"

// memmem(3) is a GNU extension, which the Swift Glibc module leaves out.
const void *vfioctl_find_bytes(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length) {
    return memmem(haystack, haystack_length, needle, needle_length);
}
