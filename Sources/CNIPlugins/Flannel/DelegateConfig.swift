import CNI

/// The config flannel hands its delegate (bridge by default): the `delegate` section completed
/// from the node's subnet file, as the reference renders it. Its JSON is what Go's
/// `json.Marshal` makes of the reference's map: keys sorted at every map level, routes in
/// `types.Route`'s field order, numbers as Go prints a `float64`.
///
/// Completed keys (each only when the section does not set it, except `name`, `cniVersion` and
/// `ipam`, which flannel owns):
/// - `name` (the network's), `cniVersion` (the network's, when set), `type` ("bridge");
/// - `ipMasq`: the opposite of `FLANNEL_IPMASQ` (masquerade here when flanneld does not);
/// - `mtu`: `FLANNEL_MTU`; for bridge, `isGateway`: true;
/// - `runtimeConfig`: the network's;
/// - `ipam`: the network's `ipam` section with `type` "host-local" by default, `ranges` one set
///   per family of the node's subnets, and `routes` the section's own followed by one per
///   cluster network.
public enum DelegateConfig {
    public static func render(_ config: FlannelConfig, _ env: SubnetEnv) throws(FlannelError) -> JSONObject {
        var delegate = config.delegate ?? JSONObject()
        if let type = delegate["type"], type.stringValue == nil {
            throw FlannelError(.invalidConfig, "'delegate' dictionary, if present, must have (string) 'type' field")
        }
        if delegate.contains("name") {
            throw FlannelError(.invalidConfig, "'delegate' dictionary must not have 'name' field, it'll be set by flannel")
        }
        if delegate.contains("ipam") {
            throw FlannelError(.invalidConfig, "'delegate' dictionary must not have 'ipam' field, it'll be set by flannel")
        }
        if let runtime = config.runtimeConfig { delegate["runtimeConfig"] = .object(runtime) }
        delegate["name"] = .string(config.name)
        if !delegate.contains("type") { delegate["type"] = "bridge" }
        if !delegate.contains("ipMasq"), let masq = env.ipMasq { delegate["ipMasq"] = .bool(!masq) }
        if !delegate.contains("mtu"), let mtu = env.mtu { delegate["mtu"] = .number(JSONNumber(Int(mtu))) }
        if delegate["type"]?.stringValue == "bridge" && !delegate.contains("isGateway") { delegate["isGateway"] = true }
        if !config.cniVersion.isEmpty { delegate["cniVersion"] = .string(config.cniVersion) }
        delegate["ipam"] = .object(try ipam(config, env))
        return delegate.sortedKeys
    }

    /// The delegate's `ipam` section.
    static func ipam(_ config: FlannelConfig, _ env: SubnetEnv) throws(FlannelError) -> JSONObject {
        var ipam = config.ipam ?? JSONObject()
        if !ipam.contains("type") { ipam["type"] = "host-local" }
        var ranges: [JSONValue] = []
        for subnet in [env.subnet, env.ipv6Subnet].compactMap({ $0 }) {
            ranges.append([["subnet": .string(subnet.description)]])
        }
        ipam["ranges"] = .array(ranges)
        // The section's routes, read as `[]types.Route` (and written back in its field order).
        var routes: [JSONValue] = []
        if let given = ipam["routes"] {
            do {
                for element in try GoValue(root: given, subject: "ipam.routes").slice() ?? [] {
                    routes.append(try CNIResult.Route(element).json)
                }
            } catch {
                throw FlannelError(
                    .invalidConfig, "failed to assemble Delegate IPAM: failed to read IPAM routes: failed to parse ipam.routes: \(error)")
            }
        }
        for network in env.networks + env.ipv6Networks {
            routes.append(["dst": .string(network.description)])
        }
        ipam["routes"] = .array(routes)
        return ipam.sortedKeys
    }
}
