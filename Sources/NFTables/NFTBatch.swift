import CLibnftnl
import CNetlinkShim

/// The changes of one operation, committed atomically by `NFTConnection.commit(_:)`: either all apply or
/// none does. Operations run in the order they were added, within one NFNL_MSG_BATCH_BEGIN … END.
public struct NFTBatch: Sendable {
    /// One change. Each is one netlink message, acknowledged separately (NLM_F_ACK).
    public enum Operation: Hashable, Sendable, CustomStringConvertible {
        /// `nft add table` (NLM_F_CREATE without EXCL: an existing table is kept, its rules untouched).
        case addTable(NFTTable)
        /// `nft add chain` (idempotent like `addTable`; an existing base chain must have the same hook).
        case addChain(NFTChain)
        /// `nft add rule` (appended at the end of the chain).
        case addRule(NFTRule)
        /// `nft insert rule` (put at the start of the chain).
        case insertRule(NFTRule)
        /// `nft delete rule <chain> handle <handle>`
        case deleteRule(NFTChainRef, handle: UInt64)
        /// `nft flush chain`: deletes every rule of the chain.
        case flushChain(NFTChainRef)
        /// `nft delete chain` (the chain must be empty and unreferenced).
        case deleteChain(NFTChainRef)
        /// `nft flush table`: deletes every rule of every chain of the table.
        case flushTable(NFTTableRef)
        /// `nft delete table`: the table and everything in it.
        case deleteTable(NFTTableRef)

        /// What an error message names: `add rule to inet t c`.
        public var description: String {
            switch self {
            case .addTable(let t): return "add table \(t.ref)"
            case .addChain(let c): return "add chain \(c.ref)"
            case .addRule(let r): return "add rule to \(r.chain)" + (r.comment.map { " (comment \"\($0)\")" } ?? "")
            case .insertRule(let r): return "insert rule into \(r.chain)"
            case .deleteRule(let c, let handle): return "delete rule \(c) handle \(handle)"
            case .flushChain(let c): return "flush chain \(c)"
            case .deleteChain(let c): return "delete chain \(c)"
            case .flushTable(let t): return "flush table \(t)"
            case .deleteTable(let t): return "delete table \(t)"
            }
        }
    }

    public private(set) var operations: [Operation] = []

    public init(_ operations: [Operation] = []) { self.operations = operations }

    public var isEmpty: Bool { operations.isEmpty }

    /// Appends one operation.
    public mutating func append(_ operation: Operation) { operations.append(operation) }

    /// `nft add table`
    public mutating func add(_ table: NFTTable) { append(.addTable(table)) }
    /// `nft add chain`
    public mutating func add(_ chain: NFTChain) { append(.addChain(chain)) }
    /// `nft add rule`
    public mutating func add(_ rule: NFTRule) { append(.addRule(rule)) }
    /// `nft delete rule ... handle N`
    public mutating func deleteRule(_ rule: NFTListedRule) { append(.deleteRule(rule.chain, handle: rule.handle)) }
}

// MARK: - encoding

extension NFTBatch.Operation {
    /// Writes this operation's netlink message at `buf` (which has room for a maximal message), with
    /// sequence number 0 (the connection stamps it when sending).
    func encode(into buf: UnsafeMutablePointer<CChar>) throws(NFTError) {
        let sequence: UInt32 = 0
        let create = UInt16(NLM_F_CREATE | NLM_F_ACK)
        switch self {
        case .addTable(let table):
            let t = try makeTable(table.ref, comment: table.comment)
            defer { nftnl_table_free(t) }
            let nlh = header(buf, NFT_MSG_NEWTABLE, table.ref.family, create, sequence)
            nftnl_table_nlmsg_build_payload(nlh, t)
        case .deleteTable(let ref), .flushTable(let ref):
            if case .flushTable = self {
                let r = try makeRule(table: ref, chain: nil, handle: nil)
                defer { nftnl_rule_free(r) }
                nftnl_rule_nlmsg_build_payload(header(buf, NFT_MSG_DELRULE, ref.family, UInt16(NLM_F_ACK), sequence), r)
            } else {
                let t = try makeTable(ref, comment: nil)
                defer { nftnl_table_free(t) }
                nftnl_table_nlmsg_build_payload(header(buf, NFT_MSG_DELTABLE, ref.family, UInt16(NLM_F_ACK), sequence), t)
            }
        case .addChain(let chain):
            let c = try makeChain(chain.ref, base: chain.base, comment: chain.comment)
            defer { nftnl_chain_free(c) }
            nftnl_chain_nlmsg_build_payload(header(buf, NFT_MSG_NEWCHAIN, chain.ref.table.family, create, sequence), c)
        case .deleteChain(let ref):
            let c = try makeChain(ref, base: nil, comment: nil)
            defer { nftnl_chain_free(c) }
            nftnl_chain_nlmsg_build_payload(header(buf, NFT_MSG_DELCHAIN, ref.table.family, UInt16(NLM_F_ACK), sequence), c)
        case .addRule(let rule), .insertRule(let rule):
            let r = try rule.makeNftnl()
            defer { nftnl_rule_free(r) }
            var flags = create
            if case .addRule = self { flags |= UInt16(NLM_F_APPEND) }
            nftnl_rule_nlmsg_build_payload(header(buf, NFT_MSG_NEWRULE, rule.chain.table.family, flags, sequence), r)
        case .deleteRule(let chain, let handle):
            let r = try makeRule(table: chain.table, chain: chain.name, handle: handle)
            defer { nftnl_rule_free(r) }
            nftnl_rule_nlmsg_build_payload(header(buf, NFT_MSG_DELRULE, chain.table.family, UInt16(NLM_F_ACK), sequence), r)
        case .flushChain(let chain):
            let r = try makeRule(table: chain.table, chain: chain.name, handle: nil)
            defer { nftnl_rule_free(r) }
            nftnl_rule_nlmsg_build_payload(header(buf, NFT_MSG_DELRULE, chain.table.family, UInt16(NLM_F_ACK), sequence), r)
        }
    }
}

private func header(
    _ buf: UnsafeMutablePointer<CChar>, _ type: nf_tables_msg_types, _ family: NFTFamily, _ flags: UInt16,
    _ sequence: UInt32
) -> UnsafeMutablePointer<nlmsghdr> {
    nftnl_nlmsg_build_hdr(buf, UInt16(type.rawValue), UInt16(family.rawValue), flags, sequence)
}

func makeTable(_ ref: NFTTableRef, comment: String?) throws(NFTError) -> OpaquePointer {
    guard let t = nftnl_table_alloc() else { throw NFTError(.encoding, operation: "allocate table \(ref)") }
    nftnl_table_set_u32(t, UInt16(NFTNL_TABLE_FAMILY.rawValue), UInt32(ref.family.rawValue))
    nftnl_table_set_str(t, UInt16(NFTNL_TABLE_NAME.rawValue), ref.name)
    if let comment {
        commentUserdata(comment).withUnsafeBytes {
            _ = nftnl_table_set_data(t, UInt16(NFTNL_TABLE_USERDATA.rawValue), $0.baseAddress, UInt32($0.count))
        }
    }
    return t
}

func makeChain(_ ref: NFTChainRef, base: NFTBaseChain?, comment: String?) throws(NFTError) -> OpaquePointer {
    guard let c = nftnl_chain_alloc() else { throw NFTError(.encoding, operation: "allocate chain \(ref)") }
    nftnl_chain_set_u32(c, UInt16(NFTNL_CHAIN_FAMILY.rawValue), UInt32(ref.table.family.rawValue))
    nftnl_chain_set_str(c, UInt16(NFTNL_CHAIN_TABLE.rawValue), ref.table.name)
    nftnl_chain_set_str(c, UInt16(NFTNL_CHAIN_NAME.rawValue), ref.name)
    if let base {
        nftnl_chain_set_str(c, UInt16(NFTNL_CHAIN_TYPE.rawValue), base.type.rawValue)
        nftnl_chain_set_u32(c, UInt16(NFTNL_CHAIN_HOOKNUM.rawValue), base.hook.rawValue)
        nftnl_chain_set_s32(c, UInt16(NFTNL_CHAIN_PRIO.rawValue), base.priority)
        if let policy = base.policy {
            nftnl_chain_set_u32(c, UInt16(NFTNL_CHAIN_POLICY.rawValue), UInt32(bitPattern: policy.code))
        }
    }
    if let comment {
        commentUserdata(comment).withUnsafeBytes {
            _ = nftnl_chain_set_data(c, UInt16(NFTNL_CHAIN_USERDATA.rawValue), $0.baseAddress, UInt32($0.count))
        }
    }
    return c
}

func makeRule(table: NFTTableRef, chain: String?, handle: UInt64?) throws(NFTError) -> OpaquePointer {
    guard let r = nftnl_rule_alloc() else { throw NFTError(.encoding, operation: "allocate rule for \(table)") }
    nftnl_rule_set_u32(r, UInt16(NFTNL_RULE_FAMILY.rawValue), UInt32(table.family.rawValue))
    nftnl_rule_set_str(r, UInt16(NFTNL_RULE_TABLE.rawValue), table.name)
    if let chain { nftnl_rule_set_str(r, UInt16(NFTNL_RULE_CHAIN.rawValue), chain) }
    if let handle { nftnl_rule_set_u64(r, UInt16(NFTNL_RULE_HANDLE.rawValue), handle) }
    return r
}
