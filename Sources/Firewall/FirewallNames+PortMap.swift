// The names portmap's rules live under, in both layouts, so that a node can switch between the
// reference's portmap and ours (either way) and each tears down the other's state.
//
// Go originals: containernetworking/plugins plugins/meta/portmap (portmap_iptables.go, portmap_nftables.go).

extension FirewallNames {
    // MARK: nftables (reference HEAD: tables `ip cni_hostport` and `ip6 cni_hostport`)

    public static let portmapTable = "cni_hostport"
    public static let portmapTableComment = "CNI portmap plugin"
    /// Regular chain with every mapping rule.
    public static let portmapHostPorts = "hostports"
    /// Regular chain the reference used for hostIP rules until v1.9.0; kept (empty) so both can coexist.
    public static let portmapHostIPHostPorts = "hostip_hostports"
    /// Regular chain: `jump hostip_hostports`, `jump hostports`.
    public static let portmapHostPortsAll = "hostports_all"
    /// Base chains (nat, priority dstnat): `fib daddr type local jump hostports_all`.
    public static let portmapPrerouting = "prerouting"
    public static let portmapOutput = "output"
    /// Base chain (nat, postrouting, priority srcnat) with the hairpin and localhost masquerade rules.
    public static let portmapMasquerading = "masquerading"

    /// `<h16(network)>-<h16(ifName:containerID)>`: the prefix of every comment of one attachment's
    /// portmap rules (the same hash scheme as the masquerade's instance hash).
    public static func portmapTag(network: String, ifName: String, containerID: String) -> String {
        masqueradeInstanceHash(network: network, ifName: ifName, containerID: containerID)
    }

    /// `<tag>, net: <net>, if: <if>, id: <cid>`, cut to 128 bytes: the comment of each portmap rule.
    public static func portmapComment(network: String, ifName: String, containerID: String) -> String {
        masqueradeComment(network: network, ifName: ifName, containerID: containerID)
    }

    /// The name of an attachment's anchor chain: `attachment-<tag>` (44 characters).
    public static func portmapAnchorChain(network: String, ifName: String, containerID: String) -> String {
        portmapAnchorPrefix + portmapTag(network: network, ifName: ifName, containerID: containerID)
    }

    /// What every anchor chain's name starts with.
    public static let portmapAnchorPrefix = "attachment-"

    // MARK: iptables (nat table; names unchanged since the plugin's first release)

    public static let hostportDNAT = "CNI-HOSTPORT-DNAT"
    public static let hostportSetMark = "CNI-HOSTPORT-SETMARK"
    public static let hostportMasquerade = "CNI-HOSTPORT-MASQ"
    /// Only torn down: the SNAT layout of plugin versions before 0.7.
    public static let hostportOldSNAT = "CNI-HOSTPORT-SNAT"
    public static let hostportSetMarkComment = "CNI portfwd masquerade mark"
    public static let hostportMasqueradeComment = "CNI portfwd requiring masquerade"

    /// `CNI-DN-` + 21 hex of sha512(network + containerID): one container's DNAT chain.
    public static func portmapDNATChain(network: String, containerID: String) -> String {
        iptablesChain(network: network, containerID: containerID, prefix: "DN-")
    }

    /// `CNI-SN-…`: the pre-0.7 per-container SNAT chain.
    public static func portmapOldSNATChain(network: String, containerID: String) -> String {
        iptablesChain(network: network, containerID: containerID, prefix: "SN-")
    }

    /// `dnat name: "<net>" id: "<cid>"` (plain quotes, no escaping: the reference formats it with
    /// `%s`), cut to 255 bytes as the reference's trimComment does (253 bytes and "...").
    public static func portmapDNATComment(network: String, containerID: String) -> String {
        let full = "dnat name: \"\(network)\" id: \"\(containerID)\""
        guard full.utf8.count > 255 else { return full }
        return full.truncatedToUTF8(bytes: 253) + "..."
    }
}
