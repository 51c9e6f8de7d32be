import CNetlinkShim
import Glibc
import NetAddress

/// An `AF_PACKET` datagram socket for IPv4 on one interface of a container's namespace: how a
/// DHCP client talks before it has an address (RFC 2131 §4.1). Created inside the namespace
/// (the caller does that on a dedicated thread) and bound to the interface, it keeps working
/// from any thread. A classic BPF filter lets only UDP to port 68 through.
final class PacketSocket {
    let descriptor: Int32
    let interfaceIndex: Int32

    /// Opens the socket in the calling thread's namespace, on `interfaceIndex`.
    init(interfaceIndex: Int32) throws(DHCPError) {
        // Protocol 0 until bound: the socket receives nothing from other interfaces meanwhile.
        let fd = socket(AF_PACKET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DHCPError(.failed, "failed to open a packet socket: \(errnoText())") }
        descriptor = fd
        self.interfaceIndex = interfaceIndex
        var program = Self.filter
        let attached = program.withUnsafeMutableBufferPointer { instructions -> Int32 in
            var fprog = sock_fprog(len: UInt16(instructions.count), filter: instructions.baseAddress)
            return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, socklen_t(MemoryLayout<sock_fprog>.size))
        }
        guard attached == 0 else { throw DHCPError(.failed, "failed to attach the DHCP packet filter: \(errnoText())") }
        var address = Self.address(interfaceIndex, mac: [])
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_ll>.size)) }
        }
        guard bound == 0 else { throw DHCPError(.failed, "failed to bind a packet socket to interface \(interfaceIndex): \(errnoText())") }
    }

    deinit { close(descriptor) }

    /// Sends an IPv4 packet to the Ethernet address `mac`.
    func send(_ packet: [UInt8], to mac: [UInt8]) throws(DHCPError) {
        var address = Self.address(interfaceIndex, mac: mac)
        let sent = packet.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_ll>.size))
                }
            }
        }
        guard sent == packet.count else { throw DHCPError(.failed, "failed to send a DHCP packet: \(errnoText())") }
    }

    /// The next packet (with the sender's Ethernet address), waiting at most until `deadline`;
    /// nil at the deadline. Returns early with ``Wakeup`` when `wakeup` is signalled.
    func receive(until deadline: Deadline, wakeup: Wakeup?) throws -> (packet: [UInt8], from: [UInt8])? {
        while true {
            let remaining = deadline.remainingMilliseconds
            if remaining <= 0 { return nil }
            var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
            if let wakeup { fds.append(pollfd(fd: wakeup.descriptor, events: Int16(POLLIN), revents: 0)) }
            let n = poll(&fds, nfds_t(fds.count), Int32(min(remaining, Int(Int32.max))))
            if n < 0 {
                if errno == EINTR { continue }
                throw DHCPError(.failed, "poll: \(errnoText())")
            }
            if fds.count > 1 && fds[1].revents != 0 { throw WakeupError() }
            guard fds[0].revents != 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 2048)
            var from = sockaddr_ll()
            var length = socklen_t(MemoryLayout<sockaddr_ll>.size)
            let got = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(descriptor, raw.baseAddress, raw.count, 0, $0, &length) }
                }
            }
            if got < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw DHCPError(.failed, "failed to receive a DHCP packet: \(errnoText())")
            }
            // Our own transmissions come back to a packet socket too.
            if from.sll_pkttype == UInt8(PACKET_OUTGOING) { continue }
            let mac = withUnsafeBytes(of: from.sll_addr) { Array($0.prefix(Int(min(from.sll_halen, 8)))) }
            return (Array(buffer[..<got]), mac)
        }
    }

    static let broadcastMAC: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]

    private static func address(_ index: Int32, mac: [UInt8]) -> sockaddr_ll {
        var a = sockaddr_ll()
        a.sll_family = UInt16(AF_PACKET)
        a.sll_protocol = UInt16(ETH_P_IP).bigEndian
        a.sll_ifindex = index
        a.sll_halen = UInt8(mac.count)
        withUnsafeMutableBytes(of: &a.sll_addr) { raw in
            for (i, b) in mac.prefix(8).enumerated() { raw[i] = b }
        }
        return a
    }

    /// IPv4, UDP, not a fragment, destination port 68 (offsets from the IP header, as a
    /// SOCK_DGRAM packet socket sees the packet).
    private static let filter: [sock_filter] = [
        sock_filter(code: UInt16(BPF_LD | BPF_B | BPF_ABS), jt: 0, jf: 0, k: 9),  // protocol
        sock_filter(code: UInt16(BPF_JMP | BPF_JEQ | BPF_K), jt: 0, jf: 6, k: 17),
        sock_filter(code: UInt16(BPF_LD | BPF_H | BPF_ABS), jt: 0, jf: 0, k: 6),  // flags + fragment offset
        sock_filter(code: UInt16(BPF_JMP | BPF_JSET | BPF_K), jt: 4, jf: 0, k: 0x1FFF),
        sock_filter(code: UInt16(BPF_LDX | BPF_B | BPF_MSH), jt: 0, jf: 0, k: 0),  // X = IP header length
        sock_filter(code: UInt16(BPF_LD | BPF_H | BPF_IND), jt: 0, jf: 0, k: 2),  // UDP destination port
        sock_filter(code: UInt16(BPF_JMP | BPF_JEQ | BPF_K), jt: 0, jf: 1, k: 68),
        sock_filter(code: UInt16(BPF_RET | BPF_K), jt: 0, jf: 0, k: 0xFFFF),
        sock_filter(code: UInt16(BPF_RET | BPF_K), jt: 0, jf: 0, k: 0),
    ]
}

/// A point in time on the monotonic clock, for timeouts.
struct Deadline: Sendable {
    var nanoseconds: UInt64

    static var now: Deadline { Deadline(nanoseconds: monotonicNanoseconds()) }

    static func after(_ duration: Duration) -> Deadline {
        let (s, atto) = duration.components
        let ns = max(0, s) * 1_000_000_000 + atto / 1_000_000_000
        return Deadline(nanoseconds: monotonicNanoseconds() + UInt64(max(0, ns)))
    }

    var remainingMilliseconds: Int {
        let now = monotonicNanoseconds()
        return now >= nanoseconds ? 0 : Int((nanoseconds - now + 999_999) / 1_000_000)
    }

    var hasPassed: Bool { monotonicNanoseconds() >= nanoseconds }
}

func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Wall-clock seconds since the epoch (lease times survive a daemon restart in these).
func wallClockSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// An eventfd that interrupts a lease's waits (stop, check).
final class Wakeup: @unchecked Sendable {
    let descriptor: Int32

    init() {
        descriptor = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        precondition(descriptor >= 0, "eventfd: \(errnoText())")
    }

    deinit { close(descriptor) }

    func signal() {
        var one: UInt64 = 1
        _ = write(descriptor, &one, 8)
    }

    /// Clears the signal.
    func consume() {
        var value: UInt64 = 0
        _ = read(descriptor, &value, 8)
    }

    /// Sleeps until `deadline` or a signal; true when signalled.
    func wait(until deadline: Deadline) -> Bool {
        while true {
            let remaining = deadline.remainingMilliseconds
            var fd = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let n = poll(&fd, 1, Int32(min(remaining, Int(Int32.max))))
            if n < 0 && errno == EINTR { continue }
            return n > 0
        }
    }
}

/// Thrown out of an exchange when the lease's ``Wakeup`` fires.
struct WakeupError: Error {}
