import CLibnftnl
import CNetlinkShim
import Netlink

// Single-object lookups, so that finding one attachment's chain or rule costs the same with a thousand
// other attachments in the table as with none (a dump of a chain costs time in proportion to its rules).
// Added for portmap, whose DEL finds its rules through a per-attachment anchor chain.

/// A chain as the kernel lists it: its handle (unique in the table, never reused) and comment.
public struct NFTListedChain: Hashable, Sendable {
    public var ref: NFTChainRef
    public var handle: UInt64
    public var comment: String?
    /// True for a base chain (one with a hook).
    public var isBaseChain: Bool

    public init(ref: NFTChainRef, handle: UInt64, comment: String?, isBaseChain: Bool) {
        self.ref = ref
        self.handle = handle
        self.comment = comment
        self.isBaseChain = isBaseChain
    }
}

extension NFTConnection {
    /// One chain's handle and comment, without its rules; nil when the table or the chain does not
    /// exist. Equivalent to `nft -a list chain <family> <table> <chain>` (the header line).
    public func chain(_ chain: NFTChainRef) throws(NFTError) -> NFTListedChain? {
        do {
            let replies = try get("get chain \(chain)") { (buf) throws(NFTError) in
                let nlh = nftnl_nlmsg_build_hdr(
                    buf, UInt16(NFT_MSG_GETCHAIN.rawValue), UInt16(chain.table.family.rawValue), UInt16(NLM_F_ACK), 0)
                let c = try makeChain(chain, base: nil, comment: nil)
                defer { nftnl_chain_free(c) }
                nftnl_chain_nlmsg_build_payload(nlh, c)
            }
            for reply in replies {
                if let listed = Self.listedChain(reply, table: chain.table), listed.ref == chain { return listed }
            }
            return nil
        } catch where error.isNotFound {
            return nil
        }
    }

    /// Every chain of `table`, in the kernel's order; empty when the table does not exist.
    /// Equivalent to `nft -a list chains <family>`, keeping those of `table`.
    public func chains(in table: NFTTableRef) throws(NFTError) -> [NFTListedChain] {
        do {
            let replies = try dump("list chains of \(table)") { (buf) throws(NFTError) in
                let nlh = nftnl_nlmsg_build_hdr(
                    buf, UInt16(NFT_MSG_GETCHAIN.rawValue), UInt16(table.family.rawValue),
                    UInt16(NLM_F_DUMP | NLM_F_ACK), 0)
                // The table attribute filters the dump on kernels that support it; others
                // send every chain of the family, which is filtered here.
                let c = try makeChain(table.chain(""), base: nil, comment: nil)
                defer { nftnl_chain_free(c) }
                nftnl_chain_unset(c, UInt16(NFTNL_CHAIN_NAME.rawValue))
                nftnl_chain_nlmsg_build_payload(nlh, c)
            }
            return replies.compactMap { Self.listedChain($0, table: table) }
        } catch where error.isNotFound {
            return []
        }
    }

    /// The rule with `handle` in `chain`, decoded; nil when the chain (or its table) has no such rule.
    /// Equivalent to `nft -a list chain ...` reduced to the line `# handle <handle>`, but the kernel
    /// sends only that rule (NFT_MSG_GETRULE without NLM_F_DUMP).
    public func rule(in chain: NFTChainRef, handle: UInt64) throws(NFTError) -> NFTListedRule? {
        do {
            return try ruleRequest("get rule \(chain) handle \(handle)", chain: chain, handle: handle)
                .first { $0.handle == handle }
        } catch where error.isNotFound {
            return nil
        }
    }

    /// A NEWCHAIN message of `table` decoded from its attributes; nil for another table's chain.
    private static func listedChain(_ reply: NetlinkMessage, table: NFTTableRef) -> NFTListedChain? {
        guard reply.type & 0xff == UInt16(NFT_MSG_NEWCHAIN.rawValue),
            reply.nfString(UInt16(NFTA_CHAIN_TABLE.rawValue)) == table.name,
            let name = reply.nfString(UInt16(NFTA_CHAIN_NAME.rawValue)),
            let rawHandle = reply.nfAttribute(UInt16(NFTA_CHAIN_HANDLE.rawValue)), rawHandle.count == 8
        else { return nil }
        let handle = rawHandle.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }  // NLA_U64, network order
        return NFTListedChain(
            ref: table.chain(name), handle: handle, comment: reply.nfComment(UInt16(NFTA_CHAIN_USERDATA.rawValue)),
            isBaseChain: reply.nfAttribute(UInt16(NFTA_CHAIN_HOOK.rawValue)) != nil)
    }
}
