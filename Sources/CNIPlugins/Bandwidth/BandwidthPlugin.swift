import CNI
import LinuxNet
import NetAddress
import Netlink
import PluginKit

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "bandwidth") { BandwidthPlugin() } }

/// The `bandwidth` plugin: chained after a veth plugin, it limits the container's traffic with
/// token buckets on the host side (``Shaping``): traffic into the container on the host veth,
/// traffic out of it on an ifb device (``IFBDevice``) that the host veth's received packets are
/// redirected to. All of it over rtnetlink, in the plugin's (host) namespace. Options:
/// ``BandwidthConfig``.
public struct BandwidthPlugin: CNIPlugin {
    /// The scheduler clock the bucket sizes are converted with (tests pin it).
    public var clock: PacketSchedulerClock
    /// The node's namespace (where the shaping happens) and the containers'.
    public var resources: HostResources

    public init(clock: PacketSchedulerClock = .current(), resources: HostResources = .process) {
        self.clock = clock
        self.resources = resources
    }

    /// The reference's versions (0.3.0 and later), and 1.1.0.
    public var supportedVersions: [String] { ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] }

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try BandwidthConfig(context.config)
        guard let limits = config.limits, !limits.isZero else {
            // Nothing to shape: prevResult goes on untouched (an empty result without one).
            return try context.config.prevResult ?? CNIResult(cniVersion: context.cniVersion)
        }
        var result = try context.config.requirePrevResult("must be called as chained plugin")
        let container = try resources.container(context)
        let host = try resources.hostStack().netlink
        let veth = try Self.hostVeth(of: context, result: result, container: container, host: host)

        let rollback = Rollback()
        defer { rollback.runIfNeeded() }
        if let ingress = limits.ingress {
            let shaping = Shaping(ingress, limits: limits, match: .source)
            try step("shape traffic into \(context.ifName) on \(veth.name)") {
                try apply(shaping, on: veth.index, host, rollback: rollback)
            }
        }
        if let egress = limits.egress {
            let name = IFBDevice.name(network: config.network, containerID: context.containerID)
            let ifb = try step("create \(name)") { () throws -> Link in
                // One of this attachment's, left by an ADD that never got its DEL.
                if let stale = try host.link(named: name), stale.linkType == .ifb { try host.deleteLink(stale) }
                try host.addLink(LinkSpec(name: name, type: .ifb, mtu: veth.mtu, txQueueLength: max(veth.txQueueLength ?? 0, 1000), up: true))
                guard let ifb = try host.link(named: name) else { throw PluginError(.internal, "\(name) vanished") }
                rollback.add { try host.deleteLink(ifb) }
                if let alias = IFBDevice.alias(network: config.network) { try host.setAlias(ifb, alias) }
                return ifb
            }
            result.interfaces.append(.init(name: name, mac: ifb.mac?.description))
            try step("redirect traffic from \(context.ifName) to \(name)") {
                let ingressQdisc = Self.ingressQdisc(veth.index)
                try host.addQdisc(ingressQdisc)
                rollback.add { try host.deleteQdisc(ingressQdisc) }
                try host.addFilter(Self.redirect(veth.index, to: ifb.index))
                // No undo of its own: the device's deletion takes it.
                try apply(Shaping(egress, limits: limits, match: .destination), on: ifb.index, host, rollback: nil)
            }
        }
        rollback.commit()
        return result
    }

    /// Deletes the attachment's ifb device (its shaping goes with it); the host veth's qdiscs go
    /// with the veth, which the interface plugin deletes next.
    public func delete(_ context: PluginContext) throws {
        let config = BandwidthConfig(lenient: context.config)
        let host = try resources.hostStack().netlink
        guard let ifb = try host.link(named: IFBDevice.name(network: config.network, containerID: context.containerID)) else { return }
        do {
            try host.deleteLink(ifb)
        } catch let error as NetlinkError where error.isNotFound {}
    }

    /// Every bucket, class and filter ADD made is there with its settings, and the redirect to
    /// the ifb device is in place.
    public func check(_ context: PluginContext) throws {
        let config = try BandwidthConfig(context.config)
        let result = try context.config.requirePrevResult("must be called as a chained plugin")
        guard let limits = config.limits, !limits.isZero else { return }
        let container = try resources.container(context)
        let host = try resources.hostStack().netlink
        let veth = try Self.hostVeth(of: context, result: result, container: container, host: host)
        if let ingress = limits.ingress {
            try check(Shaping(ingress, limits: limits, match: .source), on: veth, host)
        }
        if let egress = limits.egress {
            let name = IFBDevice.name(network: config.network, containerID: context.containerID)
            guard let ifb = try host.link(named: name) else { throw PluginError.check("get ifb device: \(name) not found") }
            try check(Shaping(egress, limits: limits, match: .destination), on: ifb, host)
            guard try host.qdiscs(interfaceIndex: veth.index).contains(where: { $0.kind == .ingress }),
                try host.filters(interfaceIndex: veth.index, parent: Self.ingressHandle).contains(where: { $0.redirect == ifb.index })
            else {
                throw PluginError.check("traffic from \(context.ifName) is not redirected from \(veth.name) to \(name)")
            }
        }
    }

    /// Deletes this network's ifb devices (ours carry its name in their alias) whose attachment is
    /// not in `cni.dev/valid-attachments`. Without the list nothing is known to be stale.
    public func gc(_ context: PluginContext) throws {
        guard let valid = context.config.validAttachments else { return }
        let network = BandwidthConfig(lenient: context.config).network
        let keep = Set(valid.map { IFBDevice.name(network: network, containerID: $0.containerID) })
        let host = try resources.hostStack().netlink
        var errors = CleanupErrors()
        for link in try host.links() where link.linkType == .ifb && !keep.contains(link.name) {
            guard IFBDevice.network(fromAlias: link.alias) == network else { continue }
            errors.run("delete \(link.name)") {
                do { try host.deleteLink(link) } catch let error as NetlinkError where error.isNotFound {}
            }
        }
        try errors.throwIfAny()
    }

    // MARK: helpers

    static let ingressHandle = TCHandle(major: 0xffff, minor: 0)

    static func ingressQdisc(_ index: Int32) -> Qdisc {
        Qdisc(interfaceIndex: index, handle: ingressHandle, parent: .ingress, kind: .ingress)
    }

    /// `tc filter add dev <veth> parent ffff: protocol all prio 1 u32 match u32 0 0 flowid 1:1
    /// action mirred egress redirect dev <ifb>` (one action: the reference's netlink library adds
    /// a second, unreachable copy after the first's `stolen`).
    static func redirect(_ index: Int32, to ifb: Int32) -> U32Filter {
        U32Filter(interfaceIndex: index, parent: ingressHandle, priority: 1, protocolType: EtherType.all, classID: Shaping.unshapedClass, redirect: ifb)
    }

    /// The qdisc (its removal registered with `rollback`), its classes and filters.
    private func apply(_ shaping: Shaping, on index: Int32, _ host: RouteNetlink, rollback: Rollback?) throws {
        let qdisc = shaping.qdisc(on: index)
        try host.addQdisc(qdisc)
        rollback?.add { try host.deleteQdisc(qdisc) }
        for htb in shaping.classes(on: index, clock: clock) { try host.addClass(htb) }
        for filter in shaping.filters(on: index) { try host.addFilter(filter) }
    }

    private func check(_ shaping: Shaping, on link: Link, _ host: RouteNetlink) throws {
        let all = try host.qdiscs(interfaceIndex: link.index)
        // Debian's 1.1.1 shapes with one TBF qdisc instead: its ADD passes with the rate it set.
        if let tbf = all.first(where: { $0.parent == .root }), case .tbf(let options) = tbf.kind {
            guard options.rate == shaping.bucket.bytesPerSecond else {
                throw PluginError.check("tbf rate of \(link.name) is \(options.rate) B/s, configured \(shaping.bucket.bytesPerSecond)")
            }
            return
        }
        let qdiscs = all.filter { if case .htb = $0.kind { true } else { false } }
        guard qdiscs.count == 1, let qdisc = qdiscs.first, case .htb(let options) = qdisc.kind, qdisc.handle == Shaping.root else {
            throw PluginError.check("\(link.name) has \(qdiscs.count) htb qdiscs, not the one at 1:")
        }
        guard options.defaultClass == UInt32(shaping.defaultClass.minor) else {
            throw PluginError.check("default class of \(link.name) is \(options.defaultClass), not \(shaping.defaultClass.minor)")
        }
        let classes = try host.classes(interfaceIndex: link.index)
        for want in shaping.classes(on: link.index, clock: clock) {
            guard let have = classes.first(where: { $0.handle == want.handle }) else {
                throw PluginError.check("class \(want.handle) of \(link.name) is missing")
            }
            guard have.rate == want.rate, have.ceil == want.ceil, want.buffer == 0 || have.buffer == want.buffer else {
                throw PluginError.check(
                    "class \(want.handle) of \(link.name): rate \(have.rate) B/s, ceil \(have.ceil), buffer \(have.buffer); configured rate \(want.rate) B/s, ceil \(want.ceil), buffer \(want.buffer)")
            }
        }
        let filters = try host.filters(interfaceIndex: link.index, parent: Shaping.root)
        for want in shaping.filters(on: link.index) {
            guard filters.contains(where: { $0.keys == want.keys && $0.classID == want.classID && $0.protocolType == want.protocolType }) else {
                throw PluginError.check("\(link.name) has no filter sending \(want.keys.map { "\($0.value)/\($0.mask) at \($0.offset)" }) to \(want.classID.map { "\($0)" } ?? "?")")
            }
        }
    }

    /// The host end of the container interface's veth, which prevResult must list as a host
    /// interface (the reference's `getHostInterface`).
    static func hostVeth(of context: PluginContext, result: CNIResult, container: NetworkStack, host: RouteNetlink) throws -> Link {
        guard let inside = try container.netlink.link(named: context.ifName), inside.kind == .veth, let peer = inside.linkIndex else {
            throw PluginError(.internal, "container interface \(context.ifName) has no veth peer")
        }
        guard let veth = try host.link(index: peer), veth.kind == .veth, veth.linkIndex == inside.index else {
            throw PluginError(.internal, "veth peer with index \(peer) is not in host ns")
        }
        guard result.interfaces.contains(where: { ($0.sandbox ?? "").isEmpty && $0.name == veth.name }) else {
            throw PluginError(.internal, "no veth peer of container interface found in host ns")
        }
        return veth
    }

    private func step<T>(_ doing: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as NetlinkError {
            throw PluginError.system(doing, error)
        }
    }
}
