import CNI
import Firewall
import LinuxNet
import NetAddress
import Netlink
import PluginKit

extension BridgePlugin {
    /// ADD, in the reference's order:
    ///
    /// 1. the bridge (created if missing, up); 2. the veth pair, created from the container
    /// namespace with its host end placed directly in the host namespace; 3. the host end made a
    /// port (master, hairpin, isolation, VLANs); 4. spoof-check rules; 5. IPAM ADD; 6. in the
    /// container: `accept_dad`, `arp_notify`, addresses, link up, routes; 7. gateway addresses on
    /// the bridge (or the VLAN gateway) and forwarding; 8. masquerade (on its own thread, beside
    /// 6, 7 and 9); 9. wait until the host end forwards; 10. the result, with both MACs read again.
    ///
    /// Every side effect after the bridge registers its undo, so a failed ADD leaves no veth,
    /// lease or rule. Differences from the reference: the netns is opened before the bridge is
    /// touched (a bad `CNI_NETNS` changes nothing); the port wait polls at 1, 2, 4, … ms instead
    /// of sleeping 50 ms at the first miss; a repeated spoof-check setup keeps one PREROUTING jump.
    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try BridgeConfig(context.config, args: context.args)
        let host = try resources.hostStack()
        let container = try resources.container(context)
        let bridge = try BridgeDevice.ensure(config, in: host)

        let rollback = Rollback()
        defer { rollback.runIfNeeded() }
        let pair = try VethPair.create(
            .init(containerName: context.ifName, mtu: config.mtu, containerMAC: config.mac, container: container, host: host))
        // Deleting either end removes both, and with them the bridge port and its VLANs.
        rollback.add { try container.netlink.deleteLink(pair.container) }
        try BridgePortSettings(config).apply(to: pair.host, bridge: bridge, netlink: host.netlink)

        var result = CNIResult(cniVersion: context.cniVersion)
        result.interfaces = [
            .init(name: bridge.name, mac: bridge.mac?.description),
            .init(name: pair.host.name, mac: pair.host.mac?.description),
            .init(name: pair.container.name, mac: pair.container.mac?.description, sandbox: context.netns),
        ]

        if config.macSpoofCheck {
            guard let mac = pair.container.mac else {
                throw BridgeError(.system, "container interface \"\(context.ifName)\" has no MAC address to check")
            }
            let spoofCheck = SpoofCheck(containerID: context.containerID, ifName: context.ifName, netfilter: firewall.netfilter)
            try spoofCheck.setup(hostInterface: pair.host.name, mac: mac)
            rollback.add { try spoofCheck.teardown() }
        }

        var masquerading: ConcurrentStep<Void>?
        if config.isLayer3 {
            masquerading = try configureAddresses(
                &result, config: config, bridge: bridge, context: context, host: host, container: container, rollback: rollback)
        } else if !config.disableContainerInterface {
            // L2 only: nothing configures the container end, so it is brought up here.
            try BridgeError.wrapping(.system, "failed to set \"\(context.ifName)\" up") {
                try container.netlink.setUp(pair.container)
            }
        }

        var hostEnd = pair.host
        if !config.disableContainerInterface {
            hostEnd = try PortState.waitUntilUp(pair.host, in: host)
        }
        // Either MAC may have changed: a port's joining, or the gateway address's MAC pin.
        result.interfaces[1].mac = hostEnd.mac?.description
        guard let current = try BridgeDevice.lookup(config.bridge, in: host), current.kind == .bridge else {
            throw BridgeError(.notABridge, "bridge \"\(config.bridge)\" vanished during ADD")
        }
        result.interfaces[0].mac = current.mac?.description
        if let dns = config.dns { result.dns = dns }
        try masquerading?.join()

        rollback.commit()
        return result
    }

    /// Steps 5 to 8: IPAM, the container's addresses and routes, the gateway, masquerade.
    ///
    /// The masquerade rules need only the addresses, and installing them is mostly waiting for
    /// iptables-save and iptables-restore, so they go on a thread of their own as soon as IPAM has
    /// answered; the returned step is joined once the rest of ADD is done.
    private func configureAddresses(
        _ result: inout CNIResult, config: BridgeConfig, bridge: Link, context: PluginContext, host: NetworkStack,
        container: NetworkStack, rollback: Rollback
    ) throws -> ConcurrentStep<Void>? {
        let ipam = context.ipam
        let allocation = try ipam.execAdd()
        rollback.add { try ipam.execDel() }
        result.ips = allocation.ips
        result.routes = allocation.routes
        result.dns = allocation.dns
        guard !result.ips.isEmpty else { throw BridgeError(.noAddresses, "IPAM plugin returned missing IP config") }
        let gateways = Gateways(result: &result, config: config)

        let ifName = context.ifName
        var masquerading: ConcurrentStep<Void>?
        if config.ipMasq {
            let attachment = MasqueradeAttachment(
                network: config.network, containerID: context.containerID, ifName: ifName,
                addresses: result.ips.map(\.address))
            let masquerade = Masquerade(host: firewall)
            let backend = config.ipMasqBackend
            // Works in the namespace of the thread that creates it: this one, the host's.
            let step = ConcurrentStep { () throws in try masquerade.setup(attachment, backend: backend) }
            masquerading = step
            rollback.add {
                _ = try? step.join()
                try masquerade.teardown(attachment)
            }
        }
        let enableDAD = config.enableDAD
        try container.sysctls { sysctls in
            // DAD is off unless asked for: with hairpin the interface hears its own probes, and
            // waiting for it cost pods seconds (plugins#680, PR#695). Best effort, as the
            // reference: the IPv6 keys are missing when IPv6 is off.
            if enableDAD {
                _ = try? sysctls.set("net/ipv6/conf/\(ifName)/enhanced_dad", to: "1")
                _ = try? sysctls.set("net/ipv6/conf/\(ifName)/accept_dad", to: "1")
            } else {
                _ = try? sysctls.set("net/ipv6/conf/\(ifName)/accept_dad", to: "0")
            }
            // A gratuitous ARP when the link comes up refreshes neighbours that cached an old MAC.
            _ = try? sysctls.set("net/ipv4/conf/\(ifName)/arp_notify", to: "1")
        }
        var interface = try InterfaceConfiguration(result: result, ifName: ifName)
        // Even without DAD a new IPv6 address is tentative until the kernel's DAD work runs, a
        // moment later; polling every 50 ms, as the reference does, costs 50 ms per ADD then.
        interface.settleInterval = enableDAD ? .milliseconds(10) : .milliseconds(1)
        try interface.apply(in: container)

        if config.isGateway && !gateways.addresses.isEmpty {
            var target = bridge
            if config.vlan != 0 {
                target = try BridgeDevice.ensureVLANGateway(bridge: bridge, config: config, in: host)
                result.interfaces.append(.init(name: target.name, mac: target.mac?.description))
            }
            do {
                for address in gateways.addresses {
                    try BridgeDevice.ensureAddress(address, on: target, pinning: target.mac, force: config.forceAddress, in: host)
                }
            } catch var error as BridgeError {
                error.message = "failed to set bridge addr: " + error.message
                throw error
            }
            try BridgeError.wrapping(.system, "failed to enable forwarding") {
                try IPForwarding.enable(gateways.families, in: host)
            }
        }

        return masquerading
    }
}
