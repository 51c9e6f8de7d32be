import CNI
import NetAddress

/// One attachment's port publishing: who it is (network, container, interface), where its traffic
/// goes (the container addresses, at most one per family) and what is published.
///
/// DEL and GC may know only the identity: addresses and mappings are then empty, and the backends
/// find the attachment's rules by name and tag instead.
public struct PortMapAttachment: Sendable {
    public var network: String
    public var containerID: String
    public var ifName: String
    /// The container's addresses with their prefix as IPAM gave them (`10.88.0.2/16`).
    public var addresses: [IPNetwork]
    public var mappings: [PortMapping]
    public var options: PortMapOptions

    public init(
        network: String, containerID: String, ifName: String, addresses: [IPNetwork] = [], mappings: [PortMapping] = [],
        options: PortMapOptions = PortMapOptions()
    ) {
        self.network = network
        self.containerID = containerID
        self.ifName = ifName
        self.addresses = addresses
        self.mappings = mappings
        self.options = options
    }

    /// "container ctr1 (network mynet, eth0)", for messages.
    public var label: String { "container \(containerID) (network \(network), \(ifName))" }

    /// The container address of `family`, if it has one.
    public func address(_ family: IPFamily) -> IPNetwork? { addresses.first { $0.family == family } }

    /// The mappings that publish to `family`.
    public func mappings(for family: IPFamily) -> [PortMapping] { mappings.filter { $0.applies(to: family) } }
}

/// Container addresses whose UDP conntrack entries outlived their rules (DEL and GC flush them).
public struct StaleFlows: Sendable, Hashable {
    public var udpDestinations: Set<IPAddress> = []
    public init() {}
    public mutating func formUnion(_ other: StaleFlows) { udpDestinations.formUnion(other.udpDestinations) }
}

/// The rules of one firewall API for portmap (the reference's PortMapper interface, plus GC and
/// STATUS). Every method works on the network namespace of the calling thread.
public protocol PortMapper: Sendable {
    var kind: PortMapBackendKind { get }

    /// Whether this backend can hold rules here at all. DEL and GC try both backends; a backend's
    /// failure counts only when it is present (as the masquerade's teardown does).
    func isPresent() -> Bool

    /// STATUS: throws `.unavailable` naming why ADD could not work with this backend now.
    func checkUsable() throws(PortMapError)

    /// ADD: publishes the attachment's mappings to its addresses, replacing any rules it already had.
    /// All or nothing.
    func forward(_ attachment: PortMapAttachment) throws(PortMapError)

    /// CHECK: throws `.checkFailed` naming what is missing or different.
    func check(_ attachment: PortMapAttachment) throws(PortMapError)

    /// DEL: removes the attachment's rules (idempotent; nothing found is success) and reports which
    /// container addresses lost UDP mappings.
    func unforward(_ attachment: PortMapAttachment) throws(PortMapError) -> StaleFlows

    /// GC: removes the rules of `network`'s attachments that are not in `valid`.
    func gc(network: String, keeping valid: [ValidAttachment]) throws(PortMapError) -> StaleFlows
}
