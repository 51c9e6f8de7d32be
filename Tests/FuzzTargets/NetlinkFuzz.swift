import NetAddress
import Netlink

/// rtnetlink replies as the kernel sends them, through the whole receiving path: a request is
/// sent on a ``ReplayTransport``, which answers with the input's datagrams; the connection splits
/// them, matches sequence numbers, reads acks, errors (with extended-ack TLVs), `NLMSG_DONE` and
/// interrupted dumps, and the decoders read links, addresses, routes, neighbours and bridge VLANs.
/// Every message is also handed to every decoder directly.
///
/// Input: one selector byte (low nibble: which query; bit 7: leave sequence numbers as they are),
/// then `ReplayTransport.frames`. Seeds are replies recorded from a real kernel
/// (`Tests/Fuzz/Recorder`). Property: nothing traps, and every failure is a netlink error.
enum NetlinkFuzz {
    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let frames = ReplayTransport.frames(input.dropFirst())
        for datagram in frames {
            guard let messages = try? NetlinkMessage.split(datagram) else { continue }
            for m in messages {
                _ = try? Link(message: m)
                _ = try? Address(message: m)
                _ = try? Route(message: m)
                _ = try? Neighbour(message: m)
                _ = try? BridgePortVLANs(message: m)
                _ = try? AttributeList(parsing: m.payload)
            }
        }
        let netlink = RouteNetlink(transport: ReplayTransport(datagrams: frames, stampSequence: selector & 0x80 == 0))
        do {
            switch selector & 0x0f {
            case 0: _ = try netlink.links()
            case 1: _ = try netlink.addresses()
            case 2: _ = try netlink.routes(family: .v4)
            case 3: _ = try netlink.routes(family: .v6)
            case 4: _ = try netlink.neighbours()
            case 5: _ = try netlink.bridgeVLANs()
            case 6: _ = try netlink.route(to: IPAddress(v4: 0x0a00_0001))
            case 7:
                // A lookup, then changes to what it found: acks and errors of plain requests.
                if let link = try netlink.link(named: "eth0") {
                    try netlink.setUp(link)
                    _ = try netlink.bridgeVLANs(of: link)
                    try netlink.deleteLink(link)
                }
            case 8: _ = try netlink.link(index: 1)
            default: _ = try netlink.addresses(family: .v6, index: 2)
            }
        } catch let e as NetlinkError {
            _ = e.description
        } catch let e as NetlinkDecodingError {
            _ = e.description
        } catch {
            fuzzCheck(false, "unexpected error type \(type(of: error)): \(error)")
        }
    }
}
