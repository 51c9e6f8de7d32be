import NFTables

/// What bridge and ptp call for `ipMasq`: picks the backend for ADD and CHECK, and runs DEL and GC against
/// both backends, as the reference does (a pod may have been set up by another version or config).
///
///     let masq = Masquerade()
///     try masq.setup(attachment, backend: config.ipMasqBackend)        // ADD
///     try masq.teardown(attachment)                                     // DEL (addresses optional)
///     try masq.gc(network: config.name, keeping: validAttachments)      // GC
///
/// All of it works on the network namespace of the calling thread.
public struct Masquerade: Sendable {
    public var iptables: any MasqueradeBackend
    public var nftables: any MasqueradeBackend

    public init(
        iptables: any MasqueradeBackend = IPTablesMasquerade(), nftables: any MasqueradeBackend = NFTablesMasquerade()
    ) {
        self.iptables = iptables
        self.nftables = nftables
    }

    /// The backend for ADD and CHECK.
    ///
    /// - `"iptables"` or `"nftables"`: that one (anything else is `.invalidConfig`, as in the reference).
    /// - unset: iptables, the reference's default, when its programs are installed (`iptables-save` and
    ///   `iptables-restore` on PATH or in /usr/sbin, /sbin); otherwise nftables. Nothing is executed to
    ///   decide. The reference execs `iptables` to probe it and, when the binary is missing but CAP_NET_ADMIN
    ///   was not available to the probe, could still pick iptables (plugins#1280); a missing binary is
    ///   decisive here. An installed but broken iptables (a legacy binary without kernel support) fails the
    ///   ADD with iptables-restore's message instead of silently switching.
    public func backend(named configured: String?) throws(FirewallError) -> any MasqueradeBackend {
        switch configured {
        case nil: return iptables.isPresent() ? iptables : nftables
        case MasqueradeBackendKind.iptables.rawValue?: return iptables
        case MasqueradeBackendKind.nftables.rawValue?: return nftables
        case let other?: throw FirewallError(.invalidConfig, "unknown ipmasq backend \"\(other)\"")
        }
    }

    /// Installs the masquerade rules of `attachment` with the configured (or default) backend.
    public func setup(_ attachment: MasqueradeAttachment, backend configured: String? = nil) throws(FirewallError) {
        try backend(named: configured).setup(attachment)
    }

    /// Checks the rules of `attachment` in the configured (or default) backend.
    public func check(_ attachment: MasqueradeAttachment, backend configured: String? = nil) throws(FirewallError) {
        try backend(named: configured).check(attachment)
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
