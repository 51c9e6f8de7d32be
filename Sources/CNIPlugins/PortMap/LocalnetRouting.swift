import LinuxNet
import NetAddress
import Netlink

/// `127.0.0.1:<hostPort>` from the host itself: the output hook DNATs the connection to the
/// container, and the masquerade rule rewrites its 127.0.0.1 source, but only if the kernel lets a
/// 127/8 source cross to a real interface at all, which `route_localnet` on that interface allows.
/// IPv6 has no such switch, so `[::1]:<hostPort>` cannot be published (podman#12690).
enum LocalnetRouting {
    /// Sets `net.ipv4.conf.<if>.route_localnet=1` on the interface the host routes `address`
    /// through (the bridge for a bridge network), as the reference does. An address the host has no
    /// route to is left alone (the reference ignores it too); a failed write is an error.
    /// Equivalent to `sysctl -w net.ipv4.conf.$(ip route get <address> | dev).route_localnet=1`.
    static func enable(towards address: IPAddress, in host: NetworkStack) throws(PortMapError) {
        let name: String
        do {
            let netlink = host.netlink
            guard let index = try netlink.route(to: address).outputInterface, let link = try netlink.link(index: index) else {
                return
            }
            name = link.name
        } catch {
            return
        }
        do {
            try host.setSysctl("net/ipv4/conf/\(name)/route_localnet", to: "1")
        } catch {
            throw PortMapError(.system, "unable to enable route_localnet: \(error)")
        }
    }
}
