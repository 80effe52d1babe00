import VFIOCore
