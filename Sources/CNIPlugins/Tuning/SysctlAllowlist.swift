import CNI
import PluginKit
import Posix

/// The node's sysctl allowlist (`/etc/cni/tuning/allowlist.conf`, the reference's file): one
/// regular expression a line (blank lines ignored, each line trimmed). When the file exists, ADD
/// sets only sysctls whose key, as written in the config, contains a match of one of them (Go's
/// `regexp.MatchString`, which is not anchored: write `^…$` to match whole keys). Without the file
/// every `net` sysctl is allowed.
struct SysctlAllowlist {
    static let defaultPath = "/etc/cni/tuning/allowlist.conf"

    /// The lines, as written.
    var patterns: [String]

    /// The allowlist at `path`; nil when there is no file there.
    static func load(_ path: String) throws(PluginError) -> SysctlAllowlist? {
        let bytes: [UInt8]
        do {
            guard let read = try Files.read(path, limit: 1 << 20) else { return nil }
            bytes = read
        } catch {
            throw PluginError.system("cannot read the sysctl allowlist", error)
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return SysctlAllowlist(patterns: lines.map { trimmed($0) }.filter { !$0.isEmpty })
    }

    /// Throws, with the reference's message, when `key` matches no pattern.
    func check(_ key: String) throws(PluginError) {
        for pattern in patterns {
            let regex: GoRegexp
            do {
                regex = try GoRegexp(pattern)
            } catch {
                throw PluginError(.internal, "invalid pattern \"\(pattern)\" in the sysctl allowlist: \(error)")
            }
            if regex.matches(key) { return }
        }
        throw PluginError.config(
            "Sysctl \(key) is not allowed. Only the following sysctls are allowed: [\(patterns.joined(separator: " "))]")
    }

    /// `strings.TrimSpace`: ASCII and Unicode white space off both ends.
    private static func trimmed(_ line: Substring) -> String {
        String(line.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
