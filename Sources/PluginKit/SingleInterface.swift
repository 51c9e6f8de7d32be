import CNI
import LinuxNet
import NetAddress
import Netlink

/// What the plugins with one container interface and nothing on the host share (macvlan, ipvlan,
/// vlan, dummy, tap, host-device): the second half of ADD once the link is in the container, CHECK
/// against `prevResult`, and DEL of the link and the lease. Each plugin creates (or moves) its link
/// itself and says how its reference treats IPAM, DNS and the notify sysctls.
public struct SingleInterface {
    /// How the plugin's reference uses IPAM.
    public enum IPAMUse: Sendable {
        /// No `ipam.type` means an L2-only interface, brought up without addresses.
        case optional
        /// An `ipam.type` is required; without one, ADD, CHECK and STATUS fail with this message.
        case required(String)
    }

    /// Sysctls written (best effort) on the container interface before it is configured, so the
    /// kernel announces its addresses (gratuitous ARP, unsolicited neighbour advertisements).
    public struct Notify: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `net/ipv4/conf/<if>/arp_notify=1`.
        public static let arp = Notify(rawValue: 1)
        /// `net/ipv6/conf/<if>/ndisc_notify=1`.
        public static let ndisc = Notify(rawValue: 2)
    }

    public var context: PluginContext
    public var ipam: IPAMUse
    public var notify: Notify
    /// The plugin's namespaces.
    public var resources: HostResources

    public init(_ context: PluginContext, ipam: IPAMUse, notify: Notify = [], resources: HostResources = .process) {
        self.context = context
        self.ipam = ipam
        self.notify = notify
        self.resources = resources
    }

    /// `ipam.type`, "" when none.
    public var ipamType: String { context.config.ipam?.type ?? "" }

    /// Refuses a request without an IPAM type when the plugin requires one (code 7).
    public func requireIPAMIfNeeded() throws(PluginError) {
        if case .required(let message) = ipam, ipamType.isEmpty {
            throw PluginError(.invalidConfig, message)
        }
    }

    /// The result's entry for the container interface `link`.
    public func resultInterface(_ link: Link) -> CNIResult.Interface {
        CNIResult.Interface(name: link.name, mac: link.mac?.description, sandbox: context.netns)
    }

    /// ADD of a link ``ContainerLink`` makes: the link created (and removed again when a later step
    /// fails), then ``configure(_:interface:in:rollback:addresses:keepIPAMDNS:)``.
    public func add(_ request: ContainerLink.Request, addresses: CNIResult? = nil, keepIPAMDNS: Bool = false) throws -> CNIResult {
        let rollback = Rollback()
        defer { rollback.runIfNeeded() }
        let link = try ContainerLink.create(request)
        rollback.add { try ContainerLink.delete(named: request.name, in: request.container) }
        let result = try configure(
            link, interface: resultInterface(link), in: request.container, rollback: rollback, addresses: addresses,
            keepIPAMDNS: keepIPAMDNS)
        rollback.commit()
        return result
    }

    /// ADD after the link exists in `container`: with an IPAM type, IPAM's ADD (its DEL registered
    /// on `rollback`), every address on interface 0, the notify sysctls and the result applied
    /// (addresses, link up, routes); without one, the link brought up. The result lists
    /// `interface`; its DNS is the config's (`keepIPAMDNS`: IPAM's unless the config sets one).
    /// `addresses` comes instead of IPAM when given (a chained ipvlan configures `prevResult`'s).
    public func configure(
        _ link: Link, interface: CNIResult.Interface, in container: NetworkStack, rollback: Rollback,
        addresses given: CNIResult? = nil, keepIPAMDNS: Bool = false
    ) throws -> CNIResult {
        var result: CNIResult
        if let given {
            result = given
        } else if !ipamType.isEmpty {
            let ipam = context.ipam
            result = try ipam.execAdd()
            rollback.add { try ipam.execDel() }
            guard !result.ips.isEmpty else { throw PluginError(.internal, "IPAM plugin returned missing IP config") }
        } else {
            try InterfaceError.wrappingUp(link, in: container)
            return CNIResult(interfaces: [interface], dns: context.config.dns ?? DNS())
        }
        result.interfaces = [interface]
        result.assignIPs(toInterface: 0)
        if !keepIPAMDNS || context.config.dns != nil { result.dns = context.config.dns ?? DNS() }
        if !notify.isEmpty { Self.announce(link.name, notify, in: container) }
        try InterfaceConfiguration(result: result, ifName: link.name).apply(in: container)
        return result
    }

    /// The notify sysctls, best effort (a key is missing where IPv6 is off).
    static func announce(_ ifName: String, _ notify: Notify, in stack: NetworkStack) {
        _ = try? stack.sysctls { sysctls in
            if notify.contains(.arp) { _ = try? sysctls.set("net/ipv4/conf/\(ifName)/arp_notify", to: "1") }
            if notify.contains(.ndisc) { _ = try? sysctls.set("net/ipv6/conf/\(ifName)/ndisc_notify", to: "1") }
        }
    }

    // MARK: CHECK

    /// CHECK of what ADD made, as `prevResult` describes it: IPAM's CHECK (with an IPAM type), the
    /// container interface named CNI_IFNAME in CNI_NETNS's sandbox, of `kind` (nil: any), with the
    /// result's MAC, passing `validate`; every address of interface 0 on it and every route of the
    /// result in the container. `prevResult` is required (`missingMessage`, code 7).
    public func check(
        kind: LinkKind?, missingMessage: String = "Required prevResult missing", master: () throws -> Void = {},
        validate: (Link) throws -> Void = { _ in }
    ) throws {
        try requireIPAMIfNeeded()
        let container = try resources.container(context)
        if !ipamType.isEmpty { try context.ipam.execCheck() }
        let previous = try context.config.requirePrevResult(missingMessage)
        guard let (index, _) = previous.interface(named: context.ifName, sandbox: context.netns) else {
            throw PluginError(.internal, "Sandbox in prevResult doesn't match configured netns: \(context.netns)")
        }
        try master()
        let link = try ContainerCheck.interface(context.ifName, of: previous, sandbox: context.netns, in: container, kind: kind)
        try validate(link)
        try ContainerCheck.addresses(of: previous, interface: index, on: link, in: container)
        try ContainerCheck.routes(of: previous, in: container)
    }

    // MARK: DEL

    /// DEL: the container link (when the namespace and the link still exist) and the IPAM lease,
    /// each attempted whatever happened to the other, the link first so that an address is never
    /// handed out again while still configured.
    public func delete() throws {
        var errors = CleanupErrors()
        let opened = errors.run("open \(context.netns)") { try resources.containerForDelete(context) }
        if let container = opened ?? nil {
            errors.run("delete \(context.ifName)") { try ContainerLink.delete(named: context.ifName, in: container) }
        }
        if !ipamType.isEmpty {
            errors.run("release IPAM") { try context.ipam.execDel() }
        }
        try errors.throwIfAny()
    }

    /// GC: IPAM's (the links of stale attachments went with their namespaces).
    public func gc() throws {
        if !ipamType.isEmpty { try context.ipam.execGC() }
    }

    /// STATUS: IPAM's (its error passed on unchanged, as the spec asks).
    public func status() throws {
        try requireIPAMIfNeeded()
        if !ipamType.isEmpty { try context.ipam.execStatus() }
    }
}

extension InterfaceError {
    /// Brings `link` up in `stack`, naming it in the error.
    static func wrappingUp(_ link: Link, in stack: NetworkStack) throws {
        do {
            try stack.netlink.setUp(link)
        } catch {
            throw InterfaceError(.systemFailure, interface: link.name, message: "failed to set \"\(link.name)\" up", cause: error)
        }
    }
}
