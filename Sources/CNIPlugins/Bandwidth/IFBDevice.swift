import NetAddress
import Netlink

/// The ifb device that shapes a container's egress: the host veth's received traffic (the
/// container's sent traffic) is redirected to it and leaves it through its HTB qdisc.
///
/// Its name is the reference's, `bwp` + 12 hex of sha512(network + containerID), so either
/// implementation finds the other's device on DEL. Ours also carry an alias naming the network
/// (`cni bandwidth network=<name>`), which lets GC find the devices of a network whose
/// attachments are gone; devices without it (the reference's) are left to DEL.
enum IFBDevice {
    static func name(network: String, containerID: String) -> String {
        SHA512.name(length: 15, prefix: "bwp", of: network + containerID)
    }

    static let aliasPrefix = "cni bandwidth network="

    /// The alias for `network`; nil when it would not fit the kernel's 255 bytes.
    static func alias(network: String) -> String? {
        let alias = aliasPrefix + network
        return alias.utf8.count < 256 ? alias : nil
    }

    /// The network an alias of ours names.
    static func network(fromAlias alias: String?) -> String? {
        guard let alias, alias.hasPrefix(aliasPrefix) else { return nil }
        return String(alias.dropFirst(aliasPrefix.count))
    }
}
