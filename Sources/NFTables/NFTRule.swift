import CLibnftnl

/// A rule to add to a chain: its expressions and an optional comment.
///
/// The comment is stored the way the `nft` CLI stores it (a NUL-terminated NFTNL_UDATA_RULE_COMMENT TLV in
/// the rule's userdata), so `nft list ruleset` shows `comment "..."` and rules made by `nft` (or by the
/// reference plugins through knftables) list with their comment here.
public struct NFTRule: Hashable, Sendable {
    public var chain: NFTChainRef
    public var expressions: [NFTExpression]
    /// At most `NFTRule.maxCommentLength` bytes; `nft` refuses longer ones.
    public var comment: String?

    /// The longest comment `nft` accepts (NFTNL_UDATA_COMMENT_MAXLEN).
    public static let maxCommentLength = 128

    public init(chain: NFTChainRef, expressions: [NFTExpression], comment: String? = nil) {
        self.chain = chain
        self.expressions = expressions
        self.comment = comment
    }

    /// A rule built with an `NFTRuleBuilder` for the chain's family.
    public init(chain: NFTChainRef, comment: String? = nil, _ build: (inout NFTRuleBuilder) -> Void) {
        var builder = NFTRuleBuilder(family: chain.table.family)
        build(&builder)
        self.init(chain: chain, expressions: builder.expressions, comment: comment)
    }
}

/// A rule as listed from the kernel: its handle (for deletion), comment and decoded expressions.
public struct NFTListedRule: Hashable, Sendable {
    public var chain: NFTChainRef
    /// The kernel's handle: unique within the table and never reused.
    public var handle: UInt64
    public var comment: String?
    public var expressions: [NFTExpression]

    public init(chain: NFTChainRef, handle: UInt64, comment: String?, expressions: [NFTExpression]) {
        self.chain = chain
        self.handle = handle
        self.comment = comment
        self.expressions = expressions
    }
}

// MARK: - userdata comments

/// The userdata TLV that carries a comment: type, length (with the NUL), bytes, NUL.
/// `type` is NFTNL_UDATA_{TABLE,CHAIN,RULE}_COMMENT, which are all 0.
func commentUserdata(_ comment: String, type: UInt8 = 0) -> [UInt8] {
    let bytes = Array(comment.utf8.prefix(255 - 1))
    return [type, UInt8(bytes.count + 1)] + bytes + [0]
}

/// The comment in a userdata blob written by `nft` or by us; nil when there is none.
func commentFromUserdata(_ data: UnsafeRawBufferPointer, type: UInt8 = 0) -> String? {
    var index = 0
    while index + 2 <= data.count {
        let t = data[index], length = Int(data[index + 1])
        let start = index + 2
        guard start + length <= data.count else { return nil }
        if t == type {
            var bytes = Array(data[start..<start + length])
            if let nul = bytes.firstIndex(of: 0) { bytes.removeSubrange(nul...) }
            return String(decoding: bytes, as: UTF8.self)
        }
        index = start + length
    }
    return nil
}

extension NFTRule {
    /// A libnftnl rule for this one (the caller frees it).
    func makeNftnl() throws(NFTError) -> OpaquePointer {
        guard let r = nftnl_rule_alloc() else {
            throw NFTError(.encoding, operation: "allocate rule for \(chain)")
        }
        nftnl_rule_set_u32(r, UInt16(NFTNL_RULE_FAMILY.rawValue), UInt32(chain.table.family.rawValue))
        nftnl_rule_set_str(r, UInt16(NFTNL_RULE_TABLE.rawValue), chain.table.name)
        nftnl_rule_set_str(r, UInt16(NFTNL_RULE_CHAIN.rawValue), chain.name)
        for expression in expressions {
            guard let e = expression.makeNftnl() else {
                nftnl_rule_free(r)
                throw NFTError(.encoding, operation: "encode expression \(expression) for \(chain)")
            }
            nftnl_rule_add_expr(r, e)
        }
        if let comment {
            guard comment.utf8.count <= NFTRule.maxCommentLength else {
                nftnl_rule_free(r)
                throw NFTError(
                    .encoding,
                    operation: "comment of \(comment.utf8.count) bytes for a rule in \(chain) (at most 128)")
            }
            let userdata = commentUserdata(comment)
            userdata.withUnsafeBytes {
                _ = nftnl_rule_set_data(r, UInt16(NFTNL_RULE_USERDATA.rawValue), $0.baseAddress, UInt32($0.count))
            }
        }
        return r
    }
}

extension NFTListedRule {
    /// Decodes a rule parsed from a GETRULE reply (`comment` as read by `comment(of:)`).
    init(nftnl r: OpaquePointer, chain: NFTChainRef, comment: String?) {
        let handle = nftnl_rule_get_u64(r, UInt16(NFTNL_RULE_HANDLE.rawValue))
        var expressions: [NFTExpression] = []
        if let iter = nftnl_expr_iter_create(r) {
            while let e = nftnl_expr_iter_next(iter) { expressions.append(NFTExpression(nftnl: e)) }
            nftnl_expr_iter_destroy(iter)
        }
        self.init(chain: chain, handle: handle, comment: comment, expressions: expressions)
    }

    /// The comment in a parsed rule's userdata, if any.
    static func comment(of r: OpaquePointer) -> String? {
        var length: UInt32 = 0
        guard nftnl_rule_is_set(r, UInt16(NFTNL_RULE_USERDATA.rawValue)),
            let data = nftnl_rule_get_data(r, UInt16(NFTNL_RULE_USERDATA.rawValue), &length)
        else { return nil }
        return commentFromUserdata(UnsafeRawBufferPointer(start: data, count: Int(length)))
    }
}
