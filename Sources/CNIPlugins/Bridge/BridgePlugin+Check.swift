import CNI
import Firewall
import LinuxNet
import Netlink
import PluginKit

extension BridgePlugin {
    /// CHECK, as the reference's `cmdCheck`: IPAM CHECK; the bridge of `prevResult` exists, is a
    /// bridge, has the listed MAC and the configured promiscuous state; the container interface is
    /// a veth in the sandbox with the listed MAC; some host interface of `prevResult` is its peer
    /// and a port of the bridge; every address (with a route to its subnet) and route is in place.
    ///
    /// Beyond the reference, the rules ADD installed are checked too (the spec asks for it): the
    /// masquerade rules with the configured backend, and the spoof-check rules.
    public func check(_ context: PluginContext) throws {
        let config = try BridgeConfig(context.config, args: context.args)
        let container = try resources.container(context)
        if config.isLayer3 { try context.ipam.execCheck() }
        let result = try context.config.requirePrevResult()
        let host = try resources.hostStack()

        let bridge = try checkBridge(result, config: config, host: host)
        guard let containerEntry = result.interface(named: context.ifName, sandbox: context.netns) else {
            throw BridgeError(.checkFailed, "CNI created interface in container \(context.ifName) not found in prevResult")
        }
        let containerLink = try ContainerCheck.interface(context.ifName, of: result, sandbox: context.netns, in: container)
        let hostEnd = try checkHostEnd(result, bridge: bridge, container: containerLink, host: host, config: config)

        try ContainerCheck.addresses(of: result, interface: containerEntry.index, on: containerLink, in: container)
        try ContainerCheck.routes(of: result, in: container)

        if config.isLayer3 && config.ipMasq {
            let attachment = MasqueradeAttachment(
                network: config.network, containerID: context.containerID, ifName: context.ifName,
                addresses: result.containerAddresses(ifName: context.ifName, sandbox: context.netns))
            try Masquerade(host: firewall).check(attachment, backend: config.ipMasqBackend)
        }
        if config.macSpoofCheck, let mac = containerLink.mac {
            try SpoofCheck(containerID: context.containerID, ifName: context.ifName, netfilter: firewall.netfilter)
                .check(hostInterface: hostEnd.name, mac: mac)
        }
    }

    /// The bridge `prevResult` lists under the configured name, as it is now.
    private func checkBridge(_ result: CNIResult, config: BridgeConfig, host: NetworkStack) throws -> Link {
        guard let entry = result.interfaces.first(where: { $0.name == config.bridge }) else {
            throw BridgeError(.checkFailed, "CNI created bridge \(config.bridge) in host namespace was not found in prevResult")
        }
        guard let link = try BridgeDevice.lookup(config.bridge, in: host) else {
            throw BridgeError(.checkFailed, "CNI created bridge \(config.bridge) in host namespace was not found")
        }
        guard link.kind == .bridge else {
            throw BridgeError(.checkFailed, "Interface \(config.bridge) does not have link type of bridge")
        }
        if let mac = entry.macAddress, link.mac != mac {
            throw BridgeError(.checkFailed, "Bridge interface \(config.bridge) Mac doesn't match: \(mac)")
        }
        let promiscuous = link.flags.contains(.promiscuous)
        if promiscuous != config.promiscMode {
            throw BridgeError(
                .checkFailed,
                "Bridge interface \(config.bridge) configured Promisc Mode \(config.promiscMode) doesn't match current state: \(promiscuous)")
        }
        return link
    }

    /// The host interface of `prevResult` that is the container end's veth peer and a port of `bridge`.
    private func checkHostEnd(
        _ result: CNIResult, bridge: Link, container: Link, host: NetworkStack, config: BridgeConfig
    ) throws -> Link {
        for entry in result.interfaces where entry.sandbox == nil || entry.sandbox == "" {
            guard entry.name != config.bridge, let link = try BridgeDevice.lookup(entry.name, in: host), link.kind == .veth,
                link.linkIndex == container.index, container.linkIndex == link.index, link.masterIndex == bridge.index
            else { continue }
            if let mac = entry.macAddress, link.mac != mac {
                throw BridgeError(.checkFailed, "Interface \(entry.name) Mac doesn't match: \(mac) not found")
            }
            return link
        }
        throw BridgeError(.checkFailed, "CNI veth created for bridge \(config.bridge) was not found")
    }
}
