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
        // A request's index is its sequence number's distance from `firstSequence` (plain arrays:
        // a hashed collection's generic metadata costs a conformance scan at each plugin exec).
        let firstSequence = nextSequence()
        var datagram: [UInt8] = []
        datagram.reserveCapacity(requests.reduce(0) { $0 + netlinkAlign($1.bytes.count) })
        var sequences = [UInt32](repeating: 0, count: requests.count)
        var pending = [Bool](repeating: false, count: requests.count)
        var pendingCount = 0
        for (index, request) in requests.enumerated() {
            let sequence = index == 0 ? firstSequence : nextSequence()
            sequences[index] = sequence
            if request.flags & RequestFlags.ack != 0 {
                pending[index] = true
                pendingCount += 1
            }
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
        while pendingCount > 0 {
            let datagram: [UInt8]
            do {
                if refused == nil {
                    datagram = try transport.receive()
                } else {
                    guard let queued = try transport.receiveIfQueued() else { break }
                    datagram = queued
                }
            } catch let errno as Errno {
                let missing = requests[pending.firstIndex(of: true) ?? 0]
                throw NetlinkError(operation: missing.operation, messageType: missing.type, errno: errno)
            }
            for message in try NetlinkMessage.split(datagram) where message.isError {
                // Consecutive unless the counter wrapped past 0 (which it skips) inside this batch.
                var index = Int(message.sequence &- firstSequence)
                if index >= requests.count || sequences[index] != message.sequence {
                    guard let found = sequences.firstIndex(of: message.sequence) else { continue }
                    index = found
                }
                if pending[index] {
                    pending[index] = false
                    pendingCount -= 1
                }
                let ack = try KernelAck(error: message)
                guard ack.errno != 0 else { continue }
                if refused == nil || index < refused!.index {
                    refused = (index, error(requests[index], sequence: message.sequence, ack: ack))
                }
            }
        }
        if let refused { throw refused.error }
    }
}
