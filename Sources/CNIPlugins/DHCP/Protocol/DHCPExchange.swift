import CNetlinkShim
import NetAddress

/// The client's side of the DHCP conversations (RFC 2131 §4.4) on one interface, over a
/// ``PacketSocket``: INIT (DISCOVER → OFFER → REQUEST → ACK), RENEWING (REQUEST unicast to the
/// server), REBINDING (the same REQUEST broadcast), INIT-REBOOT (REQUEST for a known address)
/// and RELEASE. Each exchange waits at most `timeout` for each answer, and gives up early when
/// the lease's ``Wakeup`` fires.
struct DHCPExchange {
    var socket: PacketSocket
    var mac: [UInt8]
    var clientID: String
    var options: DHCPOptions
    /// `-broadcast`: ask the server to broadcast its answers.
    var broadcast: Bool
    var timeout: Duration
    var wakeup: Wakeup?

    /// What the server granted: its ACK (as received), where it came from, and when.
    struct Grant: Sendable, Equatable {
        var ack: DHCPMessage
        var ackBytes: [UInt8]
        /// The Ethernet address the ACK came from (the server's, or a relay's): where unicast
        /// RENEW and RELEASE go.
        var serverMAC: [UInt8]
        /// Wall-clock seconds when it was received.
        var received: Double
    }

    /// A server's refusal (DHCPNAK).
    struct Refused: Error, CustomStringConvertible {
        var server: IPAddress?
        var description: String { "DHCPNAK from \(server.map { "\($0)" } ?? "the server")" }
    }

    /// No answer within the timeout.
    struct NoAnswer: Error, CustomStringConvertible {
        var what: String
        var description: String { "no \(what) received" }
    }

    /// INIT: a new lease.
    func acquire() throws -> Grant {
        let xid = Self.transactionID()
        var discover = message(.discover, xid: xid)
        discover.flags = broadcast ? DHCPMessage.broadcastFlag : 0
        let resendDiscover = { try self.send(discover, from: IPAddress(v4: 0), to: IPAddress(v4: 0xFFFF_FFFF), mac: PacketSocket.broadcastMAC) }
        try resendDiscover()
        guard let (offer, _, _) = try receiveReply([.offer], xid: xid, resend: resendDiscover) else { throw NoAnswer(what: "DHCPOFFER") }
        var request = message(.request, xid: xid)
        request.flags = discover.flags
        request[option: DHCPMessage.Option.requestedIP] = offer.yiaddr.bytes
        request[option: DHCPMessage.Option.serverID] = offer[option: DHCPMessage.Option.serverID]
        let resendRequest = { [request] in try self.send(request, from: IPAddress(v4: 0), to: IPAddress(v4: 0xFFFF_FFFF), mac: PacketSocket.broadcastMAC) }
        try resendRequest()
        return try awaitAck(xid: xid, resend: resendRequest)
    }

    /// RENEWING (unicast to the server that granted `grant`) or REBINDING (broadcast to any).
    func extend(_ grant: Grant, rebinding: Bool) throws -> Grant {
        let xid = Self.transactionID()
        var request = message(.request, xid: xid)
        request.ciaddr = grant.ack.yiaddr
        if rebinding {
            try send(request, from: grant.ack.yiaddr, to: IPAddress(v4: 0xFFFF_FFFF), mac: PacketSocket.broadcastMAC)
        } else {
            let server = grant.ack.serverID ?? IPAddress(v4: 0xFFFF_FFFF)
            try send(request, from: grant.ack.yiaddr, to: server, mac: grant.serverMAC)
        }
        return try awaitAck(xid: xid)
    }

    /// INIT-REBOOT: asks for `address` again (a restarted daemon whose lease ran out).
    func reboot(_ address: IPAddress) throws -> Grant {
        let xid = Self.transactionID()
        var request = message(.request, xid: xid)
        request.flags = broadcast ? DHCPMessage.broadcastFlag : 0
        request[option: DHCPMessage.Option.requestedIP] = address.bytes
        try send(request, from: IPAddress(v4: 0), to: IPAddress(v4: 0xFFFF_FFFF), mac: PacketSocket.broadcastMAC)
        return try awaitAck(xid: xid)
    }

    /// RELEASE (no answer comes).
    func release(_ grant: Grant) throws {
        // Only the client ID and the server's identifier, as the reference releases.
        var release = DHCPMessage()
        release.xid = Self.transactionID()
        release.chaddr = mac
        release.ciaddr = grant.ack.yiaddr
        release[option: DHCPMessage.Option.messageType] = [DHCPMessage.MessageType.release.rawValue]
        release[option: DHCPMessage.Option.clientID] = DHCPOptions.clientIDOption(clientID)
        release[option: DHCPMessage.Option.serverID] = grant.ack[option: DHCPMessage.Option.serverID]
        let server = grant.ack.serverID ?? IPAddress(v4: 0xFFFF_FFFF)
        try send(release, from: grant.ack.yiaddr, to: server, mac: grant.serverMAC)
    }

    // MARK: Pieces

    private func message(_ type: DHCPMessage.MessageType, xid: UInt32) -> DHCPMessage {
        var m = DHCPMessage()
        m.xid = xid
        m.chaddr = mac
        m[option: DHCPMessage.Option.messageType] = [type.rawValue]
        options.apply(to: &m, clientID: clientID)
        return m
    }

    private func send(_ m: DHCPMessage, from source: IPAddress, to destination: IPAddress, mac: [UInt8]) throws {
        try socket.send(UDPFrame.packet(m.bytes, from: source, to: destination), to: mac)
    }

    private func awaitAck(xid: UInt32, resend: (() throws -> Void)? = nil) throws -> Grant {
        guard let (reply, bytes, from) = try receiveReply([.ack, .nak], xid: xid, resend: resend) else { throw NoAnswer(what: "DHCPACK") }
        if reply.messageType == .nak { throw Refused(server: reply.serverID) }
        return Grant(ack: reply, ackBytes: bytes, serverMAC: from, received: wallClockSeconds())
    }

    /// The first reply of one of `types` for transaction `xid` and our hardware address. With
    /// `resend`, the broadcast is repeated 0.25 s after the first, then at doubling intervals,
    /// until the timeout: the first one after an interface comes up is often lost (a bridge
    /// port forwards only once the kernel has noticed the carrier, up to a second later).
    private func receiveReply(
        _ types: Set<DHCPMessage.MessageType>, xid: UInt32, resend: (() throws -> Void)? = nil
    ) throws -> (DHCPMessage, [UInt8], [UInt8])? {
        let deadline = Deadline.after(timeout)
        var interval = Duration.milliseconds(250)
        var nextResend = Deadline.after(interval)
        while true {
            let until = resend == nil || nextResend.nanoseconds > deadline.nanoseconds ? deadline : nextResend
            guard let (packet, from) = try socket.receive(until: until, wakeup: wakeup) else {
                if deadline.hasPassed { return nil }
                try resend?()
                interval = interval * 2
                nextResend = Deadline.after(interval)
                continue
            }
            guard let payload = UDPFrame.dhcpPayload(packet), let reply = DHCPMessage(bytes: payload) else { continue }
            guard reply.op == DHCPMessage.bootReply, reply.xid == xid, reply.chaddr.prefix(mac.count) == mac[...],
                let type = reply.messageType, types.contains(type)
            else { continue }
            return (reply, payload, from)
        }
    }

    static func transactionID() -> UInt32 {
        var xid: UInt32 = 0
        _ = cni_getrandom(&xid, 4)
        return xid
    }
}
