import NFTables
import Netlink

/// nftables replies through the whole receiving path: the netfilter connection over a
/// ``ReplayTransport``, libnftnl's parsers, and our decoding of chains and rules (expressions,
/// comments in userdata, handles). The chain and table asked for are the ones the input's first
/// rule or chain names, so recorded dumps are read rather than filtered out.
///
/// Input: one selector byte (low nibble: which query; bit 7: leave sequence numbers as they are),
/// then `ReplayTransport.frames`. Property: nothing traps, every failure is an `NFTError`.
enum NFTablesFuzz {
    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let frames = ReplayTransport.frames(input.dropFirst())
        let (family, table, chain) = names(in: frames)
        let tableRef = NFTTableRef(NFTFamily(rawValue: family), table)
        let chainRef = tableRef.chain(chain)
        let nft = NFTConnection(transport: ReplayTransport(datagrams: frames, stampSequence: selector & 0x80 == 0))
        do {
            switch selector & 0x07 {
            case 0: _ = try nft.rules(in: chainRef)
            case 1: _ = try nft.chain(chainRef)
            case 2: _ = try nft.chains(in: tableRef)
            case 3: _ = try nft.tableExists(tableRef)
            case 4: _ = try nft.rule(in: chainRef, handle: 2)
            case 5: _ = try nft.rules(in: chainRef) { $0?.hasPrefix("cni") ?? false }
            default:
                var batch = NFTBatch()
                batch.add(NFTTable(tableRef))
                batch.add(NFTChain(chainRef))
                try nft.commit(batch)
            }
        } catch {
            _ = error.description
        }
    }

    /// Family, table and chain named by the first nftables message that names them.
    static func names(in frames: [[UInt8]]) -> (UInt8, String, String) {
        for datagram in frames {
            guard let messages = try? NetlinkMessage.split(datagram) else { continue }
            for m in messages where m.payload.count >= 4 {
                func text(_ type: UInt16) -> String? {
                    m.attribute(type, afterHeader: 4).map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                }
                // NFTA_RULE_TABLE/NFTA_CHAIN_TABLE = 1; NFTA_RULE_CHAIN = 2; NFTA_CHAIN_NAME = 3.
                let subsystemType = m.type & 0xff
                let chainAttribute: UInt16 = subsystemType == 6 ? 2 : 3  // NFT_MSG_NEWRULE = 6
                if let table = text(1), let chain = text(chainAttribute) {
                    return (m.payload[0], table, chain)
                }
            }
        }
        return (1, "fuzz", "fuzz")
    }
}
