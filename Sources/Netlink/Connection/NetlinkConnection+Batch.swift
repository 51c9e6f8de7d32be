import CNetlinkShim
import SystemPackage

extension NetlinkConnection {
    /// Sends `requests` in one datagram, each with its own sequence number, and waits for the
    /// kernel's verdict on every request that asked for one (`NLM_F_ACK`): a netfilter batch,
    /// whose first and last requests (`NFNL_MSG_BATCH_BEGIN`, `NFNL_MSG_BATCH_END`) frame a
    /// transaction that applies whole or not at all.
    ///
    /// The kernel handles the whole datagram inside `sendmsg`, so every answer is queued when the
    /// send returns. After a refusal the kernel may leave later requests unanswered (an aborted
    /// batch), so the rest is drained without waiting. Throws the ``NetlinkError`` of the first
    /// refused request in batch order, naming that request's operation. An empty list sends
    /// nothing.
    public func executeBatch(_ requests: [NetlinkRequest]) throws {
        guard let first = requests.first else { return }
        var datagram: [UInt8] = []
        datagram.reserveCapacity(requests.reduce(0) { $0 + netlinkAlign($1.bytes.count) })
        var bySequence: [UInt32: (index: Int, request: NetlinkRequest)] = [:]
        var pending = Set<UInt32>()
        for (index, request) in requests.enumerated() {
            let sequence = nextSequence()
            bySequence[sequence] = (index, request)
            if request.flags & RequestFlags.ack != 0 { pending.insert(sequence) }
            datagram += request.stamped(sequence: sequence)
            datagram += repeatElement(0, count: netlinkAlign(datagram.count) - datagram.count)
        }
        transport.reserve(sending: datagram.count, messages: requests.count)
        do {
            try transport.send(datagram)
        } catch let errno as Errno {
            throw NetlinkError(operation: first.operation, messageType: first.type, errno: errno)
        }

        var refused: (index: Int, error: NetlinkError)?
        while !pending.isEmpty {
            let datagram: [UInt8]
            do {
                if refused == nil {
                    datagram = try transport.receive()
                } else {
                    guard let queued = try transport.receiveIfQueued() else { break }
                    datagram = queued
                }
            } catch let errno as Errno {
                let missing = pending.compactMap { bySequence[$0] }.min { $0.index < $1.index }?.request ?? first
                throw NetlinkError(operation: missing.operation, messageType: missing.type, errno: errno)
            }
            for message in try NetlinkMessage.split(datagram) where message.isError {
                guard let (index, request) = bySequence[message.sequence] else { continue }
                pending.remove(message.sequence)
                let ack = try KernelAck(error: message)
                guard ack.errno != 0 else { continue }
                if refused == nil || index < refused!.index {
                    refused = (index, error(request, sequence: message.sequence, ack: ack))
                }
            }
        }
        if let refused { throw refused.error }
    }
}
