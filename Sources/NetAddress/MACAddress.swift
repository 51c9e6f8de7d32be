/// A 48-bit Ethernet address, printed as lowercase `aa:bb:cc:dd:ee:ff` like Go's `net.HardwareAddr`.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    public let bytes: [UInt8]

    /// nil unless there are exactly 6 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.bytes = bytes
    }

    /// Parses `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff` (either case).
    public init?(_ text: String) {
        let parts = text.split(separator: text.contains("-") ? "-" : ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard p.count == 2, let b = UInt8(p, radix: 16) else { return nil }
            out.append(b)
        }
        self.bytes = out
    }

    public var description: String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 3)
        for (i, byte) in bytes.enumerated() {
            if i > 0 { text.append(0x3A) }  // ":"
            Hex.append(byte, to: &text)
        }
        return String(decoding: text, as: UTF8.self)
    }

    public static let zero = MACAddress(bytes: [0, 0, 0, 0, 0, 0])!
    /// Unicast and not all-zero: what a container interface may be given.
    public var isUsableUnicast: Bool { bytes[0] & 1 == 0 && self != .zero }
}
