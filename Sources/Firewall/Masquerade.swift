import NFTables

/// What bridge and ptp call for `ipMasq`: picks the backend for ADD and CHECK, and runs DEL and GC against
/// both backends, as the reference does (a pod may have been set up by another version or config).
///
///     let masq = Masquerade()
///     try masq.setup(attachment, backend: config.ipMasqBackend)        // ADD
///     try masq.teardown(attachment)                                     // DEL (addresses optional)
///     try masq.gc(network: config.name, keeping: validAttachments)      // GC
///
/// All of it works where `host` reaches: by default the network namespace of the calling thread.
public struct Masquerade: Sendable {
    public var iptables: any MasqueradeBackend
    public var nftables: any MasqueradeBackend
    /// What the default backend rule reads about the node (``FirewallBackendKind/nodeDefault(_:)``).
    public var node: any FirewallProbe

    /// Both backends and the node's probe on `host` (the programs are looked up once).
    public init(host: FirewallHost = .process) {
        let tools = IPTablesTools.locate(in: host)
        self.init(
            iptables: IPTablesMasquerade(tools: tools), nftables: NFTablesMasquerade(netfilter: host.netfilter),
            node: NodeFirewallProbe(tools: tools))
    }

    public init(iptables: any MasqueradeBackend, nftables: any MasqueradeBackend, node: any FirewallProbe = NodeFirewallProbe()) {
        self.iptables = iptables
        self.nftables = nftables
        self.node = node
    }

    /// The backend `ipMasqBackend` names: nil when unset, `.invalidConfig` for anything but "iptables"
    /// and "nftables", as in the reference. Reads nothing of the node.
    public static func configuredKind(_ configured: String?) throws(FirewallError) -> MasqueradeBackendKind? {
        guard let configured else { return nil }
        guard let kind = MasqueradeBackendKind(rawValue: configured) else {
            throw FirewallError(.invalidConfig, "unknown ipmasq backend \"\(configured)\"")
        }
        return kind
    }

    /// The backend for ADD and CHECK: the configured one, else the node's default
    /// (``FirewallBackendKind/nodeDefault(_:)``: iptables where the reference's iptables chains
    /// already are, else nftables where the kernel has it). Nothing is executed to decide.
    public func backend(named configured: String?) throws(FirewallError) -> any MasqueradeBackend {
        let kind = try Self.configuredKind(configured) ?? .nodeDefault(node)
        return kind == .iptables ? iptables : nftables
    }

    /// Installs the masquerade rules of `attachment` with the configured (or default) backend.
    public func setup(_ attachment: MasqueradeAttachment, backend configured: String? = nil) throws(FirewallError) {
        try backend(named: configured).setup(attachment)
    }

    /// Checks the rules of `attachment`: in the configured backend, or, when none is configured, in
    /// either one. The node's default may have changed since the ADD (the reference's iptables chains
    /// appeared, say), and the attachment's rules are where that ADD put them.
    public func check(_ attachment: MasqueradeAttachment, backend configured: String? = nil) throws(FirewallError) {
        if try Self.configuredKind(configured) != nil {
            return try backend(named: configured).check(attachment)
        }
        let first = try backend(named: nil)
        do {
            try first.check(attachment)
        } catch {
            let other = first.kind == .iptables ? nftables : iptables
            guard (try? other.check(attachment)) != nil else { throw error }
        }
    }

    /// Removes the rules of `attachment` from both backends. A backend's failure counts only when that
    /// backend is present; both failures are reported together (`.multiple`).
    public func teardown(_ attachment: MasqueradeAttachment) throws(FirewallError) {
        try both("masquerade teardown of \(attachment.label)") { (backend) throws(FirewallError) in
            try backend.teardown(attachment)
        }
    }

    /// GC of both backends for `network`, keeping the rules of `valid` attachments.
    public func gc(network: String, keeping valid: [AttachmentID]) throws(FirewallError) {
        try both("masquerade GC of network \(network)") { (backend) throws(FirewallError) in
            try backend.gc(network: network, keeping: valid)
        }
    }

    private func both(_ what: String, _ body: (any MasqueradeBackend) throws(FirewallError) -> Void) throws(FirewallError) {
        var errors: [FirewallError] = []
        for backend in [iptables, nftables] {
            do {
                try body(backend)
            } catch {
                if backend.isPresent() { errors.append(error) }
            }
        }
        switch errors.count {
        case 0: return
        case 1: throw errors[0]
        default:
            throw FirewallError(.multiple, "\(what) failed in both backends", underlying: errors)
        }
    }
}
