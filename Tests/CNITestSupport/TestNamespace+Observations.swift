import Foundation

/// What a test namespace standing in for a node holds, read with the system's own tools (never
/// with the code under test).
extension TestNamespace {
    /// Runs `argv` in this namespace with `input` on stdin; throws unless it exits 0.
    @discardableResult
    public func check(_ argv: [String], input: String) throws -> String {
        let out = try run(argv, stdin: Array(input.utf8))
        guard out.succeeded else { throw CommandError(command: argv, output: out) }
        return out.stdout
    }

    /// The names of this namespace's links, `lo` excepted.
    public func linkNames() throws -> [String] {
        try ipJSON(["link", "show"]).compactMap { $0["ifname"] as? String }.filter { $0 != "lo" }
    }

    /// Waits until at most `count` links whose name starts with `prefix` are left: the kernel
    /// destroys the veths of a deleted namespace in the background.
    public func waitForLinks(prefix: String = "", atMost count: Int = 0, timeout: Double = 5) throws {
        try poll("at most \(count) links named \(prefix)* in \(name)", timeout: timeout) {
            try linkNames().filter { $0.hasPrefix(prefix) }.count <= count
        }
    }

    /// `nft list ruleset` (with `-a`: handles).
    public func ruleset(handles: Bool = false) throws -> String {
        try check(["nft"] + (handles ? ["-a"] : []) + ["list", "ruleset"])
    }

    /// `iptables-save -t nat` (or ip6tables-save) without its `#` timestamp lines.
    public func natSave(v6: Bool = false) throws -> String {
        let out = try check([v6 ? "ip6tables-save" : "iptables-save", "-t", "nat"])
        return out.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n") + "\n"
    }

    /// `iptables-save` and `ip6tables-save` (every table), without `#` lines and with the
    /// counters zeroed, so two readings compare equal when no rule changed.
    public func iptablesSave() throws -> String {
        var out = ""
        for tool in ["iptables-save", "ip6tables-save"] {
            out += try check([tool]).split(separator: "\n").filter { !$0.hasPrefix("#") }
                .map { $0.replacingOccurrences(of: #"\[\d+:\d+\]"#, with: "[0:0]", options: .regularExpression) }
                .joined(separator: "\n") + "\n"
        }
        return out
    }

    /// The masquerade state of any CNI attachment: iptables rules of a `CNI-` chain, and the
    /// rules of the nftables masquerade table.
    public func masqueradeRules() throws -> [String] {
        var rules = try iptablesSave().split(separator: "\n").map(String.init).filter { $0.contains("CNI-") }
        let nft = try run(["nft", "list", "table", "inet", "cni_plugins_masquerade"])
        if nft.succeeded {
            rules += nft.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0.contains("masquerade comment") }
        }
        return rules
    }
}

/// host-local's lease files of `network` in `dataDir`: the files named by an address (not `lock`
/// or `last_reserved_ip.N`), sorted.
public func leaseFiles(dataDir: String, network: String) -> [String] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: dataDir + "/" + network)) ?? []
    return files.filter { $0.first?.isNumber == true || $0.contains(":") }.sorted()
}

/// `config` (a JSON object) with `prevResult` set to `result`: what a runtime sends to CHECK and DEL.
public func withPrevResult(_ config: String, _ result: [String: Any]) throws -> String {
    guard var object = jsonObject(config) else { throw TestFailure("not a JSON object: \(config)") }
    object["prevResult"] = result
    return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}

/// The first `length` hex digits of sha512(`text`), computed by coreutils (independent of ours).
public func sha512Prefix(_ text: String, _ length: Int) throws -> String {
    String(try Command.check(["sha512sum"], stdin: Array(text.utf8)).prefix(length))
}
