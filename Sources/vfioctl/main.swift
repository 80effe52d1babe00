import VFIOCommands

#if canImport(Glibc)
import Glibc
#endif

exit(VFIOCtl.main(Array(CommandLine.arguments.dropFirst()), context: .live()))
