import DHCP

/// What the dhcp plugin's client reads off the wire (any host on the container's link can send
/// it): an IPv4/UDP frame from the packet socket, the DHCP message in it, and the IPAM result a
/// DHCPACK turns into. Properties: nothing traps; a message that parses prints to bytes that
/// parse to the same message (options split and joined per RFC 3396 survive the trip; the
/// message type is printed first, so options compare regardless of order).
enum DHCPFuzz {
    static func run(_ bytes: [UInt8]) {
        for candidate in [bytes, UDPFrame.dhcpPayload(bytes)].compactMap({ $0 }) {
            guard let message = DHCPMessage(bytes: candidate) else { continue }
            let again = DHCPMessage(bytes: message.bytes).map(sortedOptions)
            fuzzCheck(again == sortedOptions(message), "DHCP message print/parse round trip differs")
            _ = try? LeaseResult.result(message, priority: 0)
        }
    }

    static func sortedOptions(_ m: DHCPMessage) -> DHCPMessage {
        var m = m
        m.options.sort { $0.code < $1.code }
        return m
    }
}

/// What the dhcp daemon reads from its socket (Go's net/rpc over gob, from any local client that
/// can reach it) and the plugin reads back: gob streams. Property: nothing traps or recurses
/// without end; a stream either yields values or ends in a `GobError`.
enum GobFuzz {
    static func run(_ bytes: [UInt8]) {
        var decoder = GobDecoder()
        var source = GobCursor(bytes)
        for _ in 0..<16 {
            guard (try? decoder.decode(from: &source)) != nil else { return }
        }
    }
}
