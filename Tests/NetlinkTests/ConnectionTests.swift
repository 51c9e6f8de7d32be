import CNITestSupport
import NetAddress
import Netlink
import SystemPackage
import Testing

/// NetlinkConnection and RouteNetlink logic against FunctionTransport: no kernel involved.
@Suite struct ConnectionTests {
    private static let RTM_NEWLINK: UInt16 = 16
    private static let NLMSG_ERROR: UInt16 = 2
    private static let dumpInterrupted: UInt16 = 0x10  // NLM_F_DUMP_INTR

    private func link(_ index: Int32, _ name: String) -> NetlinkMessage {
        Link(index: index, name: name, kind: .veth, flags: .up, operState: .up).message
    }

    @Test func acknowledgedRequestStampsIncreasingSequenceNumbers() throws {
        let transport = FunctionTransport(portID: 42) { request in [NetlinkReplies.ack(to: request)] }
        let connection = NetlinkConnection(transport: transport)
        #expect(try connection.execute(.deleteLink(index: 3, name: "a")).isEmpty)
        #expect(try connection.execute(.deleteLink(index: 4, name: "b")).isEmpty)
        #expect(transport.requests.map(\.sequence) == [1, 2])
        // What went out is the builder's request with only the sequence number filled in.
        #expect(zeroingSequenceAndPort(transport.requests[0].bytes) == NetlinkRequest.deleteLink(index: 3, name: "a").bytes)
    }

    @Test func kernelErrorCarriesErrnoExtendedAckAndOperation() throws {
        let transport = FunctionTransport { request in
            [NetlinkReplies.error(.fileExists, to: request, extendedAck: "Device name already in use")]
        }
        let netlink = RouteNetlink(transport: transport)
        let error = try #require(throws: NetlinkError.self) {
            try netlink.addVeth(VethSpec(name: "eth0", peerName: "veth1a2b3c4d"))
        }
        #expect(error.errno == .fileExists)
        #expect(error.isExists && !error.isNotFound)
        #expect(error.extendedAck == "Device name already in use")
        #expect(error.operation == "add link eth0 (veth peer veth1a2b3c4d)")
        #expect(error.messageType == Self.RTM_NEWLINK)
        #expect(error.sequence == 1)
        #expect(error.description == "netlink add link eth0 (veth peer veth1a2b3c4d): File exists (kernel: \"Device name already in use\")")
        switch error {
        case Errno.fileExists: break
        default: Issue.record("~= should match the errno")
        }
    }

    @Test func uncappedErrorEchoingTheWholeRequestStillYieldsTheExtendedAck() throws {
        // Without NETLINK_CAP_ACK the kernel echoes the full request before the TLVs.
        let transport = FunctionTransport { request in
            var payload: [UInt8] = []
            payload += withUnsafeBytes(of: Int32(-22)) { Array($0) }        // -EINVAL
            payload += request.bytes                                         // the whole request
            let text = Array("bad attribute".utf8) + [0]
            payload += withUnsafeBytes(of: UInt16(4 + text.count)) { Array($0) }
            payload += withUnsafeBytes(of: UInt16(1)) { Array($0) }         // NLMSGERR_ATTR_MSG
            payload += text + [0, 0]                                         // 14 B + 2 B padding
            payload += hex("0800 0200 14000000")                             // NLMSGERR_ATTR_OFFS 20
            let message = NetlinkMessage(type: Self.NLMSG_ERROR, flags: 0x200, sequence: request.sequence, payload: payload)
            return [message.bytes]
        }
        let error = try #require(throws: NetlinkError.self) {
            try RouteNetlink(transport: transport).setMTU(Link(index: 2, name: "eth0"), 70000)
        }
        #expect(error.errno == .invalidArgument)
        #expect(error.extendedAck == "bad attribute")
        #expect(error.extendedAckOffset == 20)
    }

    @Test func missingLinkIsNil() throws {
        let transport = FunctionTransport { request in [NetlinkReplies.error(.operationNotSupportedByDevice, to: request)] }
        #expect(try RouteNetlink(transport: transport).link(named: "nope") == nil)
    }

    @Test func getReturnsTheReplyBeforeTheAck() throws {
        let transport = FunctionTransport { request in
            [NetlinkReplies.reply(type: Self.RTM_NEWLINK, payload: self.link(5, "eth0").payload, answering: request)
                + NetlinkReplies.ack(to: request)]
        }
        let found = try #require(try RouteNetlink(transport: transport).link(named: "eth0"))
        #expect(found.index == 5 && found.name == "eth0" && found.kind == .veth && found.isUp)
    }

    @Test func multipartDumpAcrossDatagrams() throws {
        let transport = FunctionTransport { request in
            [
                NetlinkReplies.multipart([self.link(1, "lo"), self.link(2, "eth0")], answering: request),
                NetlinkReplies.multipart([self.link(3, "eth1")], answering: request, done: true),
            ]
        }
        let links = try RouteNetlink(transport: transport).links()
        #expect(links.map(\.name) == ["lo", "eth0", "eth1"])
    }

    @Test func interruptedDumpIsRepeated() throws {
        var attempt = 0
        let transport = FunctionTransport { request in
            attempt += 1
            if attempt == 1 {
                // The kernel flags the inconsistent dump; its content must be thrown away.
                return [NetlinkReplies.multipart(
                    [self.link(1, "stale")], answering: request, extraFlags: Self.dumpInterrupted, done: true)]
            }
            return [NetlinkReplies.multipart([self.link(1, "lo"), self.link(7, "fresh")], answering: request, done: true)]
        }
        let links = try RouteNetlink(transport: transport).links()
        #expect(links.map(\.name) == ["lo", "fresh"])
        #expect(transport.requests.map(\.sequence) == [1, 2])
    }

    @Test func dumpInterruptedEveryTimeFailsWithEINTR() throws {
        let transport = FunctionTransport { request in
            [NetlinkReplies.multipart([self.link(1, "lo")], answering: request, extraFlags: Self.dumpInterrupted, done: true)]
        }
        let connection = NetlinkConnection(transport: transport)
        connection.dumpAttempts = 3
        let error = try #require(throws: NetlinkError.self) { try connection.dump(.dumpLinks()) }
        #expect(error.errno == .interrupted)
        #expect(error.operation == "dump links")
        #expect(transport.requests.count == 3)
    }

    @Test func staleMessagesFromAnAbandonedExchangeAreSkipped() throws {
        let transport = FunctionTransport { request in
            var stale = request
            stale.sequence &-= 1
            return [NetlinkReplies.error(.invalidArgument, to: stale) + NetlinkReplies.ack(to: request)]
        }
        try RouteNetlink(transport: transport).setUp(Link(index: 2, name: "eth0"))
    }

    @Test func errorInsteadOfDumpIsThrown() throws {
        let transport = FunctionTransport { request in
            [NetlinkReplies.error(.notSupported, to: request, extendedAck: "no")]
        }
        let error = try #require(throws: NetlinkError.self) { try RouteNetlink(transport: transport).addresses() }
        #expect(error.errno == .notSupported && error.operation == "dump addresses")
    }

    @Test func routeDumpOfMissingTableIsEmpty() throws {
        let transport = FunctionTransport { request in [NetlinkReplies.error(.noSuchFileOrDirectory, to: request)] }
        #expect(try RouteNetlink(transport: transport).routes(family: .v4, table: RouteTable(77)).isEmpty)
    }

    @Test func transportFailureBecomesNetlinkError() throws {
        let transport = FunctionTransport { _ in [] }  // nothing queued: receive throws EAGAIN
        let error = try #require(throws: NetlinkError.self) { try RouteNetlink(transport: transport).links() }
        #expect(error.errno == .resourceTemporarilyUnavailable)
    }

    @Test func truncatedDatagramIsADecodingError() throws {
        let transport = FunctionTransport { request in [Array(NetlinkReplies.ack(to: request).prefix(20)) + [0, 0, 0, 0]] }
        // The header claims 36 bytes but only 24 arrived.
        #expect(throws: NetlinkDecodingError.self) { try RouteNetlink(transport: transport).setUp(Link(index: 1, name: "lo")) }
    }

    @Test func truncatedAttributeIsADecodingError() throws {
        let transport = FunctionTransport { request in
            var payload = self.link(1, "lo").payload
            payload += hex("4000 0300")  // IFLA_IFNAME claiming 64 bytes at the very end
            return [NetlinkReplies.multipart([NetlinkMessage(type: Self.RTM_NEWLINK, payload: payload)], answering: request, done: true)]
        }
        let error = try #require(throws: NetlinkDecodingError.self) { try RouteNetlink(transport: transport).links() }
        #expect(error.messageType == nil || error.messageType == Self.RTM_NEWLINK)
    }
}
