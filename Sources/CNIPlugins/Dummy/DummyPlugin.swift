import CNI
import LinuxNet
import Netlink
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "dummy") { DummyPlugin() } }

/// The `dummy` plugin: a dummy link in the container with the IPAM result on it (an address the
/// container's applications can use that routes nowhere). It has no options of its own; `ipam` is
/// required, and the result keeps IPAM's DNS.
///
/// The link is created from the container's own namespace, so a node link of the same name does
/// not get in the way (the reference's creation from the node's namespace fails then). DEL reads
/// no option; GC and STATUS are forwarded to IPAM.
public struct DummyPlugin: CNIPlugin {
    /// The node's and the containers' namespaces.
    public var resources: HostResources

    public init(resources: HostResources = .process) {
        self.resources = resources
    }

    func single(_ context: PluginContext) -> SingleInterface {
        SingleInterface(context, ipam: .required("dummy interface requires an IPAM configuration"), resources: resources)
    }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let single = single(context)
        try single.requireIPAMIfNeeded()
        let container = try resources.container(context)
        return try single.add(
            .init(type: .dummy, name: context.ifName, creator: container, container: container), keepIPAMDNS: true)
    }

    public func check(_ context: PluginContext) throws {
        try single(context).check(kind: LinkType.dummy.kind, missingMessage: "dummy: Required prevResult missing", validate: { link in
            guard link.isUp else { throw PluginError(.internal, "Interface \(link.name) is down") }
        })
    }

    public func delete(_ context: PluginContext) throws { try single(context).delete() }
    public func gc(_ context: PluginContext) throws { try single(context).gc() }
    public func status(_ context: PluginContext) throws { try single(context).status() }
}
