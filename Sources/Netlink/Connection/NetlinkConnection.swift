import CNetlinkShim
import SystemPackage

/// Request/response logic over a ``NetlinkTransport``: stamps sequence numbers, collects
/// multipart replies, turns `NLMSG_ERROR` into ``NetlinkError`` (with the kernel's extended-ack
/// text), and repeats dumps the kernel flags as inconsistent.
///
/// Not thread-safe: one connection serves one thread at a time, which is all a plugin needs.
public final class NetlinkConnection {
    /// Where datagrams go.
    public let transport: any NetlinkTransport
    /// How many times a dump is attempted when the kernel marks it `NLM_F_DUMP_INTR` (the set
    /// changed while it was being read). The reference plugins' `netlinksafe` also uses 5.
    public var dumpAttempts: Int = 5
    private var lastSequence: UInt32

    /// A connection over `transport`; sequence numbers start after `initialSequence`.
    public init(transport: any NetlinkTransport, initialSequence: UInt32 = 0) {
        self.transport = transport
        self.lastSequence = initialSequence
    }

    /// Sends a request that is acknowledged (`NLM_F_ACK`) and returns the messages the kernel sent
    /// before the acknowledgement (a `RTM_NEWROUTE` answering `ip route get`, for example; usually
    /// none). Throws ``NetlinkError`` when the kernel answers with an error.
    @discardableResult
    public func execute(_ request: NetlinkRequest) throws -> [NetlinkMessage] {
        precondition(!request.isDump, "use dump(_:) for \(request.operation)")
        let sequence = try send(request)
        var replies: [NetlinkMessage] = []
        while true {
            for message in try receive(request, sequence: sequence) {
                if message.isError {
                    let ack = try KernelAck(error: message)
                    if ack.errno == 0 { return replies }
                    throw error(request, sequence: sequence, ack: ack)
                } else if message.isDone {
                    return replies
                } else if message.type == ty(NLMSG_NOOP) {
                    continue
                } else if message.type == ty(NLMSG_OVERRUN) {
                    throw NetlinkError(operation: request.operation, messageType: request.type, errno: .noBufferSpace, sequence: sequence)
                }
                replies.append(message)
            }
        }
    }

    /// Sends a dump request and returns every message of the reply (without the final
    /// `NLMSG_DONE`). A dump the kernel flags as interrupted is repeated up to ``dumpAttempts``
    /// times; after that the error is `EINTR`.
    public func dump(_ request: NetlinkRequest) throws -> [NetlinkMessage] {
        precondition(request.isDump, "use execute(_:) for \(request.operation)")
        var lastSequence: UInt32 = 0
        for _ in 0..<max(1, dumpAttempts) {
            let sequence = try send(request)
            lastSequence = sequence
            let (messages, interrupted) = try collectDump(request, sequence: sequence)
            if !interrupted { return messages }
        }
        throw NetlinkError(
            operation: request.operation, messageType: request.type, errno: .interrupted,
            extendedAck: "dump interrupted \(max(1, dumpAttempts)) times by concurrent changes", sequence: lastSequence)
    }

    /// Reads one dump to its end (even when interrupted, so no stale parts are left on the socket).
    private func collectDump(_ request: NetlinkRequest, sequence: UInt32) throws -> ([NetlinkMessage], Bool) {
        var messages: [NetlinkMessage] = []
        var interrupted = false
        while true {
            for message in try receive(request, sequence: sequence) {
                if message.isDumpInterrupted { interrupted = true }
                if message.isDone {
                    let ack = try KernelAck(done: message)
                    if ack.errno != 0 { throw error(request, sequence: sequence, ack: ack) }
                    return (messages, interrupted)
                } else if message.isError {
                    let ack = try KernelAck(error: message)
                    if ack.errno != 0 { throw error(request, sequence: sequence, ack: ack) }
                    return (messages, interrupted)
                } else if message.type == ty(NLMSG_NOOP) {
                    continue
                }
                messages.append(message)
            }
        }
    }

    /// The next sequence number (never 0, which the kernel's own notifications carry).
    func nextSequence() -> UInt32 {
        lastSequence &+= 1
        if lastSequence == 0 { lastSequence = 1 }
        return lastSequence
    }

    private func send(_ request: NetlinkRequest) throws -> UInt32 {
        let sequence = nextSequence()
        do {
            try transport.send(request.stamped(sequence: sequence))
        } catch let errno as Errno {
            throw NetlinkError(operation: request.operation, messageType: request.type, errno: errno, sequence: sequence)
        }
        return sequence
    }

    /// The next datagram's messages that answer `sequence`. Messages for other sequence numbers
    /// are leftovers of an exchange abandoned after an error, and are skipped.
    private func receive(_ request: NetlinkRequest, sequence: UInt32) throws -> [NetlinkMessage] {
        let datagram: [UInt8]
        do {
            datagram = try transport.receive()
        } catch let errno as Errno {
            throw NetlinkError(operation: request.operation, messageType: request.type, errno: errno, sequence: sequence)
        }
        return try NetlinkMessage.split(datagram).filter { $0.sequence == sequence }
    }

    func error(_ request: NetlinkRequest, sequence: UInt32, ack: KernelAck) -> NetlinkError {
        NetlinkError(
            operation: request.operation, messageType: request.type, errno: Errno(rawValue: ack.errno),
            extendedAck: ack.message, extendedAckOffset: ack.offset, sequence: sequence, isKernelAnswer: true)
    }
}
