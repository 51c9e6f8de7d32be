import CNI
import Firewall
import LinuxNet
import Netlink
import NetAddress
import PluginKit

extension BridgePlugin {
    /// DEL, best-effort: every step runs even when an earlier one failed, the failures are
    /// reported together, and anything already gone counts as done.
    ///
    /// Two strands run side by side. Deleting a veth mostly waits in the kernel (~10–30 ms in
    /// `rcu_barrier`), while the firewall work mostly runs iptables-restore, so they overlap well;
    /// the reference runs everything in a row.
    /// - The container interface is deleted (its veth peer and bridge port go with it), then IPAM
    ///   DEL runs, in that order, so an address is never handed out while still configured
    ///   (plugins#666). With dhcp IPAM, whose daemon sends DHCPRELEASE through the interface,
    ///   the addresses are removed first, then IPAM DEL runs, then the interface is deleted (the
    ///   reference deletes the interface first, so its dhcp leases are never released).
    /// - The spoof-check rules (found by container ID and interface name) and the masquerade rules
    ///   (found by chain name and comment; the addresses, read from the interface before it goes,
    ///   or else from `prevResult`, only narrow the work) are removed.
    ///
    /// A `CNI_NETNS` that is empty or no longer exists skips the interface only. (The reference then
    /// releases the address and stops, leaking the masquerade rules: plugins#810, nerdctl and ctr
    /// pass no netns.) The bridge, its addresses and the VLAN gateway stay, as the reference leaves them.
    public func delete(_ context: PluginContext) throws {
        let config = BridgeConfig(teardown: context.config)
        var errors = CleanupErrors()
        var addresses: [IPNetwork] = []
        var removal: (stack: NetworkStack, link: Link)?
        if let container = try resources.containerForDelete(context) {
            // A link that vanishes meanwhile is simply not found.
            let found = errors.run("look up \"\(context.ifName)\"") { try VethPair.lookup(named: context.ifName, in: container) }
            if let (link, global) = found ?? nil {
                addresses = global
                removal = (container, link)
            }
        }
        // The container's socket and the IPAM delegate are used by this strand only until it is joined.
        let leaseNeedsInterface = config.ipamType == "dhcp"
        let global = addresses
        let interfaceAndLease = ConcurrentStep { () -> CleanupErrors in
            var strand = CleanupErrors()
            let deleteInterface = {
                guard let removal else { return }
                strand.run("delete \"\(context.ifName)\"") { () throws in
                    do {
                        try removal.stack.netlink.deleteLink(removal.link)
                    } catch let error as NetlinkError where error.isNotFound {
                    }
                }
            }
            if leaseNeedsInterface, let removal {
                // dhcp releases its lease through the interface: the addresses go first (no
                // address is still configured once it is released), the interface after.
                strand.run("remove the addresses of \"\(context.ifName)\"") { () throws in
                    for address in global {
                        do {
                            try removal.stack.netlink.deleteAddress(Address(address, index: removal.link.index))
                        } catch let error as NetlinkError where error.isNotFound {
                        }
                    }
                }
            } else {
                deleteInterface()
            }
            if config.isLayer3 {
                strand.run("IPAM DEL") { try context.ipam.execDel() }
            }
            if leaseNeedsInterface { deleteInterface() }
            return strand
        }

        if addresses.isEmpty, let previous = context.config.readablePrevResult {
            addresses = previous.containerAddresses(ifName: context.ifName, sandbox: context.netns)
        }
        if config.macSpoofCheck {
            errors.run("spoof check teardown") { () throws in
                try SpoofCheck(containerID: context.containerID, ifName: context.ifName, netfilter: firewall.netfilter).teardown()
            }
        }
        if config.isLayer3 && config.ipMasq {
            let attachment = MasqueradeAttachment(
                network: config.network, containerID: context.containerID, ifName: context.ifName, addresses: addresses)
            errors.run("masquerade teardown") { () throws in
                try Masquerade(host: firewall).teardown(attachment)
            }
        }
        // The strand reports its own failures; `join` itself fails only if the strand threw.
        if let strand = errors.run("DEL", { try interfaceAndLease.join() }) {
            errors.append(contentsOf: strand)
        }
        try errors.throwIfAny()
    }
}
