import Glibc
import NFTables
import NetAddress

// The nat-table tools the masquerade uses (one iptables-save to read, one iptables-restore
// transaction to write), opened to other rule sets: portmap builds its CNI-HOSTPORT-* layout on them.

/// One rule of an `iptables-save -t nat` dump: its chain and its arguments as tokens.
public struct IPTablesNATRule: Hashable, Sendable {
    public var chain: String
    /// The arguments after `-A <chain>`, quotes removed: `["-s", "10.88.0.0/16", "-j", "X"]`.
    public var spec: [String]

    public init(chain: String, spec: [String]) {
        self.chain = chain
        self.spec = spec
    }

    /// The `-j` target.
    public var target: String? { internalRule.target }
    /// The `--comment` text.
    public var comment: String? { internalRule.comment }

    /// The rule as an iptables-restore line: `-A <chain> <spec>` (or `-D`), quoted as iptables-save quotes.
    public func line(_ verb: String = "-A") -> String { internalRule.line(verb) }

    /// `-I <chain> <position> <spec>`.
    public func insertLine(at position: Int = 1) -> String {
        (["-I", chain, String(position)] + spec.map(IPTablesRule.quoted)).joined(separator: " ")
    }

    var internalRule: IPTablesRule { IPTablesRule(chain: chain, spec: spec) }
}

/// A parsed `iptables-save -t nat` (or `ip6tables-save`) dump.
public typealias IPTablesNATDump = IPTablesTableDump

/// A parsed `iptables-save -t <table>` (or `ip6tables-save`) dump: the nat table for the masquerade and
/// portmap, the filter table for the firewall plugin.
public struct IPTablesTableDump: Sendable {
    /// Chains in the order iptables-save declared them, built-in ones included.
    public var chains: [String]
    public var rules: [IPTablesNATRule]

    public init(chains: [String], rules: [IPTablesNATRule]) {
        self.chains = chains
        self.rules = rules
    }

    /// Parses the `*<table>` section of iptables-save output.
    public init(parsing text: String, table: String = "nat") {
        self.init(IPTablesDump(parsing: text, table: table))
    }

    init(_ dump: IPTablesDump) {
        chains = dump.chains
        rules = dump.rules.map { IPTablesNATRule(chain: $0.chain, spec: $0.spec) }
    }

    public func hasChain(_ name: String) -> Bool { chains.contains(name) }

    public func rules(in chain: String) -> [IPTablesNATRule] { rules.filter { $0.chain == chain } }

    /// The restore lines that delete `chains` (those that exist) with every rule jumping to them,
    /// wherever those rules are: no addresses or mappings needed, duplicates included.
    public func removalLines(chains: [String]) -> [String] {
        let dump = IPTablesDump(chains: self.chains, rules: rules.map(\.internalRule))
        return IPTablesMasquerade.removalLines(dump, chains: chains)
    }

    /// Splits a rule's text as iptables-restore does (`"..."` groups, `\` escapes inside quotes).
    public static func tokenize(_ text: String) -> [String]? { IPTablesRule.tokenize(text) }
}

extension IPTablesTools {
    /// True when both programs of `family` were found.
    public func hasTools(for family: IPFamily) -> Bool { tools(for: family) != nil }

    /// `iptables-save -t nat` (or ip6tables-save), parsed.
    public func readNAT(_ family: IPFamily) throws(FirewallError) -> IPTablesNATDump {
        IPTablesNATDump(try saveNAT(family))
    }

    /// Applies `lines` to the nat table of `family` in one `iptables-restore --noflush --wait`
    /// transaction (nothing is run for no lines). `what` names the operation in errors.
    public func applyNAT(_ family: IPFamily, _ lines: [String], what: String) throws(FirewallError) {
        try restoreNAT(family, lines, what: what)
    }

    /// `iptables-save -t <table>` (or ip6tables-save), parsed.
    public func read(_ family: IPFamily, table: String) throws(FirewallError) -> IPTablesTableDump {
        IPTablesTableDump(try save(family, table: table))
    }

    /// Applies `lines` to `table` of `family` in one `iptables-restore --noflush --wait` transaction
    /// (nothing is run for no lines). `what` names the operation in errors.
    public func apply(_ family: IPFamily, table: String, _ lines: [String], what: String) throws(FirewallError) {
        try restore(family, table: table, lines, what: what)
    }

    /// One change of the nat table of `family` planned from what it holds now: `plan` turns the
    /// dump into restore lines (and a value to return), applied in one transaction.
    ///
    /// A rule the lines delete may vanish between the read and the write (a concurrent DEL or
    /// GC), which fails the whole transaction; reading and planning once more settles it. A
    /// missing program (an invalid config) is not retried.
    public func updateNAT<T>(
        _ family: IPFamily, what: String, _ plan: (IPTablesNATDump) -> (lines: [String], result: T)
    ) throws(FirewallError) -> T {
        try updateNATDump(family, what: what) { plan(IPTablesNATDump($0)) }
    }

    /// ``updateNAT(_:what:_:)`` for any table (`filter` for the firewall plugin's CNI-FORWARD).
    public func update<T>(
        _ family: IPFamily, table: String, what: String, _ plan: (IPTablesTableDump) -> (lines: [String], result: T)
    ) throws(FirewallError) -> T {
        try updateDump(family, table: table, what: what) { plan(IPTablesTableDump($0)) }
    }

    /// ``updateNAT(_:what:_:)`` on the internal dump.
    func updateNATDump<T>(
        _ family: IPFamily, what: String, _ plan: (IPTablesDump) -> (lines: [String], result: T)
    ) throws(FirewallError) -> T {
        try updateDump(family, table: "nat", what: what, plan)
    }

    func updateDump<T>(
        _ family: IPFamily, table: String, what: String, _ plan: (IPTablesDump) -> (lines: [String], result: T)
    ) throws(FirewallError) -> T {
        var attempt = 1
        while true {
            let (lines, result) = plan(try save(family, table: table))
            do {
                try restore(family, table: table, lines, what: what)
                return result
            } catch where attempt < 2 && error.code != .invalidConfig {
                attempt += 1
            }
        }
    }

    /// Whether any of `chains` may exist in the nat table of `family`, decided without running a
    /// program: with iptables-nft each iptables chain is an nftables chain of `ip nat`/`ip6 nat`,
    /// looked up by name; with iptables-legacy (its nat table loaded in this namespace) the answer
    /// is "maybe". Lets a DEL on a node with no such chain skip iptables-save altogether.
    public func natMayHold(_ family: IPFamily, chains: [String]) -> Bool {
        mayHold(family, table: "nat", chains: chains)
    }

    /// ``natMayHold(_:chains:)`` for any table (`filter` for the firewall plugin's CNI-FORWARD).
    public func mayHold(_ family: IPFamily, table name: String, chains: [String]) -> Bool {
        guard hasTools(for: family) else { return false }
        if host.legacyTableLoaded(family, name) { return true }
        do {
            let connection = try host.nftables()
            let table = NFTTableRef(family == .v4 ? .ip : .ip6, name)
            for chain in chains where try connection.chainExists(table.chain(chain)) { return true }
            return false
        } catch {
            return true
        }
    }
}
