import CNI
import Glibc
import NFTables
import Posix
import Spawn
import NetAddress

/// The iptables-save/iptables-restore programs of both families, found on PATH. We never link libiptc
/// (it writes legacy tables that clash with iptables-nft hosts) and never run `iptables` per rule: a change
/// is one `iptables-restore --noflush --wait` transaction per family, as kube-proxy does.
public struct IPTablesTools: Sendable {
    public var save4: String?
    public var restore4: String?
    public var save6: String?
    public var restore6: String?
    /// Where they run, and where the nftables and procfs views that spare a run are read.
    public var host: FirewallHost

    public init(save4: String?, restore4: String?, save6: String?, restore6: String?, host: FirewallHost = .process) {
        self.save4 = save4
        self.restore4 = restore4
        self.save6 = save6
        self.restore6 = restore6
        self.host = host
    }

    /// The programs as `host` finds them (this machine's: on `PATH`, then in the usual sbin
    /// directories, since runtimes often exec plugins with a minimal PATH).
    public static func locate(in host: FirewallHost = .process) -> IPTablesTools {
        let found = host.programs.locate(["iptables-save", "iptables-restore", "ip6tables-save", "ip6tables-restore"])
        return IPTablesTools(save4: found[0], restore4: found[1], save6: found[2], restore6: found[3], host: host)
    }

    /// This machine's programs, looked up on `path` first.
    public static func locate(path: String?) -> IPTablesTools {
        locate(in: FirewallHost(programs: ChildProcessRunner(path: path)))
    }

    /// True when the IPv4 tools exist (the reference's notion of "iptables is there").
    public var isPresent: Bool { save4 != nil && restore4 != nil }

    func tools(for family: IPFamily) -> (save: String, restore: String)? {
        switch family {
        case .v4: return save4.flatMap { s in restore4.map { (s, $0) } }
        case .v6: return save6.flatMap { s in restore6.map { (s, $0) } }
        }
    }

    private static func name(_ family: IPFamily) -> String { family == .v4 ? "iptables" : "ip6tables" }

    /// `iptables-save -t nat` (or ip6tables-save), parsed.
    func saveNAT(_ family: IPFamily) throws(FirewallError) -> IPTablesDump { try save(family, table: "nat") }

    /// `iptables-save -t <table>` (or ip6tables-save), parsed.
    func save(_ family: IPFamily, table: String) throws(FirewallError) -> IPTablesDump {
        guard let (save, _) = tools(for: family) else {
            throw FirewallError(.invalidConfig, "\(Self.name(family))-save not found on PATH")
        }
        let result = try Subprocess.run(host.programs, save, ["-t", table])
        guard result.succeeded else {
            throw FirewallError(
                .iptables, "read the \(table) table with \(save) -t \(table)",
                detail: "exit status \(result.status): \(result.stderr.trimmed)")
        }
        return IPTablesDump(parsing: result.stdout, table: table)
    }

    /// Applies `lines` to the nat table in one `iptables-restore --noflush --wait` transaction.
    func restoreNAT(_ family: IPFamily, _ lines: [String], what: String) throws(FirewallError) {
        try restore(family, table: "nat", lines, what: what)
    }

    /// Applies `lines` to `table` in one `iptables-restore --noflush --wait` transaction.
    func restore(_ family: IPFamily, table: String, _ lines: [String], what: String) throws(FirewallError) {
        guard !lines.isEmpty else { return }
        guard let (_, restore) = tools(for: family) else {
            throw FirewallError(.invalidConfig, "\(what): \(Self.name(family))-restore not found on PATH")
        }
        let script = "*\(table)\n" + lines.joined(separator: "\n") + "\nCOMMIT\n"
        let result = try Subprocess.run(host.programs, restore, ["--noflush", "--wait"], input: Array(script.utf8))
        guard result.succeeded else {
            // Exit status 4 is xtables' "resource problem": the lock, or a concurrent change.
            throw FirewallError(
                result.status == 4 ? .busy : .iptables, what,
                detail: "\(restore) exit status \(result.status): \(result.stderr.trimmed)")
        }
    }

    /// Whether the nat table of `family` can hold any iptables rule, decided without running anything:
    /// iptables-nft keeps its rules in the nftables table `ip nat` / `ip6 nat`, iptables-legacy lists its
    /// loaded tables in /proc/thread-self/net/ip{,6}_tables_names. When neither has a nat table, teardown
    /// and GC skip their two execs (most DELs on an nftables host). Unsure means true.
    func natMayHaveRules(_ family: IPFamily) -> Bool {
        if host.legacyTableLoaded(family, "nat") { return true }
        do {
            return try host.nftables().tableExists(NFTTableRef(family == .v4 ? .ip : .ip6, "nat"))
        } catch {
            return true
        }
    }
}

extension IPTablesTools {
    /// Whether `chain` may exist in the nat table of `family` (``natMayHold(_:chains:)``).
    func natMayHaveChain(_ chain: String, _ family: IPFamily) -> Bool { natMayHold(family, chains: [chain]) }
}

extension IPTablesTools {
    /// Whether iptables-legacy's nat table of `family` exists in the calling thread's namespace
    /// (/proc/thread-self/net/ip{,6}_tables_names lists it). The kernel creates it there on first
    /// use, so a fresh namespace has none; its chains cannot be read without running a program.
    static func legacyNATLoaded(_ family: IPFamily) -> Bool { legacyTableLoaded(family, table: "nat") }

    /// Whether iptables-legacy's `table` of `family` exists in the calling thread's namespace.
    @Sendable public static func legacyTableLoaded(_ family: IPFamily, table: String) -> Bool {
        let names = family == .v4 ? "ip_tables_names" : "ip6_tables_names"
        guard let loaded = readSmallFile("/proc/thread-self/net/" + names) else { return false }
        return loaded.split(separator: "\n").contains(Substring(table))
    }
}

/// The contents of a small file (procfs), or nil when it cannot be read.
func readSmallFile(_ path: String) -> String? {
    ((try? Files.read(path)) ?? nil).map { String(decoding: $0, as: UTF8.self) }
}

extension String {
    /// Without leading and trailing blanks and newlines.
    var trimmed: String {
        let isBlank = { (c: Character) in c == " " || c == "\n" || c == "\t" || c == "\r" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
