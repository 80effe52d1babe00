import VFIOCore
let inv = try DeviceSource.live.enumerate()
for d in inv.devices { print(d.address, d.identity.vendor, d.identity.device, d.driver as Any, d.iommuGroup as Any) }
