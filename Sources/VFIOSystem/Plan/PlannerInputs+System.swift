import VFIOCore

// The readers of the kernel's module files, modprobe.d and /sys/module answer the planner's questions.
extension KernelModuleIndex: ModuleTables {}
extension ModprobeConfig: ModprobePolicy {}
extension LoadedModules: LoadedDrivers {}
