/// `cksum FILE`'s first number (POSIX cksum: CRC-32, polynomial 0x04C11DB7, most significant bit
/// first, the length appended, the result inverted). The initramfs hook names a file in the image
/// after the checksum `cksum` computes there; `persist status` computes the same here to tell
/// whether the image holds the rule installed now. A change detector, not a security check: only
/// root writes either side.
public enum POSIXChecksum {
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0
        var length: UInt64 = 0
        for byte in bytes {
            crc = update(crc, byte)
            length += 1
        }
        // The length, least significant byte first, without its leading zero bytes.
        while length > 0 {
            crc = update(crc, UInt8(truncatingIfNeeded: length))
            length >>= 8
        }
        return ~crc
    }

    private static func update(_ crc: UInt32, _ byte: UInt8) -> UInt32 {
        var crc = crc ^ (UInt32(byte) << 24)
        for _ in 0..<8 {
            crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1
        }
        return crc
    }
}
