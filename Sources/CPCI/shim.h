#ifndef VFIOCTL_CPCI_SHIM_H
#define VFIOCTL_CPCI_SHIM_H
#include <pci/pci.h>

/* pci_lookup_name is C-variadic, which Swift cannot call: fixed-arity wrappers. */
static inline char *vfioctl_pci_vendor_name(struct pci_access *a, char *buf, int size, int vendor) {
    return pci_lookup_name(a, buf, size, PCI_LOOKUP_VENDOR, vendor);
}
static inline char *vfioctl_pci_device_name(struct pci_access *a, char *buf, int size, int vendor, int device) {
    return pci_lookup_name(a, buf, size, PCI_LOOKUP_DEVICE, vendor, device);
}
static inline char *vfioctl_pci_subsystem_name(struct pci_access *a, char *buf, int size,
                                               int vendor, int device, int subvendor, int subdevice) {
    return pci_lookup_name(a, buf, size, PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_DEVICE, vendor, device, subvendor, subdevice);
}
static inline char *vfioctl_pci_class_name(struct pci_access *a, char *buf, int size, int cls) {
    return pci_lookup_name(a, buf, size, PCI_LOOKUP_CLASS, cls);
}
static inline char *vfioctl_pci_subclass_name(struct pci_access *a, char *buf, int size, int cls, int subcls) {
    (void)subcls;
    return pci_lookup_name(a, buf, size, PCI_LOOKUP_CLASS, cls);
}
static inline char *vfioctl_pci_progif_name(struct pci_access *a, char *buf, int size, int cls, int progif) {
    return pci_lookup_name(a, buf, size, PCI_LOOKUP_PROGIF | PCI_LOOKUP_NO_NUMBERS, cls, progif);
}
#endif
