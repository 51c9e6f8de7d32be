import CNI
import Glibc
import NetAddress

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "host-local") { HostLocalPlugin() } }

/// The host-local IPAM plugin: addresses from ranges, remembered in `<dataDir>/<network>/`.
/// It never enters the container's namespace; bridge and ptp delegate to it.
///
/// Drop-in for the reference: same options, result and messages, and the same files
/// (`<ip>` holding `<containerID>\r\n<ifname>`, `last_reserved_ip.<set>`, `lock` under flock), so
/// either binary can take over a node's leases. Where it differs, on purpose:
/// - ADD, DEL and CHECK read a handful of files whatever the number of leases, through a cache in
///   `<dataDir>/.swift-cni/<network>/` that is verified against the leases and rebuilt from them
///   whenever anything else touched the lease directory (see `LeaseIndex`). Deleting that
///   directory is always safe.
/// - A lease appears whole or not at all (scratch file, then `link`); an exhausted pool first
///   reclaims ownerless leases (empty or corrupt files left by a crashed writer).
/// - A failed multi-set ADD releases only what it reserved; the network's lock is held for the
///   whole ADD rather than per range set.
/// - GC (spec 1.1.0) releases every lease whose attachment is not in `cni.dev/valid-attachments`
///   (legacy ID-only leases by container ID), and ownerless leases. Without the key it releases
///   only ownerless leases: an absent list says nothing about which attachments are alive.
/// - STATUS (1.1.0) fails with code 50 when any range set has no free address (ADD needs one from
///   each) or the data dir cannot take a lease (missing and not creatable, read-only, full).
/// - DEL and GC need only the network name and `dataDir`, so leases are released even when the
///   config's ranges, or anything else but the envelope, no longer validate (the teardown rule,
///   `GoValue+Teardown.swift`); an unreadable `dataDir` means the default one.
/// - Errors carry spec codes: 7 for config, 4 for CNI_ARGS, 5 for I/O, 50 for STATUS; pool and
///   lookup failures stay 999 as in the reference. New lease directories are 0700, files 0600.
public struct HostLocalPlugin: CNIPlugin {
    public init() {}

    /// `CNI_ARGS` may carry `IP` (a requested address); anything else needs `IgnoreUnknown=1`.
    public var knownArgs: Set<String>? { ["IP"] }

    /// The reference's config struct (`Net`) has none of the spec's other keys: a `dns` or
    /// `capabilities` of the wrong type is not host-local's business.
    public var embedsNetConf: Bool { false }

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
        let location = try HostLocalConfig.location(teardown: context.config)
        let owner = try LeaseOwner(containerID: context.containerID, ifname: context.ifName)
        try DiskAddressStore.withStore(location) { try LeaseOperations.release(owner, store: $0) }
    }

    /// With `cni.dev/valid-attachments`: releases every lease of this network held by an
    /// attachment not in the list. Without the key: releases only ownerless (empty or corrupt)
    /// leases; see `LeaseOperations.collectGarbage`.
    public func gc(_ context: PluginContext) throws {
        let location = try HostLocalConfig.location(teardown: context.config)
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
            if case .io = e.code { throw HostLocalError(.unavailable, "data dir unusable: \(e.message)") }
            throw e
        }
    }
}
