import Foundation

/// ICMP echo between test namespaces, sent from a thread inside the source namespace over a raw
/// socket (no `ping` binary needed). Only ever addressed to namespaces the test made.
public enum Ping {
    /// True when `address` answers an echo from inside `ns` within `timeout` seconds. The request
    /// is sent again every 200 ms (the first may be lost while a neighbour is resolved).
    public static func reply(from ns: TestNamespace, to address: String, timeout: Double = 2) throws -> Bool {
        try ns.perform {
            let (storage, length, family) = try socketAddress(address)
            let v6 = family == AF_INET6
            let fd = socket(family, Int32(SOCK_RAW.rawValue), v6 ? Int32(IPPROTO_ICMPV6) : Int32(IPPROTO_ICMP))
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            defer { close(fd) }
            let id = UInt16.random(in: 1...UInt16.max)
            let packet = echoRequest(id: id, v6: v6)
            let deadline = Date().addingTimeInterval(timeout)
            var buffer = [UInt8](repeating: 0, count: 1500)
            while Date() < deadline {
                var target = storage
                let sent = withUnsafePointer(to: &target) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, packet, packet.count, 0, $0, length) }
                }
                guard sent == packet.count else { return false }
                let resend = min(deadline, Date().addingTimeInterval(0.2))
                while Date() < resend {
                    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    guard poll(&p, 1, Int32(max(1, resend.timeIntervalSinceNow * 1000))) == 1 else { break }
                    let n = recv(fd, &buffer, buffer.count, 0)
                    guard n > 0 else { continue }
                    // IPv4 raw sockets deliver the IP header; IPv6 ones do not.
                    let start = v6 ? 0 : Int(buffer[0] & 0x0f) * 4
                    guard n >= start + 8 else { continue }
                    let isReply = buffer[start] == (v6 ? 129 : 0)
                    let replyID = UInt16(buffer[start + 4]) << 8 | UInt16(buffer[start + 5])
                    if isReply && replyID == id { return true }
                }
            }
            return false
        }
    }

    /// The addresses of `targets` that do not answer from `ns`, each given `timeout` seconds.
    public static func unreachable(from ns: TestNamespace, _ targets: [String], timeout: Double = 3) throws -> [String] {
        try targets.filter { try !reply(from: ns, to: $0, timeout: timeout) }
    }

    /// An echo request with `id`; the kernel computes ICMPv6 checksums itself.
    static func echoRequest(id: UInt16, v6: Bool) -> [UInt8] {
        var packet: [UInt8] = [v6 ? 128 : 8, 0, 0, 0, UInt8(id >> 8), UInt8(id & 0xff), 0, 1] + Array("swift-cni".utf8)
        guard !v6 else { return packet }
        var sum: UInt32 = 0
        for i in stride(from: 0, to: packet.count, by: 2) {
            sum += UInt32(packet[i]) << 8 + (i + 1 < packet.count ? UInt32(packet[i + 1]) : 0)
        }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        let checksum = ~UInt16(sum)
        packet[2] = UInt8(checksum >> 8)
        packet[3] = UInt8(checksum & 0xff)
        return packet
    }

    /// A socket address for `text` (IPv4 or IPv6).
    static func socketAddress(_ text: String) throws -> (storage: sockaddr_storage, length: socklen_t, family: Int32) {
        var storage = sockaddr_storage()
        if text.contains(":") {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            guard inet_pton(AF_INET6, text, &a.sin6_addr) == 1 else { throw TestFailure("bad address \(text)") }
            withUnsafeBytes(of: a) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            return (storage, socklen_t(MemoryLayout<sockaddr_in6>.size), AF_INET6)
        }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, text, &a.sin_addr) == 1 else { throw TestFailure("bad address \(text)") }
        withUnsafeBytes(of: a) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
        return (storage, socklen_t(MemoryLayout<sockaddr_in>.size), AF_INET)
    }
}
