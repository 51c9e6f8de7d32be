import CNITestSupport
import Foundation

/// Packets between test namespaces, sent from threads inside them (no `ping` binary needed):
/// ICMP echo over raw sockets, and a TCP connection whose accepted peer address tells whether
/// it was masqueraded. Only ever addressed to namespaces the test made.
enum PTPTraffic {
    /// A socket address for `text` (IPv4 or IPv6) and `port`.
    static func socketAddress(_ text: String, port: UInt16 = 0) -> (storage: sockaddr_storage, length: socklen_t, family: Int32) {
        var storage = sockaddr_storage()
        if text.contains(":") {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            precondition(inet_pton(AF_INET6, text, &a.sin6_addr) == 1, "bad address \(text)")
            withUnsafeBytes(of: a) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            return (storage, socklen_t(MemoryLayout<sockaddr_in6>.size), AF_INET6)
        }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        precondition(inet_pton(AF_INET, text, &a.sin_addr) == 1, "bad address \(text)")
        withUnsafeBytes(of: a) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
        return (storage, socklen_t(MemoryLayout<sockaddr_in>.size), AF_INET)
    }

    /// The text form of a socket address.
    static func text(of storage: sockaddr_storage) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var s = storage
        if Int32(s.ss_family) == AF_INET6 {
            withUnsafePointer(to: &s) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                    var addr = a.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
                }
            }
        } else {
            withUnsafePointer(to: &s) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                    var addr = a.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count))
                }
            }
        }
        return String(cString: buffer)
    }

    /// Waits until `fd` is readable (or writable); false at the timeout.
    static func wait(_ fd: Int32, writable: Bool = false, timeout: Double) -> Bool {
        var p = pollfd(fd: fd, events: Int16(writable ? POLLOUT : POLLIN), revents: 0)
        return poll(&p, 1, Int32(timeout * 1000)) == 1
    }

    /// One ICMP echo from inside `ns` to `address`; true when the matching reply came back.
    static func ping(from ns: TestNamespace, _ address: String, timeout: Double = 2) throws -> Bool {
        try ns.perform {
            let (storage, length, family) = socketAddress(address)
            let v6 = family == AF_INET6
            let fd = socket(family, Int32(SOCK_RAW.rawValue), v6 ? Int32(IPPROTO_ICMPV6) : Int32(IPPROTO_ICMP))
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            defer { close(fd) }
            let id = UInt16.random(in: 1...UInt16.max)
            var packet: [UInt8] = [v6 ? 128 : 8, 0, 0, 0, UInt8(id >> 8), UInt8(id & 0xff), 0, 1] + Array("swift-cni".utf8)
            if !v6 {  // the kernel computes ICMPv6 checksums itself
                var sum: UInt32 = 0
                for i in stride(from: 0, to: packet.count, by: 2) {
                    sum += UInt32(packet[i]) << 8 + (i + 1 < packet.count ? UInt32(packet[i + 1]) : 0)
                }
                while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
                let checksum = ~UInt16(sum)
                packet[2] = UInt8(checksum >> 8)
                packet[3] = UInt8(checksum & 0xff)
            }
            var target = storage
            let sent = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, packet, packet.count, 0, $0, length) }
            }
            guard sent == packet.count else { return false }
            let deadline = Date().addingTimeInterval(timeout)
            var buffer = [UInt8](repeating: 0, count: 1500)
            while Date() < deadline {
                guard wait(fd, timeout: deadline.timeIntervalSinceNow) else { return false }
                let n = recv(fd, &buffer, buffer.count, 0)
                guard n > 0 else { continue }
                // IPv4 raw sockets deliver the IP header; IPv6 ones do not.
                let start = v6 ? 0 : Int(buffer[0] & 0x0f) * 4
                guard n >= start + 8 else { continue }
                let isReply = buffer[start] == (v6 ? 129 : 0)
                let replyID = UInt16(buffer[start + 4]) << 8 | UInt16(buffer[start + 5])
                if isReply && replyID == id { return true }
            }
            return false
        }
    }

    /// A TCP listener inside `ns` on `address`:`port`; close it with `close(_:)`.
    static func listen(in ns: TestNamespace, _ address: String, port: UInt16) throws -> Int32 {
        try ns.perform {
            let (storage, length, family) = socketAddress(address, port: port)
            let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EIO) }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var s = storage
            let bound = withUnsafePointer(to: &s) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            guard bound == 0, Glibc.listen(fd, 8) == 0 else {
                close(fd)
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            return fd
        }
    }

    /// Connects from inside `ns` to `address`:`port` and returns the peer address the listener
    /// `server` accepted, or nil when no connection came through within `timeout`.
    static func connect(from ns: TestNamespace, to address: String, port: UInt16, server: Int32, timeout: Double = 3) throws -> String? {
        let client: Int32 = try ns.perform {
            let (storage, length, family) = socketAddress(address, port: port)
            let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EIO) }
            var s = storage
            _ = withUnsafePointer(to: &s) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) } }
            return fd
        }
        defer { close(client) }
        guard wait(server, timeout: timeout) else { return nil }
        var peer = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let accepted = withUnsafeMutablePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(server, $0, &length) }
        }
        guard accepted >= 0 else { return nil }
        close(accepted)
        return text(of: peer)
    }
}
