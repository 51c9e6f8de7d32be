import Firewall
import NFTables
import NetAddress

/// The record an anchor chain carries in its comment: how many of the attachment's rules follow
/// the anchor in which chain (in that order), the container address they DNAT to, and whether a
/// UDP port is among them (DEL flushes that address's UDP conntrack entries without being told
/// the mappings again).
///
/// On disk (in the kernel's ruleset, where it outlives our process and is read back by any later
/// DEL or GC, ours or after an upgrade) the anchor is an empty chain named
/// `attachment-<tag>` (``FirewallNames/portmapAnchorChain(network:ifName:containerID:)``) in each
/// family's `cni_hostport` table, created in the ADD's transaction right before the rules it
/// records. Its comment (chain userdata, `NFTNL_UDATA_CHAIN_COMMENT`, as `nft` stores it) is:
///
///     <chain>=<count> [<chain>=<count> ...] [address=<ip>] [udp=1]; net: <network>, if: <ifname>, id: <containerID>
///     hostports=2 masquerading=2 address=10.88.0.2 udp=1; net: mynet, if: eth0, id: ctr1
///
/// - Fields before the `;` are space-separated `key=value` pairs. Keys other than `address` and
///   `udp` name a chain of the table; their value is a non-negative count. Chains are listed in
///   the order their rules were added, so the rules' handles are the anchor's handle + 1, + 2, …
///   (the kernel numbers a table's objects in sequence while it applies a transaction).
/// - `address` is the container address of the family; `udp=1` is present when a UDP port is
///   published (absent means none).
/// - After the `;`: who the anchor belongs to, for people reading `nft list ruleset`; not parsed.
/// - The whole comment is cut to nft's 128 bytes at a character boundary; only the owner part
///   can be cut (the record itself stays under 100 bytes).
///
/// A comment that does not parse (no count, or a malformed field) is no record: DEL then finds
/// the attachment's rules by their tag instead.
struct AnchorRecord: Sendable, Hashable {
    var counts: [(chain: String, count: Int)]
    var address: IPAddress?
    var udp: Bool

    init(counts: [(chain: String, count: Int)], address: IPAddress?, udp: Bool) {
        self.counts = counts
        self.address = address
        self.udp = udp
    }

    init(_ rules: NFTPortMapLayout.AttachmentRules, address: IPAddress, udp: Bool) {
        self.init(
            counts: [(FirewallNames.portmapHostPorts, rules.hostports.count), (FirewallNames.portmapMasquerading, rules.masquerading.count)],
            address: address, udp: udp)
    }

    /// Reads a comment written by `comment(for:)`; nil when it is not one.
    init?(comment: String) {
        let record = comment.split(separator: ";", maxSplits: 1).first ?? ""
        var counts: [(String, Int)] = []
        var address: IPAddress?
        var udp = false
        for field in record.split(separator: " ") {
            let parts = field.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            let (key, value) = (String(parts[0]), String(parts[1]))
            switch key {
            case "address": address = IPAddress(value)
            case "udp": udp = value == "1"
            default:
                guard let n = Int(value), n >= 0 else { return nil }
                counts.append((key, n))
            }
        }
        guard !counts.isEmpty else { return nil }
        self.init(counts: counts, address: address, udp: udp)
    }

    /// The comment: the record, then who it belongs to; cut to 128 bytes (nft's limit).
    func comment(for a: PortMapAttachment) -> String {
        var text = counts.map { "\($0.chain)=\($0.count)" }.joined(separator: " ")
        if let address { text += " address=\(address)" }
        if udp { text += " udp=1" }
        text += "; net: \(a.network), if: \(a.ifName), id: \(a.containerID)"
        return text.truncatedToUTF8(bytes: NFTRule.maxCommentLength)
    }

    /// The (chain, handle) of each recorded rule, given the anchor's handle.
    func handles(after anchor: UInt64) -> [(chain: String, handle: UInt64)] {
        var out: [(String, UInt64)] = []
        var next = anchor
        for (chain, count) in counts {
            for _ in 0..<count {
                next += 1
                out.append((chain, next))
            }
        }
        return out
    }

    static func == (a: AnchorRecord, b: AnchorRecord) -> Bool {
        a.address == b.address && a.udp == b.udp && a.counts.map(\.chain) == b.counts.map(\.chain)
            && a.counts.map(\.count) == b.counts.map(\.count)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(address)
        hasher.combine(udp)
        for (chain, count) in counts {
            hasher.combine(chain)
            hasher.combine(count)
        }
    }
}
