import CNITestSupport
import Foundation
import LinuxNet
import NetAddress
import Netlink
import Testing

@Suite(.enabled(if: isPrivileged)) struct VethPairTests {
    @Test func createAcrossNamespacesInOneRequestWithoutAMove() throws {
        try withHostAndContainer { hostNS, ctrNS, host, container in
            let hostEvents = try LinkEventListener(in: host.namespace)
            let ctrEvents = try LinkEventListener(in: container.namespace)
            let mac = MACAddress("0a:58:0a:16:00:05")!
            let pair = try VethPair.create(VethPair.Configuration(
                containerName: "eth0", mtu: 1400, containerMAC: mac, container: container, host: host))

            // Container end: in the container namespace, with the MAC and MTU, down until configured.
            #expect(pair.container.name == "eth0" && pair.container.mac == mac && pair.container.mtu == 1400)
            #expect(!pair.container.isUp)
            let ctrJSON = try #require(try ctrNS.ipLink("eth0"))
            #expect(ctrJSON["ifindex"] as? Int == Int(pair.container.index))
            #expect(ctrJSON["address"] as? String == "0a:58:0a:16:00:05" && ctrJSON["mtu"] as? Int == 1400)
            // Queue length 0 on both ends, as the reference's (the kernel's default is 1000; ip
            // prints no txqlen for 0).
            #expect((ctrJSON["txqlen"] as? Int ?? 0) == 0)

            // Host end: veth + 8 hex digits, up, same MTU, accept_ra=0, in the host namespace only.
            let hostName = pair.host.name
            #expect(hostName.count == 12 && hostName.hasPrefix("veth"))
            #expect(pair.host.isUp && pair.host.mtu == 1400)
            let hostJSON = try #require(try hostNS.ipLink(hostName))
            #expect((hostJSON["flags"] as? [String])?.contains("UP") == true)
            #expect(hostJSON["ifindex"] as? Int == Int(pair.host.index))
            #expect((hostJSON["txqlen"] as? Int ?? 0) == 0)
            #expect(try hostNS.sysctl("net/ipv6/conf/\(hostName)/accept_ra") == "0")
            #expect(try ctrNS.ipLink(hostName) == nil && hostNS.ipLink("eth0") == nil)
            // Each end's peer index is the other end's index in the other namespace.
            #expect(pair.container.linkIndex == pair.host.index && pair.host.linkIndex == pair.container.index)

            // No move: the host end was never announced in the container namespace (a move shows
            // RTM_NEWLINK then RTM_DELLINK there), and nothing was deleted anywhere.
            let inContainer = try ctrEvents.drain()
            let inHost = try hostEvents.drain()
            #expect(!inContainer.contains { $0.name == hostName })
            #expect(inContainer.contains { $0.type == RTM_NEWLINK_TYPE && $0.name == "eth0" })
            #expect(!inHost.contains { $0.name == "eth0" })
            #expect(!(inContainer + inHost).contains { $0.type == RTM_DELLINK_TYPE })
        }
    }

    @Test func explicitHostNameAndCollisions() throws {
        try withHostAndContainer { hostNS, ctrNS, host, container in
            let pair = try VethPair.create(VethPair.Configuration(containerName: "eth1", hostName: "hveth1", container: container, host: host))
            #expect(pair.host.name == "hveth1" && pair.container.name == "eth1")

            // The container name is taken: nothing is created on the host side.
            let taken = try #require(throws: InterfaceError.self) {
                try VethPair.create(VethPair.Configuration(containerName: "eth1", container: container, host: host))
            }
            #expect(taken.code == .nameInUse && taken.description.contains("\"eth1\""))
            #expect(try hostNS.ipJSON(["link", "show"]).count == 2)  // lo and hveth1

            // A given host name that is taken fails without leaving the container end behind.
            let hostTaken = try #require(throws: InterfaceError.self) {
                try VethPair.create(VethPair.Configuration(containerName: "eth2", hostName: "hveth1", container: container, host: host))
            }
            #expect(hostTaken.code == .nameInUse && hostTaken.interface == "hveth1")
            #expect(try ctrNS.ipLink("eth2") == nil)
        }
    }

    @Test func randomHostNameCollisionsAreRetried() throws {
        try withTestNamespaces(2, prefix: "ln") { namespaces in
            var created = false
            var peerNames: [String] = []
            let containerTransport = FunctionTransport { request in
                switch request.type {
                case 18:  // RTM_GETLINK: missing before creation, present after
                    guard created else { return [NetlinkReplies.error(.operationNotSupportedByDevice, to: request)] }
                    return [NetlinkReplies.reply(type: 16, payload: Link(index: 2, name: "eth0", kind: .veth).message.payload, answering: request)
                        + NetlinkReplies.ack(to: request)]
                case 16:  // RTM_NEWLINK: the first two random host names collide
                    peerNames.append(Self.peerName(of: request))
                    if peerNames.count < 3 { return [NetlinkReplies.error(.fileExists, to: request)] }
                    created = true
                    return [NetlinkReplies.ack(to: request)]
                default:
                    return [NetlinkReplies.ack(to: request)]
                }
            }
            var hostName = ""
            let hostTransport = FunctionTransport { request in
                if request.type == 18 {
                    // By name first, then by index (the re-read after setting it up).
                    if let name = try AttributeList(parsing: request.payload, from: 16)[3]?.string { hostName = name }
                    let name = hostName
                    return [NetlinkReplies.reply(type: 16, payload: Link(index: 7, name: name, kind: .veth, flags: .up).message.payload, answering: request)
                        + NetlinkReplies.ack(to: request)]
                }
                return [NetlinkReplies.ack(to: request)]
            }
            let container = NetworkStack(
                namespace: try NetworkNamespace.open(path: namespaces[0].path), netlink: RouteNetlink(transport: containerTransport))
            let host = NetworkStack(
                namespace: try NetworkNamespace.open(path: namespaces[1].path), netlink: RouteNetlink(transport: hostTransport))
            let pair = try VethPair.create(VethPair.Configuration(containerName: "eth0", container: container, host: host))

            let attempts = containerTransport.requests.filter { $0.type == 16 }
            #expect(attempts.count == 3)
            let drawn = attempts.map { Self.peerName(of: $0) }
            #expect(Set(drawn).count == 3 && drawn.allSatisfy { $0.hasPrefix("veth") && $0.count == 12 })
            #expect(pair.host.name == drawn.last)
        }
    }

    /// IFLA_LINKINFO → IFLA_INFO_DATA → VETH_INFO_PEER → (ifinfomsg) IFLA_IFNAME.
    static func peerName(of request: NetlinkMessage) -> String {
        guard let info = try? AttributeList(parsing: request.payload, from: 16).nested(18),
            let data = try? info.nested(2), let peer = data[1],
            let name = try? AttributeList(parsing: peer.payload, from: 16)[3]
        else { return "" }
        return name.string
    }

    @Test func deleteReturnsGlobalUnicastAddresses() throws {
        try withHostAndContainer { hostNS, ctrNS, host, container in
            let pair = try VethPair.create(VethPair.Configuration(containerName: "eth0", container: container, host: host))
            try ctrNS.ip("addr", "add", "10.22.0.5/16", "dev", "eth0")
            try ctrNS.ip("addr", "add", "fd00:22::5/64", "dev", "eth0", "nodad")
            try ctrNS.ip("addr", "add", "fe80::5/64", "dev", "eth0", "nodad")
            let deleted = try #require(try VethPair.delete(named: "eth0", in: container))
            #expect(Set(deleted.map(\.description)) == ["10.22.0.5/16", "fd00:22::5/64"])
            #expect(try ctrNS.ipLink("eth0") == nil)
            #expect(try hostNS.ipLink(pair.host.name) == nil)  // the peer went with it
            #expect(try VethPair.delete(named: "eth0", in: container) == nil)
        }
    }

    /// DEL removes the addresses before the link (so the lease can go while the link deletion
    /// waits): the link stays, without them; addresses already gone are no error.
    @Test func removeAddressesLeavesTheLinkWithoutThem() throws {
        try withHostAndContainer { hostNS, ctrNS, host, container in
            _ = try VethPair.create(VethPair.Configuration(containerName: "eth0", container: container, host: host))
            try ctrNS.ip("addr", "add", "10.22.0.5/16", "dev", "eth0")
            try ctrNS.ip("addr", "add", "fd00:22::5/64", "dev", "eth0", "nodad")
            let (link, addresses) = try #require(try VethPair.lookup(named: "eth0", in: container))
            try VethPair.removeAddresses(addresses, of: link, in: container)
            #expect(try VethPair.lookup(named: "eth0", in: container)?.addresses == [])
            try VethPair.removeAddresses(addresses, of: link, in: container)
            #expect(try VethPair.delete(named: "eth0", in: container) == [])
        }
    }

    /// The link vanishes between its lookup and the address listing (a namespace being destroyed
    /// takes its veths with it): already gone, not an error.
    @Test func aLinkThatVanishesOnTheWayIsAlreadyGone() throws {
        try withHostAndContainer { hostNS, ctrNS, host, container in
            for operation in ["lookup", "delete"] {
                let pair = try VethPair.create(VethPair.Configuration(containerName: "eth0", container: container, host: host))
                // A real socket in the container namespace; the link goes right before the address dump.
                let socket = try ctrNS.perform { try SocketTransport() }
                let cue = CueTransport(socket) { request in
                    if request.type == 22 { _ = try? Command.run(["ip", "-n", ctrNS.name, "link", "del", "eth0"]) }  // RTM_GETADDR
                }
                let racing = NetworkStack(namespace: container.namespace, netlink: RouteNetlink(transport: cue))
                if operation == "lookup" {
                    #expect(try VethPair.lookup(named: "eth0", in: racing) == nil)
                } else {
                    #expect(try VethPair.delete(named: "eth0", in: racing) == nil)
                }
                #expect(try ctrNS.ipLink("eth0") == nil && hostNS.ipLink(pair.host.name) == nil)
            }
        }
    }
}

/// A real netlink socket that runs `cue` before each request goes out, to make a race happen on time.
final class CueTransport: NetlinkTransport {
    let socket: SocketTransport
    let cue: (NetlinkMessage) -> Void
    init(_ socket: SocketTransport, cue: @escaping (NetlinkMessage) -> Void) {
        self.socket = socket
        self.cue = cue
    }
    var portID: UInt32 { socket.portID }
    func send(_ datagram: [UInt8]) throws {
        if let request = try NetlinkMessage.split(datagram).first { cue(request) }
        try socket.send(datagram)
    }
    func receive() throws -> [UInt8] { try socket.receive() }
    func receiveIfQueued() throws -> [UInt8]? { try socket.receiveIfQueued() }
}
