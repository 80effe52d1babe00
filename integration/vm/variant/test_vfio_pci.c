// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_vfio_pci: a minimal VFIO "variant" driver for vfioctl's VM tests.
 *
 * Real variant drivers (mlx5_vfio_pci, hisi_acc_vfio_pci, ...) are vfio-pci-core plus
 * device-specific extras. This one has no extras: it exists so that a real kernel has a
 * variant whose override-only id table makes depmod write
 *     alias vfio_pci:v00008086d000010D3sv*sd*bc*sc*i* test_vfio_pci
 * (QEMU's e1000e), letting tests exercise variant selection, module loading and binding.
 *
 * Written against Linux 6.1's vfio_pci_core API (Debian 12): there is no
 * vfio_pci_core_open_device yet, so open = enable + finish_enable, as 6.1's vfio_pci.c does.
 * The same source builds for Debian 13's 6.12 and trixie-backports' 7.3 (scripts/vm/build-variant.sh):
 * those functions are still exported, and without IOMMUFD (not set in Debian's configs) a
 * vfio_device_ops without the iommufd callbacks registers.
 *
 * Parameters:
 *   fail_probe=1      probe returns -ENODEV (so a bind write fails with ENODEV); writable
 *                     at runtime in /sys/module/test_vfio_pci/parameters/fail_probe
 *   driver_name=NAME  the PCI driver's name (default "test-vfio-pci"): deliberately not the
 *                     module name, as with some real variants; load-time only
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

static bool fail_probe;
module_param(fail_probe, bool, 0644);
MODULE_PARM_DESC(fail_probe, "Make probe fail with -ENODEV");

static char *driver_name = "test-vfio-pci";
module_param(driver_name, charp, 0444);
MODULE_PARM_DESC(driver_name, "PCI driver name (default test-vfio-pci)");

static int test_vfio_pci_open_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev =
		container_of(core_vdev, struct vfio_pci_core_device, vdev);
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;
	vfio_pci_core_finish_enable(vdev);
	return 0;
}

static const struct vfio_device_ops test_vfio_pci_ops = {
	.name		= "test-vfio-pci",
	.init		= vfio_pci_core_init_dev,
	.release	= vfio_pci_core_release_dev,
	.open_device	= test_vfio_pci_open_device,
	.close_device	= vfio_pci_core_close_device,
	.ioctl		= vfio_pci_core_ioctl,
	.device_feature	= vfio_pci_core_ioctl_feature,
	.read		= vfio_pci_core_read,
	.write		= vfio_pci_core_write,
	.mmap		= vfio_pci_core_mmap,
	.request	= vfio_pci_core_request,
	.match		= vfio_pci_core_match,
};

static int test_vfio_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vfio_pci_core_device *vdev;
	int ret;

	if (fail_probe)
		return -ENODEV;

	vdev = vfio_alloc_device(vfio_pci_core_device, vdev, &pdev->dev, &test_vfio_pci_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	dev_set_drvdata(&pdev->dev, vdev);
	ret = vfio_pci_core_register_device(vdev);
	if (ret) {
		vfio_put_device(&vdev->vdev);
		return ret;
	}
	return 0;
}

static void test_vfio_pci_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(vdev);
	vfio_put_device(&vdev->vdev);
}

/* Override-only: binds only through driver_override, never by plain matching. */
static const struct pci_device_id test_vfio_pci_table[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(0x8086, 0x10d3) },	/* QEMU e1000e */
	{}
};
MODULE_DEVICE_TABLE(pci, test_vfio_pci_table);

/* Not const: vfio_pci_core_register_device fills in the driver's pm ops. */
static struct pci_driver test_vfio_pci_driver = {
	.id_table		= test_vfio_pci_table,
	.probe			= test_vfio_pci_probe,
	.remove			= test_vfio_pci_remove,
	.err_handler		= &vfio_pci_core_err_handlers,
	.driver_managed_dma	= true,
};

static int __init test_vfio_pci_init(void)
{
	test_vfio_pci_driver.name = driver_name;
	return pci_register_driver(&test_vfio_pci_driver);
}

static void __exit test_vfio_pci_exit(void)
{
	pci_unregister_driver(&test_vfio_pci_driver);
}

module_init(test_vfio_pci_init);
module_exit(test_vfio_pci_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test VFIO PCI variant driver for vfioctl's VM tests");
