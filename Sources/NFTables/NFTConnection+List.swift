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
            guard reply.ruleAttributesValid else { throw NFTError(.malformedReply, operation: what) }
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

extension NetlinkMessage {
    /// True when a rule message is laid out as libnftnl's parser expects: attributes of the sizes
    /// its ABI check wants, strings NUL-terminated, every expression named. libnftnl (1.2.x) trusts
    /// the kernel here: on an attribute of the wrong size it exits the process ("nf_tables kernel
    /// ABI is broken"), and it looks an expression up by a name it does not check is there (a NULL
    /// dereference); both found by the nftables fuzz target. The kernel sends neither; this keeps
    /// a malformed reply an error of ours rather than a dead plugin. Expressions are checked
    /// attribute by attribute when they are of the kinds the plugins write (`NFTRuleLayout`); others
    /// go to libnftnl as received.
    var ruleAttributesValid: Bool {
        guard let top = try? AttributeList(parsing: payload, from: 4) else { return false }
        for a in top {
            switch UInt32(a.type) {
            case NFTA_RULE_TABLE.rawValue, NFTA_RULE_CHAIN.rawValue: guard NFTRuleLayout.string.accepts(a) else { return false }
            case NFTA_RULE_HANDLE.rawValue, NFTA_RULE_POSITION.rawValue: guard NFTRuleLayout.u64.accepts(a) else { return false }
            case NFTA_RULE_ID.rawValue, NFTA_RULE_POSITION_ID.rawValue: guard NFTRuleLayout.u32.accepts(a) else { return false }
            case NFTA_RULE_COMPAT.rawValue:
                // NFTA_RULE_COMPAT_PROTO, NFTA_RULE_COMPAT_FLAGS: u32 each.
                guard NFTRuleLayout.nested.accepts(a), let compat = try? a.nested(),
                    compat.allSatisfy({ $0.type > 2 || NFTRuleLayout.u32.accepts($0) })
                else { return false }
            case NFTA_RULE_EXPRESSIONS.rawValue:
                guard let elements = try? a.nested() else { return false }
                for element in elements where !NFTRuleLayout.expressionValid(element) { return false }
            default: continue
            }
        }
        return true
    }
}

/// The attribute kinds libnftnl checks (libmnl's `mnl_attr_validate` types) and, for the
/// expressions our rules are made of, which attribute is which kind (the kernel's
/// `nla_policy` for each, in `linux/netfilter/nf_tables.h` numbering).
package enum NFTRuleLayout {
    case u8, u32, u64, string, nested, data

    func accepts(_ a: Attribute) -> Bool {
        switch self {
        case .u8: return a.payload.count == 1
        case .u32: return a.payload.count == 4
        case .u64: return a.payload.count == 8
        case .string: return a.payload.count > 1 && a.payload.last == 0
        case .nested: return a.payload.isEmpty || a.payload.count >= 4
        case .data: return Self.dataValid(a)
        }
    }

    package static let expressions: [String: [UInt16: NFTRuleLayout]] = [
        "meta": [1: .u32, 2: .u32, 3: .u32],
        "payload": [1: .u32, 2: .u32, 3: .u32, 4: .u32, 5: .u32, 6: .u32, 7: .u32, 8: .u32],
        "cmp": [1: .u32, 2: .u32, 3: .data],
        "bitwise": [1: .u32, 2: .u32, 3: .u32, 4: .data, 5: .data, 6: .u32, 7: .data],
        "immediate": [1: .u32, 2: .data],
        "nat": [1: .u32, 2: .u32, 3: .u32, 4: .u32, 5: .u32, 6: .u32, 7: .u32],
        "masq": [1: .u32, 2: .u32, 3: .u32],
        "fib": [1: .u32, 2: .u32, 3: .u32],
        "ct": [1: .u32, 2: .u32, 3: .u8, 4: .u32],
        "counter": [1: .u64, 2: .u64],
        "lookup": [1: .string, 2: .u32, 3: .u32, 4: .u32, 5: .u32],
    ]

    /// One `NFTA_LIST_ELEM` of a rule's expressions: named (NUL-terminated), its data nested, and
    /// each attribute of a known expression of its kind.
    static func expressionValid(_ element: Attribute) -> Bool {
        // libmnl keeps the last of a repeated attribute: every one is checked, the last names the kind.
        guard let expression = try? element.nested() else { return false }
        let names = expression.all(UInt16(NFTA_EXPR_NAME.rawValue))
        guard let name = names.last, names.allSatisfy(string.accepts) else { return false }
        let layout = expressions[String(decoding: name.payload.prefix { $0 != 0 }, as: UTF8.self)]  // as strcmp reads it
        for data in expression.all(UInt16(NFTA_EXPR_DATA.rawValue)) {
            guard nested.accepts(data), let attributes = try? data.nested() else { return false }
            guard let layout else { continue }
            guard attributes.allSatisfy({ a in layout[a.type].map { $0.accepts(a) } ?? true }) else { return false }
        }
        return true
    }

    /// `NFTA_DATA_VALUE` (bytes) or `NFTA_DATA_VERDICT` (code, chain name, chain id).
    static func dataValid(_ a: Attribute) -> Bool {
        guard nested.accepts(a), let inner = try? a.nested() else { return false }
        let layout: [UInt16: NFTRuleLayout] = [1: .u32, 2: .string, 3: .u32]
        return inner.all(UInt16(NFTA_DATA_VERDICT.rawValue)).allSatisfy { verdict in
            guard nested.accepts(verdict), let fields = try? verdict.nested() else { return false }
            guard fields.allSatisfy({ f in layout[f.type].map { $0.accepts(f) } ?? true }) else { return false }
            // A jump or goto (NFT_JUMP -3, NFT_GOTO -4) names its chain: libnftnl copies the name
            // without checking it is there.
            let code = fields.all(1).last?.payload.withUnsafeBytes { Int32(bigEndian: $0.loadUnaligned(as: Int32.self)) }
            return !(code == -3 || code == -4) || !fields.all(2).isEmpty
        }
    }
}
