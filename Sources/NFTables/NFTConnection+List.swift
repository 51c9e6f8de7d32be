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
            let complete = try request(
                what,
                build: { (buf, seq) throws(NFTError) in
                    let nlh = nftnl_nlmsg_build_hdr(
                        buf, UInt16(NFT_MSG_GETRULE.rawValue), UInt16(chain.table.family.rawValue),
                        UInt16(NLM_F_DUMP | NLM_F_ACK), seq)
                    let r = try makeRule(table: chain.table, chain: chain.name, handle: nil)
                    defer { nftnl_rule_free(r) }
                    nftnl_rule_nlmsg_build_payload(nlh, r)
                },
                handle: { (reply) throws(NFTError) in
                    // Chain and comment come from a quick scan of the attributes; only kept rules get the
                    // full libnftnl parse. The kernel filters by chain; check anyway (older kernels did not).
                    guard reply.stringAttribute(UInt16(NFTA_RULE_CHAIN.rawValue)) == chain.name else { return }
                    let comment = reply.attribute(UInt16(NFTA_RULE_USERDATA.rawValue)).flatMap { commentFromUserdata($0) }
                    guard keep(comment) else { return }
                    guard let r = nftnl_rule_alloc() else { throw NFTError(.encoding, operation: what) }
                    defer { nftnl_rule_free(r) }
                    guard nftnl_rule_nlmsg_parse(reply.header, r) >= 0 else {
                        throw NFTError(.malformedReply, operation: what)
                    }
                    rules.append(NFTListedRule(nftnl: r, chain: chain, comment: comment))
                })
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
        do {
            _ = try request(
                "get chain \(chain)",
                build: { (buf, seq) throws(NFTError) in
                    let nlh = nftnl_nlmsg_build_hdr(
                        buf, UInt16(NFT_MSG_GETCHAIN.rawValue), UInt16(chain.table.family.rawValue),
                        UInt16(NLM_F_ACK), seq)
                    let c = try makeChain(chain, base: nil, comment: nil)
                    defer { nftnl_chain_free(c) }
                    nftnl_chain_nlmsg_build_payload(nlh, c)
                }, handle: { _ in })
            return true
        } catch where error.isNotFound {
            return false
        }
    }
}
