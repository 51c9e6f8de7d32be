import CNITestSupport
import CNetlinkShim
import Foundation
import Glibc
import LinuxNet
import Netlink

/// A throwaway host namespace and container namespace, with a NetworkStack for each. Both are
/// deleted afterwards, even when `body` throws.
func withHostAndContainer<T>(
    _ body: (_ host: TestNamespace, _ container: TestNamespace, _ hostStack: NetworkStack, _ containerStack: NetworkStack) throws -> T
) throws -> T {
    try withTestNamespaces(2, prefix: "ln") { namespaces in
        let host = try NetworkStack(namespace: NetworkNamespace.open(path: namespaces[0].path))
        let container = try NetworkStack(namespace: NetworkNamespace.open(path: namespaces[1].path))
        return try body(namespaces[0], namespaces[1], host, container)
    }
}

extension TestNamespace {
    func ip(_ args: String...) throws { try Command.check(["ip", "-n", name] + args) }

    /// `ip -j -d link show dev <name>`, decoded (first entry), or nil when missing.
    func ipLink(_ name: String) throws -> [String: Any]? {
        let out = try Command.run(["ip", "-n", self.name, "-j", "-d", "link", "show", "dev", name])
        guard out.succeeded else { return nil }
        return ((try JSONSerialization.jsonObject(with: Data(out.stdout.utf8))) as? [[String: Any]])?.first
    }

    /// A sysctl as seen from inside the namespace (read by a process that entered it).
    func sysctl(_ key: String) throws -> String {
        try check(["cat", "/proc/sys/" + key]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The `addr_info` entries of `dev`.
    func addresses(_ dev: String) throws -> [[String: Any]] {
        (try ipJSON(["addr", "show", "dev", dev]).first?["addr_info"] as? [[String: Any]]) ?? []
    }
}

/// Subscribes to link notifications (RTMGRP_LINK) inside a namespace, to see what the kernel
/// announced there: a namespace move shows up as RTM_DELLINK in the old namespace and
/// RTM_NEWLINK in the new one.
final class LinkEventListener {
    private let fd: Int32

    init(in namespace: NetworkNamespace) throws {
        fd = try namespace.perform { () throws -> Int32 in
            let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), NETLINK_ROUTE)
            guard fd >= 0 else { throw POSIXError(.EIO) }
            var address = sockaddr_nl()
            address.nl_family = sa_family_t(AF_NETLINK)
            address.nl_groups = 1  // RTMGRP_LINK
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size)) }
            }
            guard bound == 0 else { close(fd); throw POSIXError(.EIO) }
            return fd
        }
    }

    deinit { close(fd) }

    /// Every notification received so far: (message type, link name).
    func drain() throws -> [(type: UInt16, name: String)] {
        var events: [(UInt16, String)] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            for message in try NetlinkMessage.split(Array(buffer[0..<count])) {
                events.append((message.type, try Link(message: message).name))
            }
        }
        return events
    }
}

let RTM_NEWLINK_TYPE: UInt16 = 16
let RTM_DELLINK_TYPE: UInt16 = 17

/// Seconds since `start`, as a Double.
func elapsed(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}
