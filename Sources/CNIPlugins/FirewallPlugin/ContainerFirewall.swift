import CNI

/// One way of opening the host's firewall to an attachment (the reference's FirewallBackend
/// interface, plus GC and STATUS). Every method works on the network namespace of the calling
/// thread (firewalld: on the system bus).
public protocol ContainerFirewall: Sendable {
    var kind: FirewallRulesBackend { get }

    /// Whether this backend can hold anything here at all. DEL and GC try every backend; a
    /// backend's failure counts only when it is present.
    func isPresent() -> Bool

    /// STATUS: throws `.unavailable` naming why ADD could not work with this backend now.
    func checkUsable() throws(FirewallPluginError)

    /// ADD: lets the attachment's addresses through, with the ingress policy's isolation when
    /// the backend holds rules itself. All or nothing.
    func add(_ attachment: FirewallAttachment) throws(FirewallPluginError)

    /// DEL: removes what ADD added for the attachment (idempotent; nothing found is success).
    func remove(_ attachment: FirewallAttachment) throws(FirewallPluginError)

    /// CHECK: throws `.checkFailed` naming what is missing.
    func check(_ attachment: FirewallAttachment) throws(FirewallPluginError)

    /// GC: removes what belongs to attachments of `network` that are not in `valid`.
    func gc(network: String, keeping valid: [ValidAttachment]) throws(FirewallPluginError)
}

/// A backend that holds rules itself (iptables, nftables) and so can also carry the ingress
/// policy's isolation for a backend that cannot (firewalld).
public protocol IsolatingFirewall: ContainerFirewall {
    /// The isolation chains and the attachment's bridge rules alone (no per-address rules).
    func addIsolation(_ attachment: FirewallAttachment) throws(FirewallPluginError)
}
