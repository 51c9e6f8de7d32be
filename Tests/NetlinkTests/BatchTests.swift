import CNITestSupport
import Netlink
import SystemPackage
import Testing

/// NetlinkConnection.executeBatch against FunctionTransport: one datagram, one sequence number per
/// request, and the verdict of every request that asked for one.
@Suite struct BatchTests {
    /// A request of `type` with `NLM_F_REQUEST` (plus `NLM_F_ACK` when `ack`).
    private func request(_ name: String, type: UInt16, ack: Bool = true) -> NetlinkRequest {
        let message = NetlinkMessage(type: type, flags: ack ? 0x5 : 0x1, payload: [0, 0, 0, 0])
        return NetlinkRequest(operation: name, bytes: message.bytes)
    }

    private var batch: [NetlinkRequest] {
        [
            request("begin", type: 0x10, ack: false),
            request("first", type: 0xa06),
            request("second", type: 0xa06),
            request("third", type: 0xa06),
            request("end", type: 0x11, ack: false),
        ]
    }

    @Test func everyRequestGoesInOneDatagramWithConsecutiveSequenceNumbers() throws {
        var datagrams = 0
        let transport = FunctionTransport { request in
            if request.type == 0x10 { datagrams += 1 }
            return request.flags & 0x4 != 0 ? [NetlinkReplies.ack(to: request)] : []
        }
        let connection = NetlinkConnection(transport: transport, initialSequence: 100)
        try connection.executeBatch(batch)
        #expect(datagrams == 1)
        #expect(transport.requests.map(\.sequence) == [101, 102, 103, 104, 105])
        #expect(transport.requests.map(\.type) == [0x10, 0xa06, 0xa06, 0xa06, 0x11])
    }

    @Test func theFirstRefusedRequestInBatchOrderIsNamed() throws {
        // The kernel answers the third request first; the error reported is the second's.
        let transport = FunctionTransport { request in
            switch request.sequence {
            case 3: return []
            case 4:
                return [
                    NetlinkReplies.error(.noSuchFileOrDirectory, to: request, extendedAck: "no chain"),
                    NetlinkReplies.error(.fileExists, to: NetlinkMessage(type: 0xa06, flags: 0x5, sequence: 3)),
                ]
            default: return request.flags & 0x4 != 0 ? [NetlinkReplies.ack(to: request)] : []
            }
        }
        let error = try #require(throws: NetlinkError.self) { try NetlinkConnection(transport: transport).executeBatch(batch) }
        #expect(error.operation == "second")
        #expect(error.errno == .fileExists)
        #expect(error.isKernelAnswer)
    }

    @Test func anAbortedBatchThatLeavesRequestsUnansweredStillReturns() throws {
        // After a refusal nothing more is queued: the missing acks are not waited for.
        let transport = FunctionTransport { request in
            request.sequence == 2 ? [NetlinkReplies.error(.invalidArgument, to: request)] : []
        }
        let error = try #require(throws: NetlinkError.self) { try NetlinkConnection(transport: transport).executeBatch(batch) }
        #expect(error.operation == "first" && error.errno == .invalidArgument)
    }

    @Test func aRefusedBatchBeginIsTheBatchError() throws {
        // No nf_tables in the kernel: the begin message is answered with EOPNOTSUPP, though it
        // asked for no acknowledgement.
        let transport = FunctionTransport { request in
            request.type == 0x10 ? [NetlinkReplies.error(.notSupported, to: request)] : []
        }
        let error = try #require(throws: NetlinkError.self) { try NetlinkConnection(transport: transport).executeBatch(batch) }
        #expect(error.operation == "begin" && error.errno == .notSupported)
    }

    @Test func aSocketFailureIsNoKernelAnswer() throws {
        let transport = FunctionTransport { _ in [] }  // nothing ever answers: receive throws EAGAIN
        let error = try #require(throws: NetlinkError.self) { try NetlinkConnection(transport: transport).executeBatch(batch) }
        #expect(error.errno == .resourceTemporarilyUnavailable && !error.isKernelAnswer)
        #expect(error.operation == "first")
    }

    @Test func anEmptyBatchSendsNothing() throws {
        let transport = FunctionTransport { _ in [] }
        try NetlinkConnection(transport: transport).executeBatch([])
        #expect(transport.requests.isEmpty)
    }
}
