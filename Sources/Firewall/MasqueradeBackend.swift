import NetAddress

/// One container interface to masquerade (bridge/ptp `ipMasq`): which network, container and interface, and
/// the container's addresses with their subnet prefix as IPAM returned them (`10.88.0.2/16`).
public struct MasqueradeAttachment: Hashable, Sendable {
    public var network: String
    public var containerID: String
    public var ifName: String
    /// Traffic from each address to anything outside its subnet (and not multicast) is masqueraded.
    /// Teardown may pass an empty list when the addresses are unknown (see `MasqueradeBackend.teardown`).
    public var addresses: [IPNetwork]

    public init(network: String, containerID: String, ifName: String, addresses: [IPNetwork] = []) {
        self.network = network
        self.containerID = containerID
        self.ifName = ifName
        self.addresses = addresses
    }

    /// "container ctr1 (network mynet, eth0)", for messages.
    public var label: String { "container \(containerID) (network \(network), \(ifName))" }
}

/// An attachment a runtime still considers alive: one entry of CNI GC's `cni.dev/valid-attachments`.
public struct AttachmentID: Hashable, Sendable {
    public var containerID: String
    public var ifName: String
    public init(containerID: String, ifName: String) {
        self.containerID = containerID
        self.ifName = ifName
    }
}

/// Which implementation writes the masquerade rules; the raw values are the config's `ipMasqBackend`.
public typealias MasqueradeBackendKind = FirewallBackendKind

/// The masquerade rules of bridge and ptp, in the layout of one firewall API.
///
/// Every method works on the network namespace of the calling thread (nftables through a netlink socket
/// opened there, iptables through child processes spawned from it).
public protocol MasqueradeBackend: Sendable {
    var kind: MasqueradeBackendKind { get }

    /// Whether this backend can work here at all. Teardown and GC try both backends and report a backend's
    /// error only when it is present, as the reference does.
    func isPresent() -> Bool

    /// Installs the rules for `attachment` (ADD). Idempotent: running it again leaves one copy.
    func setup(_ attachment: MasqueradeAttachment) throws(FirewallError)

    /// Removes the rules of `attachment` (DEL). Idempotent, and "not found" is success. Both backends can do
    /// it without addresses (nftables finds rules by comment, iptables by the attachment's chain); given
    /// addresses (from the link or from prevResult) only narrow which families are read.
    func teardown(_ attachment: MasqueradeAttachment) throws(FirewallError)

    /// Verifies the rules of `attachment` are in place (CHECK); throws `.checkFailed` naming what is missing.
    func check(_ attachment: MasqueradeAttachment) throws(FirewallError)

    /// Removes the rules of `network` that belong to no attachment in `valid` (GC).
    func gc(network: String, keeping valid: [AttachmentID]) throws(FirewallError)
}
