import CLibnftnl
import NetAddress
import Testing

@testable import NFTables

/// The builder against the expressions `nft --debug=netlink` (1.0.6) prints for the same words.
@Suite struct NFTRuleBuilderTests {
    func build(_ family: NFTFamily, _ body: (inout NFTRuleBuilder) -> Void) -> [NFTExpression] {
        var b = NFTRuleBuilder(family: family)
        body(&b)
        return b.expressions
    }

    @Test func inetAddressMatchesNeedNfprotoOnce() {
        // ip saddr 10.88.0.2 ip daddr != 10.88.0.0/16 masquerade
        let got = build(.inet) {
            $0.match(.source, address: IPAddress("10.88.0.2")!)
            $0.match(.destination, .neq, IPNetwork("10.88.0.7/16")!)
            $0.masquerade()
        }
        #expect(got == [
            .meta(.nfproto, register: 1), .cmp(.eq, register: 1, data: [2]),
            .payload(.network, offset: 12, length: 4, register: 1), .cmp(.eq, register: 1, data: [10, 88, 0, 2]),
            .payload(.network, offset: 16, length: 2, register: 1), .cmp(.neq, register: 1, data: [10, 88]),
            .masquerade,
        ])
    }

    @Test func unalignedPrefixesLoadTheWholeAddressAndMask() {
        // ip daddr 224.0.0.0/4 return  (in an ip table: no nfproto)
        #expect(build(.ip) {
            $0.match(.destination, IPNetwork("224.0.0.0/4")!)
            $0.verdict(.return)
        } == [
            .payload(.network, offset: 16, length: 4, register: 1),
            .bitwise(source: 1, destination: 1, mask: [0xf0, 0, 0, 0], xor: [0, 0, 0, 0]),
            .cmp(.eq, register: 1, data: [224, 0, 0, 0]), .verdict(.return),
        ])
        // ip6 daddr ff00::/8 is byte-aligned: one byte
        #expect(build(.inet) { $0.match(.destination, IPNetwork("ff00::/8")!) } == [
            .meta(.nfproto, register: 1), .cmp(.eq, register: 1, data: [10]),
            .payload(.network, offset: 24, length: 1, register: 1), .cmp(.eq, register: 1, data: [0xff]),
        ])
        // /0 masks everything away, as nft does for `ip saddr 0.0.0.0/0`
        #expect(build(.ip) { $0.match(.source, IPNetwork("0.0.0.0/0")!) } == [
            .payload(.network, offset: 12, length: 4, register: 1),
            .bitwise(source: 1, destination: 1, mask: [0, 0, 0, 0], xor: [0, 0, 0, 0]),
            .cmp(.eq, register: 1, data: [0, 0, 0, 0]),
        ])
    }

    @Test func portsInterfacesAndNAT() {
        // ip daddr 192.168.1.5 tcp dport 8080 dnat to 10.0.0.2:80
        #expect(build(.ip) {
            $0.match(.destination, address: IPAddress("192.168.1.5")!)
            $0.matchProtocol(.tcp)
            $0.matchPort(.destination, 8080)
            $0.dnat(to: IPAddress("10.0.0.2")!, port: 80)
        } == [
            .payload(.network, offset: 16, length: 4, register: 1), .cmp(.eq, register: 1, data: [192, 168, 1, 5]),
            .meta(.l4proto, register: 1), .cmp(.eq, register: 1, data: [6]),
            .payload(.transport, offset: 2, length: 2, register: 1), .cmp(.eq, register: 1, data: [0x1f, 0x90]),
            .immediate(register: 1, data: [10, 0, 0, 2]), .immediate(register: 2, data: [0, 80]),
            .nat(.dnat, family: .ip, addressRegister: 1, portRegister: 2, flags: 2),
        ])
        // iifname "eth0" oifname != "veth*" counter accept
        #expect(build(.ip) {
            $0.matchInterface(.input, name: "eth0")
            $0.matchInterface(.output, .neq, name: "veth*")
            $0.counter()
            $0.verdict(.accept)
        } == [
            .meta(.iifname, register: 1), .cmp(.eq, register: 1, data: Array("eth0".utf8) + [UInt8](repeating: 0, count: 12)),
            .meta(.oifname, register: 1), .cmp(.neq, register: 1, data: Array("veth".utf8)),
            .counter, .verdict(.accept),
        ])
        // snat to 10.0.0.1 (no port: no proto register, no flags)
        #expect(build(.ip) { $0.snat(to: IPAddress("10.0.0.1")!) } == [
            .immediate(register: 1, data: [10, 0, 0, 1]),
            .nat(.snat, family: .ip, addressRegister: 1, portRegister: nil, flags: 0),
        ])
    }

    @Test func fibAndConntrackUseHostOrderValues() {
        let local = build(.ip) { $0.matchDestinationIsLocal() }
        #expect(local == [.fib(flags: 2, result: 3, register: 1), .cmp(.eq, register: 1, data: hostOrder(2))])
        let ct = build(.ip) { $0.matchConntrackState([.established, .related]) }
        #expect(ct == [
            .ct(.state, register: 1),
            .bitwise(source: 1, destination: 1, mask: hostOrder(6), xor: [0, 0, 0, 0]),
            .cmp(.neq, register: 1, data: [0, 0, 0, 0]),
        ])
    }
}

@Suite struct NFTEncodingTests {
    @Test func commentUserdataIsTheTLVNftWrites() {
        // nft --debug=netlink shows `userdata = { \x00\x05abc6\x00 }` for comment "abc6".
        #expect(commentUserdata("abc6") == [0, 5] + Array("abc6".utf8) + [0])
        let blob: [UInt8] = [1, 2, 9, 9] + commentUserdata("hello, net: x")
        #expect(blob.withUnsafeBytes { commentFromUserdata($0) } == "hello, net: x")
        #expect([UInt8]([0, 9, 1]).withUnsafeBytes { commentFromUserdata($0) } == nil)  // truncated TLV
    }

    @Test func rulesRoundTripThroughLibnftnl() throws {
        let chain = NFTTableRef(.inet, "t").chain("c")
        let rule = NFTRule(chain: chain, comment: "x") {
            $0.match(.source, address: IPAddress("fd00::2")!)
            $0.match(.destination, .neq, IPNetwork("fd00::/60")!)
            $0.matchProtocol(.udp)
            $0.matchPort(.destination, 53)
            $0.dnat(to: IPAddress("fd00::3")!, port: 5353)
            $0.verdict(.jump("other"))
        }
        let r = try rule.makeNftnl()
        defer { nftnl_rule_free(r) }
        let decoded = NFTListedRule(nftnl: r, chain: chain, comment: NFTListedRule.comment(of: r))
        #expect(decoded.expressions == rule.expressions)
        #expect(decoded.comment == "x")
    }

    /// Each operation becomes one nf_tables message with the flags `nft` uses, all asking for an ack.
    @Test(arguments: [
        (NFTBatch.Operation.addTable(NFTTable(NFTTableRef(.inet, "t"))), 0 as UInt16, 0x400 | 0x4 as UInt16),
        (.addChain(NFTChain(NFTTableRef(.inet, "t").chain("c"))), 3, 0x400 | 0x4),
        (.addRule(NFTRule(chain: NFTTableRef(.inet, "t").chain("c"), expressions: [.verdict(.accept)])), 6, 0x400 | 0x800 | 0x4),
        (.insertRule(NFTRule(chain: NFTTableRef(.inet, "t").chain("c"), expressions: [.verdict(.accept)])), 6, 0x400 | 0x4),
        (.deleteRule(NFTTableRef(.inet, "t").chain("c"), handle: 7), 8, 0x4),
        (.flushChain(NFTTableRef(.inet, "t").chain("c")), 8, 0x4),
        (.deleteChain(NFTTableRef(.inet, "t").chain("c")), 5, 0x4),
        (.deleteTable(NFTTableRef(.inet, "t")), 2, 0x4),
    ])
    func operationMessages(operation: NFTBatch.Operation, messageType: UInt16, flags: UInt16) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8192, alignment: 4)
        defer { buffer.deallocate() }
        try operation.encode(into: buffer.baseAddress!.assumingMemoryBound(to: CChar.self))
        let type = buffer.load(fromByteOffset: 4, as: UInt16.self)
        #expect(type == (10 << 8) | messageType)  // NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_*
        #expect(buffer.load(fromByteOffset: 6, as: UInt16.self) == flags | 0x1)  // NLM_F_REQUEST
        #expect(buffer.load(fromByteOffset: 8, as: UInt32.self) == 0)  // stamped by the connection
        #expect(buffer.load(fromByteOffset: 16, as: UInt8.self) == operation.familyForTest)
    }

    @Test func errorsNameTheObjectAndTheKernelsReason() {
        let e = NFTError(.kernel, operation: "add rule to inet t c", errno: .noSuchFileOrDirectory, kernelMessage: "no chain")
        #expect(e.description == "nftables: add rule to inet t c: No such file or directory (kernel: no chain)")
        #expect(e.isNotFound)
        #expect(!NFTError(.encoding, operation: "x").isNotFound)
    }
}

extension NFTBatch.Operation {
    var familyForTest: UInt8 {
        switch self {
        case .addTable(let t): return t.ref.family.rawValue
        case .addChain(let c): return c.ref.table.family.rawValue
        case .addRule(let r), .insertRule(let r): return r.chain.table.family.rawValue
        case .deleteRule(let c, _), .flushChain(let c), .deleteChain(let c): return c.table.family.rawValue
        case .flushTable(let t), .deleteTable(let t): return t.family.rawValue
        }
    }
}
