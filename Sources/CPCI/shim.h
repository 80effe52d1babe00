#ifndef VFIOCTL_CPCI_SHIM_H
#define VFIOCTL_CPCI_SHIM_H
#include <pci/pci.h>

/* libpci calls a->debug/warning/error through function pointers that only pci_init() fills in, and its
 * default error handler exits the process. vfioctl uses libpci for names only, so it never calls
 * pci_init(): these handlers keep name lookups quiet and in-process. */
static void vfioctl_pci_ignore(char *msg, ...) { (void)msg; }
static inline struct pci_access *vfioctl_pci_alloc_for_names(void) {
    struct pci_access *a = pci_alloc();
    a->debug = vfioctl_pci_ignore;
    a->warning = vfioctl_pci_ignore;
    a->error = vfioctl_pci_ignore;
    return a;
}

/* pci_lookup_name is C-variadic, which Swift cannot call: fixed-arity wrappers. */
static inline char *vfioctl_pci_vendor_name(struct pci_access *a, char *buf, int size, int vendor) {
    return pci_lookup_name(a, buf, size, PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_NUMBERS, vendor);
}
static inline char *vfioctl_pci_device_name(struct pci_access *a, char *buf, int size, int vendor, int device) {
    return pci_lookup_name(a, buf, size, PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS, vendor, device);
}
static inline char *vfioctl_pci_subsystem_name(struct pci_access *a, char *buf, int size,
                                               int vendor, int device, int subvendor, int subdevice) {
    return pci_lookup_name(a, buf, size, PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS, vendor, device, subvendor, subdevice);
}
static inline char *vfioctl_pci_class_name(struct pci_access *a, char *buf, int size, int cls) {
    return pci_lookup_name(a, buf, size, PCI_LOOKUP_CLASS | PCI_LOOKUP_NO_NUMBERS, cls);
}
static inline char *vfioctl_pci_progif_name(struct pci_access *a, char *buf, int size, int cls, int progif) {
    return pci_lookup_name(a, buf, size, PCI_LOOKUP_PROGIF | PCI_LOOKUP_NO_NUMBERS, cls, progif);
}
#endif
