import NFTables
import Netlink

/// Which firewall API holds a plugin's rules: bridge/ptp's `ipMasqBackend` and portmap's `backend`
/// (the raw values are the config's words).
public enum FirewallBackendKind: String, Sendable, Hashable, CaseIterable {
    case iptables
    case nftables

    /// The backend for a config that names none (and whose options imply none), the same for
    /// masquerade (bridge, ptp) and portmap, so that one node keeps one layout:
    ///
    /// 1. **iptables** when the node already carries the reference's iptables state and the
    ///    iptables programs are installed. Such a node runs, or ran, plugins that only know
    ///    iptables (Debian's 1.1.1, or the reference's default), and its admins look there;
    /// 2. else **nftables** when the kernel has nf_tables: no xtables lock, no exec per
    ///    operation, and a cost that stays flat with the number of containers (users' most
    ///    frequent complaints about the reference, plugins#510, aws-vpc-cni#2948);
    /// 3. else iptables (which then fails with iptables-restore's own message).
    ///
    /// The reference picks iptables whenever its binary works; on a node with nothing of ours or
    /// the reference's yet, we pick nftables instead. Teardown and GC try both backends, so a
    /// node that changes its mind (its last iptables attachment gone) still cleans up after
    /// either. Nothing is executed to decide: see ``NodeFirewallProbe``.
    public static func nodeDefault(_ node: any FirewallProbe) -> FirewallBackendKind {
        if node.iptablesInstalled() && node.iptablesInUse() { return .iptables }
        return node.nftablesAvailable() ? .nftables : .iptables
    }
}

/// What ``FirewallBackendKind/nodeDefault(_:)`` reads about the node, asked lazily in the
/// rule's order (replaceable in tests).
public protocol FirewallProbe: Sendable {
    /// `iptables-save` and `iptables-restore` are installed.
    func iptablesInstalled() -> Bool
    /// The node carries the reference's iptables state.
    func iptablesInUse() -> Bool
    /// The kernel speaks nf_tables.
    func nftablesAvailable() -> Bool
}

/// The node as the calling thread's network namespace shows it, read in-process (a few netlink
/// requests and a procfs read; no program is run).
public struct NodeFirewallProbe: FirewallProbe {
    /// The programs, and the host whose nftables and procfs views are read.
    public var tools: IPTablesTools

    public init(tools: IPTablesTools) {
        self.tools = tools
    }

    /// The node that `host` reaches.
    public init(host: FirewallHost = .process) {
        self.init(tools: .locate(in: host))
    }

    public func iptablesInstalled() -> Bool { tools.isPresent }

    /// True when the IPv4 nat table holds a `CNI-` chain (bridge/ptp `ipMasq` chains
    /// `CNI-<hash>`, portmap's `CNI-HOSTPORT-*` and `CNI-DN-*`), or when a legacy nat table is
    /// loaded at all.
    ///
    /// iptables-nft keeps each iptables chain as an nftables chain of table `ip nat`, so one chain
    /// listing of that table answers. iptables-legacy's chains cannot be read without running
    /// iptables-legacy-save, but its nat table exists in a namespace only once something used it
    /// (`/proc/net/ip_tables_names` lists it): that counts as iptables in use. kube-proxy's own
    /// chains (`KUBE-*`) do not count: they say nothing about which CNI layout the node has.
    public func iptablesInUse() -> Bool {
        if tools.host.legacyTableLoaded(.v4, "nat") { return true }
        do {
            return try tools.host.nftables().chains(in: NFTTableRef(.ip, "nat")).contains { $0.ref.name.hasPrefix("CNI-") }
        } catch {
            return false
        }
    }

    public func nftablesAvailable() -> Bool { Self.kernelHasNFTables(tools.host.netfilter) }

    /// Whether the kernel speaks nf_tables where `netfilter` opens its sockets (by default the
    /// calling thread's namespace). Only "no such protocol or subsystem" means no; any other
    /// failure (EPERM without CAP_NET_ADMIN) means yes, so that the operation itself fails with
    /// that error instead of silently changing backend.
    public static func kernelHasNFTables(_ netfilter: TransportOpener = .callingThread(.netfilter)) -> Bool {
        do {
            _ = try NFTConnection(netfilter).tableExists(NFTTableRef(.inet, FirewallNames.masqueradeTable))
            return true
        } catch {
            return !error.isUnsupported
        }
    }
}
