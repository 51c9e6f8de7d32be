import CNI
import Firewall
import LinuxNet
import NetAddress
import PluginKit

extension BridgePlugin {
    /// DEL, best-effort: every step runs even when an earlier one failed, the failures are
    /// reported together, and anything already gone counts as done.
    ///
    /// 1. The container interface is deleted (its veth peer and port go with it), and its
    ///    addresses remembered. A `CNI_NETNS` that is empty or no longer exists skips this step
    ///    only; the reference then releases the address and stops, leaking the masquerade rules
    ///    (plugins#810, nerdctl/ctr pass no netns).
    /// 2. IPAM DEL, after the interface is gone, so the address is never handed out while still
    ///    configured (plugins#666).
    /// 3. The spoof-check rules (they are found by container ID and interface name).
    /// 4. The masquerade rules, found by name and comment; the addresses only narrow the work.
    ///    When the link was already gone they come from `prevResult`, if the runtime sent it.
    ///
    /// The bridge, its addresses and the VLAN gateway stay, as the reference leaves them.
    public func delete(_ context: PluginContext) throws {
        let config = BridgeConfig(lenient: context.config)
        var errors = CleanupErrors()
        var addresses: [IPNetwork] = []
        if let container = try ContainerNamespace.openForDelete(context) {
            let removed = errors.run("delete \"\(context.ifName)\"") { () throws -> [IPNetwork]? in
                try VethPair.delete(named: context.ifName, in: container)
            }
            addresses = (removed ?? nil) ?? []
        }
        if addresses.isEmpty, let previous = context.config.prevResult {
            let index = previous.interface(named: context.ifName, sandbox: context.netns)?.index
            addresses = previous.ips.filter { index == nil || $0.interface == nil || $0.interface == index }.map(\.address)
        }
        if config.isLayer3 {
            errors.run("IPAM DEL") { try context.ipam.execDel() }
        }
        if config.macSpoofCheck {
            errors.run("spoof check teardown") { () throws in
                try SpoofCheck(containerID: context.containerID, ifName: context.ifName).teardown()
            }
        }
        if config.isLayer3 && config.ipMasq {
            let attachment = MasqueradeAttachment(
                network: config.network, containerID: context.containerID, ifName: context.ifName, addresses: addresses)
            errors.run("masquerade teardown") { () throws in
                try firewall { () throws(FirewallError) in try Masquerade().teardown(attachment) }
            }
        }
        try errors.throwIfAny()
    }
}
