import CNI
import Glibc
import NetAddress

/// The host-local IPAM plugin: addresses from ranges, remembered in `<dataDir>/<network>/`.
/// It never enters the container's namespace; bridge and ptp delegate to it.
public struct HostLocalPlugin: CNIPlugin {
    public init() {}

    /// `CNI_ARGS` may carry `IP` (a requested address); anything else needs `IgnoreUnknown=1`.
    public var knownArgs: Set<String>? { ["IP"] }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try HostLocalConfig(context.config, args: context.args)
        let owner = try LeaseOwner(containerID: context.containerID, ifname: context.ifName)
        let dns = try config.resolvConf.map(ResolvConf.parse(path:)) ?? DNS()
        let allocations = try DiskAddressStore.withStore(config.location) { store in
            try Allocator.allocateAll(rangeSets: config.rangeSets, requested: config.requestedIPs, for: owner, store: store)
        }
        return CNIResult(
            ips: allocations.map { CNIResult.IPConfig(address: $0.address, gateway: $0.gateway) },
            routes: config.routes, dns: dns)
    }

    public func check(_ context: PluginContext) throws {
        let config = try HostLocalConfig(context.config, args: context.args)
        let owner = try LeaseOwner(containerID: context.containerID, ifname: context.ifName)
        try DiskAddressStore.withStore(config.location) { try LeaseOperations.check(owner, store: $0) }
    }

    public func delete(_ context: PluginContext) throws {
        let location = try HostLocalConfig.location(of: context.config)
        let owner = try LeaseOwner(containerID: context.containerID, ifname: context.ifName)
        try DiskAddressStore.withStore(location) { try LeaseOperations.release(owner, store: $0) }
    }

    /// With `cni.dev/valid-attachments`: releases every lease of this network held by an
    /// attachment not in the list. Without the key: releases only ownerless (empty or corrupt)
    /// leases; see `LeaseOperations.collectGarbage`.
    public func gc(_ context: PluginContext) throws {
        let location = try HostLocalConfig.location(of: context.config)
        let valid = context.config.validAttachments?.map { LeaseOwner(unchecked: $0.containerID, ifname: $0.ifName) }
        _ = try DiskAddressStore.withStore(location) { try LeaseOperations.collectGarbage(validAttachments: valid, store: $0) }
    }

    /// Code 50 when a range set has no free address, or the data dir cannot take a lease.
    public func status(_ context: PluginContext) throws {
        let config = try HostLocalConfig(context.config, args: context.args)
        do {
            try DiskAddressStore.withStore(config.location) { store in
                try store.checkWritable()
                try LeaseOperations.status(rangeSets: config.rangeSets, store: store)
            }
        } catch let e as HostLocalError {
            if case .io = e.kind { throw HostLocalError(.unavailable, "data dir unusable: \(e.message)") }
            throw e
        }
    }
}
