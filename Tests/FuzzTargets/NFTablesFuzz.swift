import NFTables
import Netlink

/// nftables replies through the whole receiving path: the netfilter connection over a
/// ``ReplayTransport``, libnftnl's parsers, and our decoding of chains and rules (expressions,
/// comments in userdata, handles). The chain and table asked for are the ones the input's first
/// rule or chain names, so recorded dumps are read rather than filtered out.
///
/// Input: one selector byte (low nibble: which query; bit 7: leave sequence numbers as they are),
/// then `ReplayTransport.frames`. Property: nothing traps, every failure is an `NFTError`.
///
/// Replies with expressions of kinds our rules never hold are not fed: for those libnftnl exits
/// the process on an attribute of the wrong size, by design ("kernel ABI is broken"), and the
/// plugins pass them to it as the kernel sent them (see `NFTRuleLayout`).
enum NFTablesFuzz {
    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let frames = ReplayTransport.frames(input.dropFirst())
        guard onlyKnownExpressions(frames) else { return }
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

    /// False when a rule in the replies holds an expression whose kind `NFTRuleLayout` does not
    /// describe.
    static func onlyKnownExpressions(_ frames: [[UInt8]]) -> Bool {
        for datagram in frames {
            guard let messages = try? NetlinkMessage.split(datagram) else { continue }
            for m in messages where m.payload.count >= 4 {
                guard let top = try? AttributeList(parsing: m.payload, from: 4) else { continue }
                for list in top.all(4) {  // NFTA_RULE_EXPRESSIONS
                    guard let elements = try? list.nested() else { continue }
                    for element in elements {
                    guard let e = try? element.nested(), let name = e.all(1).last else { continue }  // NFTA_EXPR_NAME
                    let text = String(decoding: name.payload.prefix { $0 != 0 }, as: UTF8.self)
                    if NFTRuleLayout.expressions[text] == nil { return false }
                    }
                }
            }
        }
        return true
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
