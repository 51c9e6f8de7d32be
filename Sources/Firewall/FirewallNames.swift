import CNI
import NetAddress

/// The names, hashes and comments the reference plugins give their firewall objects, in one place, so that
/// our rules and the Go plugins' rules are the same objects (either side can tear down the other's).
///
/// The Go originals live in containernetworking/plugins `pkg/utils` (MustFormatHashWithPrefix,
/// FormatChainName, FormatComment) and `pkg/ip/ipmasq_nftables_linux.go`.
public enum FirewallNames {
    /// `utils.MustFormatHashWithPrefix(length, prefix, toHash)`: `prefix` followed by the lowercase hex of
    /// sha512(`toHash`), cut to `length` characters in all.
    public static func hash(length: Int, prefix: String = "", of toHash: String) -> String {
        SHA512.name(length: length, prefix: prefix, of: toHash)
    }

    /// The iptables chain of one container on one network (ipMasq): `CNI-` + 24 hex of
    /// sha512(network + containerID). `utils.FormatChainName`. The interface name plays no part.
    public static func iptablesChain(network: String, containerID: String) -> String {
        hash(length: 28, prefix: "CNI-", of: network + containerID)
    }

    /// A per-container iptables chain with a kind prefix, 28 characters in all: portmap's
    /// `CNI-DN-<21 hex>` is `iptablesChain(network:containerID:prefix: "DN-")`.
    /// `utils.MustFormatChainNameWithPrefix`.
    public static func iptablesChain(network: String, containerID: String, prefix: String) -> String {
        hash(length: 28, prefix: "CNI-" + prefix, of: network + containerID)
    }

    /// The comment on every iptables rule of an attachment: `name: "<net>" id: "<containerID>"`, both
    /// quoted as Go's `%q` quotes them (CNI's `goQuote`). `utils.FormatComment`.
    public static func iptablesComment(network: String, containerID: String) -> String {
        "name: \(goQuote(network)) id: \(goQuote(containerID))"
    }

    // MARK: nftables ipMasq

    /// The nftables masquerade table: `inet cni_plugins_masquerade`.
    public static let masqueradeTable = "cni_plugins_masquerade"
    /// Its regular chain holding one rule per container address.
    public static let masqueradeChain = "masq_checks"
    /// Its base chain (nat, postrouting, priority srcnat).
    public static let masqueradePostrouting = "postrouting"
    public static let masqueradeTableComment = "Masquerading for plugins from github.com/containernetworking/plugins"
    public static let masqueradeChainComment =
        "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet"

    /// The first 16 hex of sha512(network): the prefix of every masquerade comment of a network.
    public static func masqueradeNetworkHash(network: String) -> String {
        hash(length: 16, of: network)
    }

    /// `<h16(network)>-<h16(ifName + ":" + containerID)>`: the prefix of the comments of one attachment.
    public static func masqueradeInstanceHash(network: String, ifName: String, containerID: String) -> String {
        masqueradeNetworkHash(network: network) + "-" + hash(length: 16, of: ifName + ":" + containerID)
    }

    /// `<instance hash>, net: <net>, if: <if>, id: <cid>` with double quotes removed, cut to 128 bytes
    /// (knftables' comment limit). The reference cuts bytes; we cut at the last whole character within 128
    /// bytes, which is the same for the ASCII names CNI allows.
    public static func masqueradeComment(network: String, ifName: String, containerID: String) -> String {
        let strip = { (s: String) in s.replacingAll("\"", with: "") }
        let full = masqueradeInstanceHash(network: network, ifName: ifName, containerID: containerID)
            + ", net: \(strip(network)), if: \(strip(ifName)), id: \(strip(containerID))"
        return full.truncatedToUTF8(bytes: 128)
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }

    /// The longest prefix of whole characters that fits in `bytes` UTF-8 bytes (how nft comments
    /// are cut to their 128-byte limit).
    public func truncatedToUTF8(bytes: Int) -> String {
        guard utf8.count > bytes else { return self }
        var out = ""
        var used = 0
        for c in self {
            let n = c.utf8.count
            if used + n > bytes { break }
            out.append(c)
            used += n
        }
        return out
    }
}
