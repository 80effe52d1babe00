#ifndef VFIOCTL_DETACH_CHILD_H
#define VFIOCTL_DETACH_CHILD_H

/* In a new forked child: only async-signal-safe calls from here on (the parent may have had
   threads). Leaves the terminal's process group, unblocks signals and closes every descriptor
   but `keep`. */
void vfioctl_detach_child(int keep);

#endif
