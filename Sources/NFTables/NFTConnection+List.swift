import CLibnftnl
import CNetlinkShim
import Netlink

extension NFTConnection {
    /// The rules of `chain` in order, with handles, comments and decoded expressions. A missing table or
    /// chain lists as empty. Equivalent to `nft -a list chain <family> <table> <chain>`.
    ///
    /// A dump interrupted by a concurrent change (NLM_F_DUMP_INTR) is repeated by the connection.
    /// `keep` sees each rule's comment first: rules it rejects are skipped before their expressions are
    /// decoded (finding one attachment's rules by comment prefix then costs little per foreign rule).
    public func rules(
        in chain: NFTChainRef, whereComment keep: (String?) -> Bool = { _ in true }
    ) throws(NFTError) -> [NFTListedRule] {
        do {
            return try ruleRequest("list rules of \(chain)", chain: chain, handle: nil, keep: keep)
        } catch where error.isNotFound {
            return []
        }
    }

    /// True when the table exists. Equivalent to `nft list table <family> <name>` succeeding.
    public func tableExists(_ table: NFTTableRef) throws(NFTError) -> Bool {
        do {
            _ = try get("get table \(table)") { (buf) throws(NFTError) in
                let nlh = nftnl_nlmsg_build_hdr(
                    buf, UInt16(NFT_MSG_GETTABLE.rawValue), UInt16(table.family.rawValue), UInt16(NLM_F_ACK), 0)
                let t = try makeTable(table, comment: nil)
                defer { nftnl_table_free(t) }
                nftnl_table_nlmsg_build_payload(nlh, t)
            }
            return true
        } catch where error.isNotFound {
            return false
        }
    }

    /// True when the chain exists. Equivalent to `nft list chain <family> <table> <name>` succeeding.
    public func chainExists(_ chain: NFTChainRef) throws(NFTError) -> Bool {
        try self.chain(chain) != nil
    }
}

extension NFTConnection {
    /// One GETRULE request for the rules of `chain`: a dump, or the rule with `handle` alone.
    /// Each rule of the reply whose comment `keep` accepts is decoded. Chain and comment come from
    /// a quick scan of the attributes, so only kept rules get the full libnftnl parse; the kernel
    /// filters by chain, checked anyway (older kernels did not).
    func ruleRequest(
        _ what: String, chain: NFTChainRef, handle: UInt64?, keep: (String?) -> Bool = { _ in true }
    ) throws(NFTError) -> [NFTListedRule] {
        let build = { (buf: UnsafeMutablePointer<CChar>) throws(NFTError) in
            let flags = handle == nil ? NLM_F_DUMP | NLM_F_ACK : NLM_F_ACK
            let nlh = nftnl_nlmsg_build_hdr(
                buf, UInt16(NFT_MSG_GETRULE.rawValue), UInt16(chain.table.family.rawValue), UInt16(flags), 0)
            let r = try makeRule(table: chain.table, chain: chain.name, handle: handle)
            defer { nftnl_rule_free(r) }
            nftnl_rule_nlmsg_build_payload(nlh, r)
        }
        let replies = handle == nil ? try dump(what, build: build) : try get(what, build: build)
        var rules: [NFTListedRule] = []
        for reply in replies where reply.type & 0xff == UInt16(NFT_MSG_NEWRULE.rawValue) {
            guard reply.nfString(UInt16(NFTA_RULE_CHAIN.rawValue)) == chain.name else { continue }
            let comment = reply.nfComment(UInt16(NFTA_RULE_USERDATA.rawValue))
            guard keep(comment) else { continue }
            guard let r = nftnl_rule_alloc() else { throw NFTError(.encoding, operation: what) }
            defer { nftnl_rule_free(r) }
            guard reply.withHeader({ nftnl_rule_nlmsg_parse($0, r) }) >= 0 else {
                throw NFTError(.malformedReply, operation: what)
            }
            rules.append(NFTListedRule(nftnl: r, chain: chain, comment: comment))
        }
        return rules
    }
}
