import PluginKit

/// A sysctl key of tuning's config, as the reference reads it: dots become slashes, the first
/// `IFNAME` becomes the interface's name (after the dots, so `eth0.100` stays one component), and
/// the path must stay under `/proc/sys/net/` once cleaned.
struct SysctlKey: Sendable {
    /// The key as written (`net.ipv4.conf.IFNAME.arp_filter`); the allowlist matches this.
    var key: String
    /// The parameter under `/proc/sys` (`net/ipv4/conf/eth0/arp_filter`).
    var path: String

    init(_ key: String, ifName: String) throws(PluginError) {
        self.key = key
        var text = key.replacingAll(".", with: "/")
        if let range = text.range(of: "IFNAME") { text.replaceSubrange(range, with: ifName) }
        // filepath.Join("/proc/sys", key) cleans the path: empty and "." parts go, ".." climbs
        // (out of /proc/sys too, which the prefix check then refuses).
        var parts: [Substring] = ["proc", "sys"]
        for part in text.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
            } else {
                parts.append(part)
            }
        }
        guard parts.count >= 4, parts[0] == "proc", parts[1] == "sys", parts[2] == "net" else {
            throw PluginError.config("invalid net sysctl key: \"\(text)\" (only sysctls under net. can be set)")
        }
        path = parts.dropFirst(2).joined(separator: "/")
    }

    /// `/proc/sys/<path>`, as messages name it.
    var fileName: String { "/proc/sys/" + path }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation here).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }

    /// The first occurrence of `needle`, by characters.
    func range(of needle: String) -> Range<String.Index>? {
        guard !needle.isEmpty else { return nil }
        var start = startIndex
        while start < endIndex {
            if self[start...].hasPrefix(needle) { return start..<index(start, offsetBy: needle.count) }
            start = index(after: start)
        }
        return nil
    }
}
