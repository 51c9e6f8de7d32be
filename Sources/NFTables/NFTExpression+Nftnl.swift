import CLibnftnl

// Conversion between `NFTExpression` and libnftnl's `struct nftnl_expr`.
// libnftnl's attribute numbers are anonymous C enums (imported as Int), its setters take uint16_t.

@inline(__always) func attr(_ value: Int) -> UInt16 { UInt16(value) }

extension NFTExpression {
    /// A new libnftnl expression for this one; the caller hands it to `nftnl_rule_add_expr`, which owns it.
    func makeNftnl() -> OpaquePointer? {
        switch self {
        case .meta(let key, let register):
            guard let e = nftnl_expr_alloc("meta") else { return nil }
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_META_KEY), key.rawValue)
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_META_DREG), register)
            return e
        case .payload(let base, let offset, let length, let register):
            guard let e = nftnl_expr_alloc("payload") else { return nil }
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_PAYLOAD_DREG), register)
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_PAYLOAD_BASE), base.rawValue)
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_PAYLOAD_OFFSET), offset)
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_PAYLOAD_LEN), length)
            return e
        case .cmp(let op, let register, let data):
            guard let e = nftnl_expr_alloc("cmp") else { return nil }
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_CMP_SREG), register)
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_CMP_OP), op.rawValue)
            setBytes(e, attr(NFTNL_EXPR_CMP_DATA), data)
            return e
        case .bitwise(let source, let destination, let mask, let xor):
            guard let e = nftnl_expr_alloc("bitwise") else { return nil }
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_BITWISE_SREG), source)
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_BITWISE_DREG), destination)
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_BITWISE_LEN), UInt32(mask.count))
            setBytes(e, attr(NFTNL_EXPR_BITWISE_MASK), mask)
            setBytes(e, attr(NFTNL_EXPR_BITWISE_XOR), xor)
            return e
        case .verdict(let verdict):
            guard let e = nftnl_expr_alloc("immediate") else { return nil }
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_IMM_DREG), 0)  // NFT_REG_VERDICT
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_IMM_VERDICT), UInt32(bitPattern: verdict.code))
            if let chain = verdict.chain { nftnl_expr_set_str(e, attr(NFTNL_EXPR_IMM_CHAIN), chain) }
            return e
        case .immediate(let register, let data):
            guard let e = nftnl_expr_alloc("immediate") else { return nil }
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_IMM_DREG), register)
            setBytes(e, attr(NFTNL_EXPR_IMM_DATA), data)
            return e
        case .nat(let type, let family, let addressRegister, let portRegister, let flags):
            guard let e = nftnl_expr_alloc("nat") else { return nil }
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_NAT_TYPE), type.rawValue)
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_NAT_FAMILY), UInt32(family.rawValue))
            if let addressRegister { nftnl_expr_set_u32(e, attr(NFTNL_EXPR_NAT_REG_ADDR_MIN), addressRegister) }
            if let portRegister { nftnl_expr_set_u32(e, attr(NFTNL_EXPR_NAT_REG_PROTO_MIN), portRegister) }
            if flags != 0 { nftnl_expr_set_u32(e, attr(NFTNL_EXPR_NAT_FLAGS), flags) }
            return e
        case .masquerade:
            return nftnl_expr_alloc("masq")
        case .fib(let flags, let result, let register):
            guard let e = nftnl_expr_alloc("fib") else { return nil }
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_FIB_FLAGS), flags)
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_FIB_RESULT), result)
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_FIB_DREG), register)
            return e
        case .ct(let key, let register):
            guard let e = nftnl_expr_alloc("ct") else { return nil }
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_CT_KEY), key.rawValue)
            nftnl_expr_set_u32(e, attr(NFTNL_EXPR_CT_DREG), register)
            return e
        case .counter:
            return nftnl_expr_alloc("counter")
        case .other:
            return nil
        }
    }

    /// Decodes a libnftnl expression from a listed rule; unknown kinds become `.other(name)`.
    init(nftnl e: OpaquePointer) {
        let name = nftnl_expr_get_str(e, attr(NFTNL_EXPR_NAME)).map { String(cString: $0) } ?? ""
        func u32(_ a: Int) -> UInt32 { nftnl_expr_get_u32(e, attr(a)) }
        func has(_ a: Int) -> Bool { nftnl_expr_is_set(e, attr(a)) }
        switch name {
        case "meta" where has(NFTNL_EXPR_META_DREG):
            self = .meta(NFTMetaKey(rawValue: u32(NFTNL_EXPR_META_KEY)), register: u32(NFTNL_EXPR_META_DREG))
        case "payload" where has(NFTNL_EXPR_PAYLOAD_DREG):
            self = .payload(
                NFTPayloadBase(rawValue: u32(NFTNL_EXPR_PAYLOAD_BASE)), offset: u32(NFTNL_EXPR_PAYLOAD_OFFSET),
                length: u32(NFTNL_EXPR_PAYLOAD_LEN), register: u32(NFTNL_EXPR_PAYLOAD_DREG))
        case "cmp":
            self = .cmp(
                NFTCmpOp(rawValue: u32(NFTNL_EXPR_CMP_OP)), register: u32(NFTNL_EXPR_CMP_SREG),
                data: getBytes(e, attr(NFTNL_EXPR_CMP_DATA)))
        case "bitwise" where has(NFTNL_EXPR_BITWISE_MASK):
            self = .bitwise(
                source: u32(NFTNL_EXPR_BITWISE_SREG), destination: u32(NFTNL_EXPR_BITWISE_DREG),
                mask: getBytes(e, attr(NFTNL_EXPR_BITWISE_MASK)), xor: getBytes(e, attr(NFTNL_EXPR_BITWISE_XOR)))
        case "immediate":
            let register = u32(NFTNL_EXPR_IMM_DREG)
            if register == 0 {
                let chain = nftnl_expr_get_str(e, attr(NFTNL_EXPR_IMM_CHAIN)).map { String(cString: $0) }
                let code = Int32(bitPattern: u32(NFTNL_EXPR_IMM_VERDICT))
                self = NFTVerdict(code: code, chain: chain).map { .verdict($0) } ?? .other(name)
            } else {
                self = .immediate(register: register, data: getBytes(e, attr(NFTNL_EXPR_IMM_DATA)))
            }
        case "nat":
            self = .nat(
                NFTNATType(rawValue: u32(NFTNL_EXPR_NAT_TYPE)),
                family: NFTFamily(rawValue: UInt8(truncatingIfNeeded: u32(NFTNL_EXPR_NAT_FAMILY))),
                addressRegister: has(NFTNL_EXPR_NAT_REG_ADDR_MIN) ? u32(NFTNL_EXPR_NAT_REG_ADDR_MIN) : nil,
                portRegister: has(NFTNL_EXPR_NAT_REG_PROTO_MIN) ? u32(NFTNL_EXPR_NAT_REG_PROTO_MIN) : nil,
                flags: has(NFTNL_EXPR_NAT_FLAGS) ? u32(NFTNL_EXPR_NAT_FLAGS) : 0)
        case "masq":
            self = .masquerade
        case "fib":
            self = .fib(
                flags: u32(NFTNL_EXPR_FIB_FLAGS), result: u32(NFTNL_EXPR_FIB_RESULT), register: u32(NFTNL_EXPR_FIB_DREG))
        case "ct" where has(NFTNL_EXPR_CT_DREG):
            self = .ct(NFTConntrackKey(rawValue: u32(NFTNL_EXPR_CT_KEY)), register: u32(NFTNL_EXPR_CT_DREG))
        case "counter":
            self = .counter
        default:
            self = .other(name)
        }
    }
}

private func setBytes(_ e: OpaquePointer, _ type: UInt16, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { _ = nftnl_expr_set(e, type, $0.baseAddress, UInt32($0.count)) }
}

private func getBytes(_ e: OpaquePointer, _ type: UInt16) -> [UInt8] {
    var length: UInt32 = 0
    guard let data = nftnl_expr_get(e, type, &length), length > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: data, count: Int(length)))
}
