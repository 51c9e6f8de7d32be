import CNI

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "static") { StaticPlugin() } }

/// The static IPAM plugin: the addresses, routes and DNS of its config (or of `CNI_ARGS`,
/// `args.cni.ips`, `runtimeConfig.ips`) as the IPAM result. It allocates nothing and keeps no
/// state, so DEL and GC have nothing to do and STATUS is always ready.
///
/// Drop-in for the reference (same options, result and messages). Differences, on purpose:
/// - errors carry spec codes: 7 for the config, 4 for `CNI_ARGS`; a CHECK mismatch stays 999;
/// - a `null` route in `ipam.routes` is left out of the result (the reference prints `null`,
///   which no runtime can read back);
/// - an `Address` network given without a mask is refused (the reference prints `<nil>`).
public struct StaticPlugin: CNIPlugin {
    public init() {}

    /// The reference's config struct (`Net`) has none of the spec's other keys: a `dns` or
    /// `capabilities` of the wrong type at the top is not static's business on ADD. (CHECK reads
    /// `types.NetConf` too, as the reference does.)
    public var embedsNetConf: Bool { false }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try StaticConfig(context.config, args: context.args)
        return CNIResult(
            ips: config.addresses.map { CNIResult.IPConfig(address: $0.address, gateway: $0.gateway) },
            routes: config.routes, dns: config.dns)
    }

    /// Every configured address found in `prevResult` must carry the configured gateway (when
    /// one is configured). As in the reference, an address missing from `prevResult` is not
    /// an error: only a different gateway is.
    public func check(_ context: PluginContext) throws {
        let config = try StaticConfig(context.config, args: context.args)
        // The reference reads `prevResult` through `types.NetConf`, whose keys must then decode.
        let conf = try NetworkConfig(bytes: context.stdin)
        guard let previous = try conf.prevResult else {
            throw StaticError(.invalidConfig, "Required prevResult missing")
        }
        for configured in config.addresses {
            guard let found = previous.ips.first(where: { $0.address.address == configured.address.address }) else { continue }
            if let gateway = configured.gateway, gateway != found.gateway {
                throw StaticError(.mismatch, "static: Failed to match addr \(found.address.address) on interface \(context.ifName)")
            }
        }
    }

    /// Nothing was allocated; DEL never reads the config (a broken config or `CNI_ARGS` must
    /// not keep an attachment from being removed).
    public func delete(_ context: PluginContext) throws {}
}
