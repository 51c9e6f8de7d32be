import CNITestSupport
import CLibnftnl
import CNetlinkShim
import NetAddress
import Netlink
import SystemPackage
import Testing

@testable import NFTables

/// NFTConnection over a FunctionTransport: the batch framing, the kernel's verdicts as NFTErrors
/// and the decoding of listed rules and chains, without root.
@Suite struct NFTConnectionFakeTests {
    static let table = NFTTableRef(.inet, "t")
    static let chain = table.chain("c")

    /// The message libnftnl builds for `object` with `type` (an nftables reply, as the kernel sends it).
    static func message(_ type: nf_tables_msg_types, family: NFTFamily, build: (UnsafeMutablePointer<nlmsghdr>) -> Void) -> NetlinkMessage {
        var buffer = [CChar](repeating: 0, count: 16384)
        let bytes = buffer.withUnsafeMutableBufferPointer { buf -> [UInt8] in
            let nlh = nftnl_nlmsg_build_hdr(buf.baseAddress, UInt16(type.rawValue), UInt16(family.rawValue), 0, 0)!
            build(nlh)
            return Array(UnsafeRawBufferPointer(start: buf.baseAddress, count: Int(nlh.pointee.nlmsg_len)))
        }
        return try! NetlinkMessage.split(bytes)[0]
    }

    /// A rule as a dump lists it: with its handle.
    static func listed(_ rule: NFTRule, handle: UInt64) -> NetlinkMessage {
        message(NFT_MSG_NEWRULE, family: rule.chain.table.family) { nlh in
            let r = try! rule.makeNftnl()
            defer { nftnl_rule_free(r) }
            nftnl_rule_set_u64(r, UInt16(NFTNL_RULE_HANDLE.rawValue), handle)
            nftnl_rule_nlmsg_build_payload(nlh, r)
        }
    }

    /// A chain as the kernel lists it: with its handle.
    static func listed(_ chain: NFTChain, handle: UInt64) -> NetlinkMessage {
        message(NFT_MSG_NEWCHAIN, family: chain.ref.table.family) { nlh in
            let c = try! makeChain(chain.ref, base: chain.base, comment: chain.comment)
            defer { nftnl_chain_free(c) }
            nftnl_chain_set_u64(c, UInt16(NFTNL_CHAIN_HANDLE.rawValue), handle)
            nftnl_chain_nlmsg_build_payload(nlh, c)
        }
    }

    static func masquerade(_ address: String, comment: String?) -> NFTRule {
        NFTRule(chain: chain, comment: comment) {
            $0.match(.source, address: IPAddress(address)!)
            $0.masquerade()
        }
    }

    /// Acknowledges every request that asked for it.
    static func acking(_ request: NetlinkMessage) -> [[UInt8]] {
        request.flags & 0x4 != 0 ? [NetlinkReplies.ack(to: request)] : []
    }

    @Test func aCommitIsOneTransactionFramedByBeginAndEnd() throws {
        let transport = FunctionTransport(Self.acking)
        var batch = NFTBatch()
        batch.add(NFTTable(Self.table))
        batch.add(NFTChain(Self.chain))
        batch.add(Self.masquerade("10.88.0.2", comment: "x"))
        try NFTConnection(transport: transport).commit(batch)

        let types = transport.requests.map(\.type)
        let nftables: UInt16 = 10 << 8  // NFNL_SUBSYS_NFTABLES
        #expect(types == [0x10, nftables | 0, nftables | 3, nftables | 6, 0x11])  // BEGIN NEWTABLE NEWCHAIN NEWRULE END
        // The batch messages name the nftables subsystem in nfgenmsg.res_id (network order).
        #expect(Array(transport.requests[0].payload[2..<4]) == [0, 10])
        let sequences = transport.requests.map(\.sequence)
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 &+ 1 })
    }

    @Test func theKernelsRefusalNamesTheOperation() throws {
        let transport = FunctionTransport { request in
            if request.type & 0xff == 6 {
                return [NetlinkReplies.error(.noSuchFileOrDirectory, to: request, extendedAck: "No such file or directory")]
            }
            return Self.acking(request)
        }
        var batch = NFTBatch()
        batch.add(Self.masquerade("10.88.0.2", comment: "mine"))
        let error = try #require(throws: NFTError.self) { try NFTConnection(transport: transport).commit(batch) }
        #expect(error.code == .kernel && error.isNotFound)
        #expect(error.operation == "add rule to inet t c (comment \"mine\")")
    }

    @Test func anEmptyBatchSendsNothing() throws {
        let transport = FunctionTransport(Self.acking)
        try NFTConnection(transport: transport).commit(NFTBatch())
        #expect(transport.requests.isEmpty)
    }

    @Test func rulesAreDecodedAndFilteredByCommentAndChain() throws {
        let mine = Self.masquerade("10.88.0.2", comment: "mine")
        let theirs = Self.masquerade("10.88.0.3", comment: "theirs")
        let elsewhere = NFTRule(chain: Self.table.chain("other"), comment: "mine") { $0.masquerade() }
        let transport = FunctionTransport { request in
            [NetlinkReplies.multipart(
                [Self.listed(mine, handle: 4), Self.listed(theirs, handle: 5), Self.listed(elsewhere, handle: 6)],
                answering: request, done: true)]
        }
        let rules = try NFTConnection(transport: transport).rules(in: Self.chain) { $0 == "mine" }
        #expect(rules.map(\.handle) == [4])
        #expect(rules.first?.expressions == mine.expressions)
        #expect(rules.first?.comment == "mine")
        // A dump: NFT_MSG_GETRULE with NLM_F_DUMP.
        #expect(transport.requests.first.map { $0.type & 0xff == 7 && $0.flags & 0x300 == 0x300 } == true)
    }

    @Test func aChainIsLookedUpAloneAndAMissingOneIsNil() throws {
        let anchor = NFTChain(Self.table.chain("anchor"), comment: "hostports=2 address=10.88.0.2")
        let transport = FunctionTransport { request in
            if request.type & 0xff == 4 && request.payload.count > 4 {
                let asked = NetlinkMessage(type: request.type, payload: request.payload)
                    .attribute(3, afterHeader: 4).map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }  // NFTA_CHAIN_NAME
                if asked == "anchor" {
                    let reply = Self.listed(anchor, handle: 0x1_0000_0002)
                    return [NetlinkReplies.reply(type: reply.type, payload: reply.payload, answering: request) + NetlinkReplies.ack(to: request)]
                }
            }
            return [NetlinkReplies.error(.noSuchFileOrDirectory, to: request)]
        }
        let connection = NFTConnection(transport: transport)
        let found = try #require(try connection.chain(anchor.ref))
        #expect(found.handle == 0x1_0000_0002)
        #expect(found.comment == anchor.comment)
        #expect(!found.isBaseChain)
        #expect(try connection.chain(Self.table.chain("gone")) == nil)
        #expect(try !connection.chainExists(Self.table.chain("gone")))
    }

    @Test func aSocketFailureIsNoKernelRefusal() throws {
        let transport = FunctionTransport { _ in [] }  // no answer: receive throws EAGAIN
        let error = try #require(throws: NFTError.self) { try NFTConnection(transport: transport).tableExists(Self.table) }
        #expect(error.code == .socket && !error.isNotFound)
    }

    @Test func aTransactionThatLosesARaceIsPlannedAgain() throws {
        var commits = 0
        let transport = FunctionTransport { request in
            guard request.type & 0xff == 8 else { return Self.acking(request) }  // DELRULE
            commits += 1
            return commits == 1 ? [NetlinkReplies.error(.noSuchFileOrDirectory, to: request)] : Self.acking(request)
        }
        var plans = 0
        let result = try NFTConnection(transport: transport).transact { _ in
            plans += 1
            return (NFTBatch([.deleteRule(Self.chain, handle: 7)]), plans)
        }
        #expect(result == 2 && commits == 2)
    }

    @Test func aTransactionGivesUpAfterThreePlans() throws {
        let transport = FunctionTransport { request in
            request.type & 0xff == 8 ? [NetlinkReplies.error(.noSuchFileOrDirectory, to: request)] : Self.acking(request)
        }
        var plans = 0
        let error = try #require(throws: NFTError.self) {
            try NFTConnection(transport: transport).transact { _ in
                plans += 1
                return NFTBatch([.deleteRule(Self.chain, handle: 7)])
            }
        }
        #expect(error.isNotFound && plans == NFTConnection.transactionAttempts)
    }

    @Test func otherRefusalsAreNotRetried() throws {
        let transport = FunctionTransport { request in
            request.type & 0xff == 8 ? [NetlinkReplies.error(.permissionDenied, to: request)] : Self.acking(request)
        }
        var plans = 0
        #expect(throws: NFTError.self) {
            try NFTConnection(transport: transport).transact { _ in
                plans += 1
                return NFTBatch([.deleteRule(Self.chain, handle: 7)])
            }
        }
        #expect(plans == 1)
    }
}
