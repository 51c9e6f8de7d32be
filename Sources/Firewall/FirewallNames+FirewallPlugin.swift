// The firewall plugin's objects: the reference's iptables filter-table names (containernetworking/
// plugins `plugins/meta/firewall`, unchanged since the plugin's first release, the isolation
// chains since v1.1.0), and our nftables table, which the reference never had.

extension FirewallNames {
    // MARK: iptables (filter table)

    /// The chain holding every container's accept rules, jumped to from FORWARD.
    public static let firewallForward = "CNI-FORWARD"
    /// The default admin chain (`iptablesAdminChainName` overrides it), jumped to first from CNI-FORWARD.
    public static let firewallAdmin = "CNI-ADMIN"
    public static let firewallForwardComment = "CNI firewall plugin rules"
    public static let firewallAdminComment = "CNI firewall plugin admin overrides"
    /// `ingressPolicy: same-bridge` (and `isolated`): two chains shared by every isolated bridge.
    public static let firewallIsolationStage1 = "CNI-ISOLATION-STAGE-1"
    public static let firewallIsolationStage2 = "CNI-ISOLATION-STAGE-2"
    /// The comment on every isolation rule, whatever the policy (the reference has one comment).
    public static let firewallIsolationComment = "CNI firewall plugin rules (ingressPolicy: same-bridge)"
    /// Ours: which attachment each address in CNI-FORWARD belongs to, one rule per address naming
    /// it in its comment. Nothing jumps to it (no packet sees it); the reference never reads it.
    public static let firewallOwners = "CNI-FORWARD-OWNERS"

    // MARK: nftables (ours)

    /// `inet cni_plugins_firewall`: the nftables backend's table.
    public static let firewallTable = "cni_plugins_firewall"
    public static let firewallTableComment = "Firewall rules for plugins from github.com/containernetworking/plugins"
}
