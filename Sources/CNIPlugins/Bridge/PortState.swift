import Glibc
import LinuxNet
import Netlink

/// Waiting for the host veth to be operationally up before ADD returns, so the container's first
/// packets are not dropped by a port that is not forwarding yet.
///
/// The reference checks at 0, 50, 500, 1000 and 1000 ms (2.55 s worst case), so when the kernel's
/// link-watch work has not run at the first look, ADD pays 50 ms. The state usually turns within
/// a millisecond, so the first waits here are short and grow; the total stays about the same.
enum PortState {
    /// Milliseconds to sleep before each look.
    static let schedule: [Int] = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000]

    /// The port as last read once it is up; `BridgeError.portDown` naming its state otherwise.
    static func waitUntilUp(_ port: Link, in host: NetworkStack) throws -> Link {
        var current = port
        for delay in schedule {
            if delay > 0 { sleep(milliseconds: delay) }
            guard let link = try BridgeError.wrapping(.system, "could not look up \"\(port.name)\"", {
                try host.netlink.link(index: port.index)
            }) else {
                throw BridgeError(.portDown, "bridge port \"\(port.name)\" vanished")
            }
            current = link
            if link.isOperationallyUp { return link }
        }
        throw BridgeError(.portDown, "bridge port in error state: \(current.operState.description.lowercased())")
    }

    static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
