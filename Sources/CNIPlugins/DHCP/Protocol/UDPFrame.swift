import NetAddress

/// IPv4 + UDP around a DHCP message, as a client sends it on a packet socket before it has an
/// address (RFC 2131 §4.1: from 0.0.0.0:68 to 255.255.255.255:67), and the filter for what comes
/// back.
enum UDPFrame {
    static let clientPort: UInt16 = 68
    static let serverPort: UInt16 = 67

    /// An IPv4 packet (TTL 64, no options) carrying `payload` from `source`:68 to
    /// `destination`:67, with both checksums.
    static func packet(_ payload: [UInt8], from source: IPAddress, to destination: IPAddress) -> [UInt8] {
        let udpLength = 8 + payload.count
        var udp = be16(clientPort) + be16(serverPort) + be16(UInt16(udpLength)) + [0, 0] + payload
        var pseudo = source.bytes + destination.bytes + [0, 17] + be16(UInt16(udpLength))
        pseudo += udp
        var sum = checksum(pseudo)
        if sum == 0 { sum = 0xFFFF }
        udp[6] = UInt8(sum >> 8)
        udp[7] = UInt8(truncatingIfNeeded: sum)
        var ip: [UInt8] = [0x45, 0x10] + be16(UInt16(20 + udpLength)) + [0, 0, 0, 0, 64, 17, 0, 0]
        ip += source.bytes + destination.bytes
        let ipSum = checksum(ip)
        ip[10] = UInt8(ipSum >> 8)
        ip[11] = UInt8(truncatingIfNeeded: ipSum)
        return ip + udp
    }

    /// The UDP payload of an IPv4 packet to port 68 (not a fragment); nil for anything else.
    static func dhcpPayload(_ packet: [UInt8]) -> [UInt8]? {
        guard packet.count >= 28, packet[0] >> 4 == 4, packet[9] == 17 else { return nil }
        let headerLength = Int(packet[0] & 0x0F) * 4
        let total = Int(packet[2]) << 8 | Int(packet[3])
        guard headerLength >= 20, total <= packet.count, total >= headerLength + 8 else { return nil }
        guard packet[6] & 0x3F == 0 && packet[7] == 0 else { return nil }  // MF or an offset: a fragment
        let udp = packet[headerLength..<total]
        let port = UInt16(udp[udp.startIndex + 2]) << 8 | UInt16(udp[udp.startIndex + 3])
        guard port == clientPort else { return nil }
        let length = Int(udp[udp.startIndex + 4]) << 8 | Int(udp[udp.startIndex + 5])
        guard length >= 8, length <= udp.count else { return nil }
        return Array(udp[(udp.startIndex + 8)..<(udp.startIndex + length)])
    }

    /// The Internet checksum (RFC 1071).
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
