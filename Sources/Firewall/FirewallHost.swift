import NFTables
import NetAddress
import Netlink
import Spawn

/// What firewall code reaches of the machine: netfilter sockets (nftables, and conntrack for
/// portmap) and the iptables programs, all in the network namespace the rules live in. A
/// firewall plugin takes one at construction, as it takes its `HostResources` (PluginKit):
/// ``process`` is the plugin's own (host) namespace, sockets opened and programs spawned by the
/// calling thread; tests hand it a fake kernel's (`CNITestSupport`'s `FakeHost`).
public struct FirewallHost: Sendable {
    /// Opens netfilter netlink sockets.
    public var netfilter: TransportOpener
    /// Finds and runs iptables-save and iptables-restore.
    public var programs: any ProgramRunner
    /// Whether iptables-legacy's table of a family (`nat`, `filter`) is loaded there
    /// (``IPTablesTools/legacyTableLoaded(_:table:)``: procfs, as its rules cannot be read
    /// without running a program).
    public var legacyTableLoaded: @Sendable (IPFamily, String) -> Bool

    public init(
        netfilter: TransportOpener = .callingThread(.netfilter), programs: any ProgramRunner = ChildProcessRunner(),
        legacyTableLoaded: @escaping @Sendable (IPFamily, String) -> Bool = { IPTablesTools.legacyTableLoaded($0, table: $1) }
    ) {
        self.netfilter = netfilter
        self.programs = programs
        self.legacyTableLoaded = legacyTableLoaded
    }

    /// The calling thread's namespace and this machine's programs.
    public static var process: FirewallHost { FirewallHost() }

    /// A new nftables connection.
    func nftables() throws(NFTError) -> NFTConnection { try NFTConnection(netfilter) }
}
