import CLibnftnl
import CNetlinkShim

extension NFTConnection {
    /// The rules of `chain` in order, with handles, comments and decoded expressions. A missing table or
    /// chain lists as empty. Equivalent to `nft -a list chain <family> <table> <chain>`.
    ///
    /// A dump interrupted by a concurrent change (NLM_F_DUMP_INTR) is retried, up to 5 times.
    /// `keep` sees each rule's comment first: rules it rejects are skipped before their expressions are
    /// decoded (finding one attachment's rules by comment prefix then costs little per foreign rule).
    public func rules(
        in chain: NFTChainRef, whereComment keep: (String?) -> Bool = { _ in true }
    ) throws(NFTError) -> [NFTListedRule] {
        let what = "list rules of \(chain)"
        for _ in 0..<5 {
            var rules: [NFTListedRule] = []
            let complete = try ruleRequest(what, chain: chain, handle: nil, keep: keep) { rules.append($0) }
            if complete { return rules }
        }
        throw NFTError(.malformedReply, operation: "\(what): dump interrupted 5 times")
    }

    /// True when the table exists. Equivalent to `nft list table <family> <name>` succeeding.
    public func tableExists(_ table: NFTTableRef) throws(NFTError) -> Bool {
        do {
            _ = try request(
                "get table \(table)",
                build: { (buf, seq) throws(NFTError) in
                    let nlh = nftnl_nlmsg_build_hdr(
                        buf, UInt16(NFT_MSG_GETTABLE.rawValue), UInt16(table.family.rawValue), UInt16(NLM_F_ACK), seq)
                    let t = try makeTable(table, comment: nil)
                    defer { nftnl_table_free(t) }
                    nftnl_table_nlmsg_build_payload(nlh, t)
                }, handle: { _ in })
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
    /// Each rule of the reply whose comment `keep` accepts is decoded and handed to `found`. Chain
    /// and comment come from a quick scan of the attributes, so only kept rules get the full
    /// libnftnl parse; the kernel filters by chain, checked anyway (older kernels did not).
    func ruleRequest(
        _ what: String, chain: NFTChainRef, handle: UInt64?, keep: (String?) -> Bool = { _ in true },
        found: (NFTListedRule) -> Void
    ) throws(NFTError) -> Bool {
        try request(
            what,
            build: { (buf, seq) throws(NFTError) in
                let flags = handle == nil ? NLM_F_DUMP | NLM_F_ACK : NLM_F_ACK
                let nlh = nftnl_nlmsg_build_hdr(
                    buf, UInt16(NFT_MSG_GETRULE.rawValue), UInt16(chain.table.family.rawValue), UInt16(flags), seq)
                let r = try makeRule(table: chain.table, chain: chain.name, handle: handle)
                defer { nftnl_rule_free(r) }
                nftnl_rule_nlmsg_build_payload(nlh, r)
            },
            handle: { (reply) throws(NFTError) in
                guard reply.stringAttribute(UInt16(NFTA_RULE_CHAIN.rawValue)) == chain.name else { return }
                let comment = reply.attribute(UInt16(NFTA_RULE_USERDATA.rawValue)).flatMap { commentFromUserdata($0) }
                guard keep(comment) else { return }
                guard let r = nftnl_rule_alloc() else { throw NFTError(.encoding, operation: what) }
                defer { nftnl_rule_free(r) }
                guard nftnl_rule_nlmsg_parse(reply.header, r) >= 0 else {
                    throw NFTError(.malformedReply, operation: what)
                }
                found(NFTListedRule(nftnl: r, chain: chain, comment: comment))
            })
    }
}
