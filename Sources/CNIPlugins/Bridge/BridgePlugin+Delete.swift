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
    /// Three strands run side by side. Deleting a veth mostly waits in the kernel (~10–30 ms in
    /// `rcu_barrier`), the firewall work mostly runs iptables-restore or waits on nftables, and
    /// IPAM DEL execs the IPAM plugin; the reference runs everything in a row.
    /// - The container interface's addresses are removed, then the interface is deleted (its veth
    ///   peer and bridge port go with it) on a thread of its own.
    /// - IPAM DEL runs on another as soon as the addresses are gone (after the link, if they could
    ///   not be removed), so an address is never handed out while still configured (plugins#666).
    ///   With dhcp IPAM, whose daemon sends DHCPRELEASE through the interface, IPAM DEL runs before
    ///   the interface is deleted, on that thread (the reference deletes the interface first, so
    ///   its dhcp leases are never released).
    /// - The spoof-check rules (found by container ID and interface name) and the masquerade rules
    ///   (found by chain name and comment; the addresses, read from the interface before it goes,
    ///   or else from `prevResult`, only narrow the work) are removed on this thread.
    ///
    /// A `CNI_NETNS` that is empty or no longer exists skips the interface only. (The reference then
    /// releases the address and stops, leaking the masquerade rules: plugins#810, nerdctl and ctr
    /// pass no netns.) The bridge, its addresses and the VLAN gateway stay, as the reference leaves them.
    public func delete(_ context: PluginContext) throws {
        let config = BridgeConfig(teardown: context.config)
        var errors = CleanupErrors()
        let container = try resources.containerForDelete(context)
        // dhcp releases its lease through the interface.
        let removal = ContainerVethRemoval(
            ifName: context.ifName, in: container, errors: &errors, linkOutlivesLease: config.ipamType == "dhcp")
        if config.isLayer3 {
            removal.releaseLease { try context.ipam.execDel() }
        }
        var addresses = removal.addresses

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
        errors.append(contentsOf: removal.join())
        try errors.throwIfAny()
    }
}
