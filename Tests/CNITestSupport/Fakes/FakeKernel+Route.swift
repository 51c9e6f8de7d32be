import CNetlinkShim
import NetAddress
import Netlink
import SystemPackage

/// rtnetlink as the kernel answers it, for what the plugins ask: links (veth pairs across
/// namespaces, bridges, ports, VLANs, any other kind as given), addresses, routes.
extension FakeKernel {
    func handleRoute(_ request: NetlinkMessage, in namespace: FakeNamespace) -> [[UInt8]] {
        let family = request.payload.first ?? 0
        let label = "\(namespace.name) \(Self.typeName(request.type))\(family == u8(AF_BRIDGE) ? " bridge" : "")"
        if let errno = step(label) { return [NetlinkReplies.error(errno, to: request, extendedAck: "injected fault")] }
        return locked {
            do {
                let replies = try route(request, family: family, in: namespace)
                if request.flags & t(NLM_F_DUMP) == t(NLM_F_DUMP) {
                    return [NetlinkReplies.multipart(replies, answering: request, done: true)]
                }
                let acked = request.flags & t(NLM_F_ACK) != 0
                let datagram = replies.reduce(into: [UInt8]()) {
                    var reply = $1
                    reply.sequence = request.sequence
                    $0 += reply.bytes
                }
                return [datagram + (acked ? NetlinkReplies.ack(to: request) : [])]
            } catch let refusal as Refusal {
                return [NetlinkReplies.error(refusal.errno, to: request, extendedAck: refusal.reason)]
            } catch {
                return [NetlinkReplies.error(.invalidArgument, to: request, extendedAck: "\(error)")]
            }
        }
    }

    /// The kernel's refusal of a request.
    struct Refusal: Error {
        var errno: Errno
        var reason: String?
        init(_ errno: Errno, _ reason: String? = nil) {
            self.errno = errno
            self.reason = reason
        }
    }

    private func route(_ request: NetlinkMessage, family: UInt8, in ns: FakeNamespace) throws -> [NetlinkMessage] {
        switch Int(request.type) {
        case Int(RTM_GETLINK): return try getLink(request, family: family, in: ns)
        case Int(RTM_NEWLINK): try newLink(request, in: ns)
        case Int(RTM_SETLINK): try family == u8(AF_BRIDGE) ? setBridgeSettings(request, in: ns) : setLink(request, in: ns)
        case Int(RTM_DELLINK):
            if family == u8(AF_BRIDGE) {
                try setBridgeSettings(request, in: ns, deleting: true)
            } else {
                let index = request.payload.integer(Int32.self, at: 4) ?? 0
                guard deleteLink(index, in: ns) else { throw Refusal(.operationNotSupportedByDevice, "Cannot find device") }
            }
        case Int(RTM_NEWADDR): try newAddress(Address(message: request), in: ns)
        case Int(RTM_DELADDR): try deleteAddress(Address(message: request), in: ns)
        case Int(RTM_GETADDR):
            let index = request.payload.integer(Int32.self, at: 4) ?? 0
            return ns.addresses.filter {
                (family == 0 || $0.family.rawValue == family) && (index == 0 || $0.index == index)
            }.map(\.message)
        case Int(RTM_NEWROUTE): try newRoute(Route(message: request), flags: request.flags, in: ns)
        case Int(RTM_DELROUTE): try deleteRoute(Route(message: request), in: ns)
        case Int(RTM_GETROUTE):
            if request.flags & t(NLM_F_DUMP) == t(NLM_F_DUMP) {
                return ns.routes.filter { $0.family.rawValue == family }.map(\.message)
            }
            return [try lookupRoute(request, in: ns).message]
        default:
            throw Refusal(.notSupported, "the fake kernel does not answer message type \(request.type)")
        }
        return []
    }

    // MARK: links

    /// The link as the kernel reports it now (operational state and flags follow the peer).
    func reported(_ fake: FakeLink, in ns: FakeNamespace) -> Link {
        var link = fake.link
        var carrier = fake.isUp
        if let peer = fake.peer {
            carrier = carrier && (namespace(reference: peer.namespace).flatMap { other in
                other.linkIndex(peer.index).map { other.links[$0].isUp }
            } ?? false)
        } else if link.kind == .bridge {
            carrier = carrier && ns.links.contains { $0.link.masterIndex == link.index && $0.isUp }
        }
        link.operState = link.flags.contains(.loopback) ? (fake.isUp ? .unknown : .down) : (carrier ? .up : .down)
        if carrier { link.flags.formUnion([.running, .lowerUp]) }
        return link
    }

    private func getLink(_ request: NetlinkMessage, family: UInt8, in ns: FakeNamespace) throws -> [NetlinkMessage] {
        if request.flags & t(NLM_F_DUMP) == t(NLM_F_DUMP) {
            if family == u8(AF_BRIDGE) { return ns.links.filter { $0.link.masterIndex != nil || $0.link.kind == .bridge }.map(bridgeVLANMessage) }
            return ns.links.map { reported($0, in: ns).message }
        }
        let attributes = try AttributeList(parsing: request.payload, from: 16)
        let found: FakeLink?
        if let name = attributes[t(IFLA_IFNAME)]?.string {
            found = ns.link(named: name)
        } else {
            found = ns.linkIndex(request.payload.integer(Int32.self, at: 4) ?? 0).map { ns.links[$0] }
        }
        guard let found else { throw Refusal(.operationNotSupportedByDevice) }
        return [reported(found, in: ns).message]
    }

    /// A link of an `AF_BRIDGE` dump: its name and master, and its VLANs in `IFLA_AF_SPEC`.
    private func bridgeVLANMessage(_ fake: FakeLink) -> NetlinkMessage {
        let bytes = MessageBuilder.build(type: t(RTM_NEWLINK), flags: 0) { b in
            b.append(header: ifinfomsg(
                ifi_family: u8(AF_BRIDGE), __ifi_pad: 0, ifi_type: 1, ifi_index: fake.link.index, ifi_flags: fake.link.flags.rawValue,
                ifi_change: 0))
            b.put(t(IFLA_IFNAME), string: fake.link.name)
            if let master = fake.link.masterIndex { b.put(t(IFLA_MASTER), u32: UInt32(bitPattern: master)) }
            b.nest(t(IFLA_AF_SPEC)) { spec in
                for vlan in fake.vlans {
                    var info: [UInt8] = []
                    info.appendInteger(vlan.flags.rawValue)
                    info.appendInteger(vlan.id)
                    spec.put(t(IFLA_BRIDGE_VLAN_INFO), bytes: info)
                }
            }
        }
        return try! NetlinkMessage.split(bytes)[0]
    }

    private func newLink(_ request: NetlinkMessage, in current: FakeNamespace) throws {
        let attributes = try AttributeList(parsing: request.payload, from: 16)
        guard let name = attributes[t(IFLA_IFNAME)]?.string, !name.isEmpty else { throw Refusal(.invalidArgument, "no name") }
        let target = try namespace(attributes, else: current)
        guard target.link(named: name) == nil else { throw Refusal(.fileExists) }
        let info = try attributes.nested(t(IFLA_LINKINFO))
        let kind = info?[t(IFLA_INFO_KIND)]?.string
        var link = try Link(message: request)
        link.flags = [.broadcast, .multicast]
        link.mtu = attributes[t(IFLA_MTU)]?.u32 ?? 1500
        link.mac = link.mac ?? newMAC()
        link.operState = .down
        switch kind {
        case "veth":
            guard let peerInfo = try info?.nested(t(IFLA_INFO_DATA))?[t(VETH_INFO_PEER)] else {
                throw Refusal(.invalidArgument, "veth without a peer")
            }
            let peerAttributes = try AttributeList(parsing: peerInfo.payload, from: 16)
            guard let peerName = peerAttributes[t(IFLA_IFNAME)]?.string else { throw Refusal(.invalidArgument, "peer without a name") }
            let peerNamespace = try namespace(peerAttributes, else: target)
            guard peerNamespace.link(named: peerName) == nil, peerName != name || peerNamespace !== target else {
                throw Refusal(.fileExists)
            }
            var peer = Link(index: 0, name: peerName, kind: .veth, flags: [.broadcast, .multicast], operState: .down)
            peer.mtu = peerAttributes[t(IFLA_MTU)]?.u32 ?? 1500
            peer.mac = peerAttributes[t(IFLA_ADDRESS)].flatMap { MACAddress(bytes: $0.payload) } ?? newMAC()
            link.kind = .veth
            link.linkType = nil
            let index = add(link, txQueueLength: attributes[t(IFLA_TXQLEN)]?.u32, to: target)
            let peerIndex = add(peer, txQueueLength: peerAttributes[t(IFLA_TXQLEN)]?.u32, to: peerNamespace)
            connect(target, index, peerNamespace, peerIndex)
        case "bridge":
            let data = try info?.nested(t(IFLA_INFO_DATA))
            link.bridge = BridgeInfo(vlanFiltering: (data?[t(IFLA_BR_VLAN_FILTERING)]?.u8 ?? 0) != 0, defaultPVID: 1)
            add(link, txQueueLength: nil, to: target)
        case nil:
            throw Refusal(.notSupported, "no link kind")
        default:
            if let parent = attributes[t(IFLA_LINK)]?.s32 {
                guard current.linkIndex(parent) != nil else { throw Refusal(.operationNotSupportedByDevice, "no parent") }
            }
            add(link, txQueueLength: attributes[t(IFLA_TXQLEN)]?.u32, to: target)
        }
    }

    /// The namespace `IFLA_NET_NS_FD` names, or `current` without one.
    private func namespace(_ attributes: AttributeList, else current: FakeNamespace) throws -> FakeNamespace {
        guard let reference = attributes[t(IFLA_NET_NS_FD)]?.s32 else { return current }
        guard let found = namespace(reference: reference) else { throw Refusal(.badFileDescriptor, "no such namespace") }
        return found
    }

    @discardableResult
    private func add(_ link: Link, txQueueLength: UInt32?, to ns: FakeNamespace) -> Int32 {
        var link = link
        link.index = ns.nextIndex
        link.txQueueLength = txQueueLength ?? 1000
        ns.nextIndex += 1
        ns.links.append(FakeLink(link: link))
        return link.index
    }

    /// Makes two veth ends each other's peer.
    private func connect(_ a: FakeNamespace, _ aIndex: Int32, _ b: FakeNamespace, _ bIndex: Int32) {
        let i = a.linkIndex(aIndex)!, j = b.linkIndex(bIndex)!
        a.links[i].peer = (b.reference, bIndex)
        a.links[i].link.linkIndex = bIndex
        b.links[j].peer = (a.reference, aIndex)
        b.links[j].link.linkIndex = aIndex
        if a !== b {
            a.links[i].link.linkNetNSID = 0
            b.links[j].link.linkNetNSID = 0
        }
    }

    private func setLink(_ request: NetlinkMessage, in ns: FakeNamespace) throws {
        let index = request.payload.integer(Int32.self, at: 4) ?? 0
        guard let i = ns.linkIndex(index) else { throw Refusal(.operationNotSupportedByDevice) }
        let flags = InterfaceFlags(rawValue: request.payload.integer(UInt32.self, at: 8) ?? 0)
        let change = InterfaceFlags(rawValue: request.payload.integer(UInt32.self, at: 12) ?? 0)
        let attributes = try AttributeList(parsing: request.payload, from: 16)
        for flag in [InterfaceFlags.up, .promiscuous, .allMulticast] where change.contains(flag) {
            if flags.contains(flag) { ns.links[i].link.flags.insert(flag) } else { ns.links[i].link.flags.remove(flag) }
        }
        if let mtu = attributes[t(IFLA_MTU)]?.u32 { ns.links[i].link.mtu = mtu }
        if let length = attributes[t(IFLA_TXQLEN)]?.u32 { ns.links[i].link.txQueueLength = length }
        if let mac = attributes[t(IFLA_ADDRESS)].flatMap({ MACAddress(bytes: $0.payload) }) { ns.links[i].link.mac = mac }
        if let master = attributes[t(IFLA_MASTER)]?.s32 {
            if master == 0 {
                ns.links[i].link.masterIndex = nil
                ns.links[i].link.bridgePort = nil
                ns.links[i].vlans = []
            } else {
                guard let m = ns.linkIndex(master) else { throw Refusal(.operationNotSupportedByDevice, "no master") }
                guard ns.links[m].link.kind == .bridge, master != index else { throw Refusal(.notSupported, "not a bridge") }
                ns.links[i].link.masterIndex = master
                ns.links[i].link.bridgePort = BridgePortInfo(state: 3)
                ns.links[i].vlans = [BridgeVLAN(id: ns.links[m].link.bridge?.defaultPVID ?? 1, flags: [.pvid, .untagged])]
            }
        }
    }

    /// `AF_BRIDGE` requests: port flags (`IFLA_PROTINFO`) and VLANs (`IFLA_AF_SPEC`).
    private func setBridgeSettings(_ request: NetlinkMessage, in ns: FakeNamespace, deleting: Bool = false) throws {
        let index = request.payload.integer(Int32.self, at: 4) ?? 0
        guard let i = ns.linkIndex(index) else { throw Refusal(.operationNotSupportedByDevice) }
        let isPort = ns.links[i].link.masterIndex != nil
        let attributes = try AttributeList(parsing: request.payload, from: 16)
        if let port = try attributes.nested(t(IFLA_PROTINFO)) {
            guard isPort, var info = ns.links[i].link.bridgePort else { throw Refusal(.notSupported, "not a bridge port") }
            if let mode = port[t(IFLA_BRPORT_MODE)]?.u8 { info.hairpin = mode != 0 }
            if let learning = port[t(IFLA_BRPORT_LEARNING)]?.u8 { info.learning = learning != 0 }
            if let isolated = port[t(IFLA_BRPORT_ISOLATED)]?.u8 { info.isolated = isolated != 0 }
            ns.links[i].link.bridgePort = info
        }
        for entry in try attributes.nested(t(IFLA_AF_SPEC))?.all(t(IFLA_BRIDGE_VLAN_INFO)) ?? [] {
            guard isPort || ns.links[i].link.kind == .bridge else { throw Refusal(.notSupported, "not a bridge port") }
            let vlan = BridgeVLAN(
                id: entry.payload.integer(UInt16.self, at: 2) ?? 0,
                flags: BridgeVLANFlags(rawValue: entry.payload.integer(UInt16.self) ?? 0).subtracting(.master))
            if deleting {
                guard ns.links[i].vlans.contains(where: { $0.id == vlan.id }) else { throw Refusal(.noSuchFileOrDirectory) }
                ns.links[i].vlans.removeAll { $0.id == vlan.id }
            } else {
                if vlan.flags.contains(.pvid) {
                    for j in ns.links[i].vlans.indices { ns.links[i].vlans[j].flags.remove(.pvid) }
                }
                ns.links[i].vlans.removeAll { $0.id == vlan.id }
                ns.links[i].vlans.append(vlan)
                ns.links[i].vlans.sort { $0.id < $1.id }
            }
        }
    }

    /// Deletes a link with what depends on it (its addresses and routes, a veth's peer, a
    /// bridge's ports' membership); false when there is no such link.
    func deleteLink(_ index: Int32, in ns: FakeNamespace) -> Bool {
        guard let i = ns.linkIndex(index) else { return false }
        let removed = ns.links.remove(at: i)
        ns.addresses.removeAll { $0.index == index }
        ns.routes.removeAll { $0.outputInterface == index }
        for j in ns.links.indices where ns.links[j].link.masterIndex == index {
            ns.links[j].link.masterIndex = nil
            ns.links[j].link.bridgePort = nil
            ns.links[j].vlans = []
        }
        if let peer = removed.peer, let other = namespace(reference: peer.namespace), other.linkIndex(peer.index) != nil {
            other.links[other.linkIndex(peer.index)!].peer = nil
            _ = deleteLink(peer.index, in: other)
        }
        return true
    }

    // MARK: addresses

    private func newAddress(_ address: Address, in ns: FakeNamespace) throws {
        guard ns.linkIndex(address.index) != nil else { throw Refusal(.operationNotSupportedByDevice) }
        guard !ns.addresses.contains(where: { $0.index == address.index && $0.network == address.network }) else {
            throw Refusal(.fileExists)
        }
        var stored = address
        stored.flags.remove(.tentative)
        ns.addresses.append(stored)
        if let connected = connectedRoute(of: address) { ns.routes.append(connected) }
    }

    private func deleteAddress(_ address: Address, in ns: FakeNamespace) throws {
        guard let i = ns.addresses.firstIndex(where: { $0.index == address.index && $0.network == address.network }) else {
            throw Refusal(.addressNotAvailable)
        }
        let removed = ns.addresses.remove(at: i)
        if let connected = connectedRoute(of: removed) {
            ns.routes.removeAll { $0.destination == connected.destination && $0.outputInterface == removed.index && $0.protocol == .kernel }
        }
    }

    /// The prefix route the kernel adds with an address (none for a host prefix or `noprefixroute`).
    private func connectedRoute(of address: Address) -> Route? {
        let network = address.network
        guard network.prefixLength < network.family.bitWidth, !address.flags.contains(.noPrefixRoute) else { return nil }
        return Route(
            destination: network.network, outputInterface: address.index, priority: network.family == .v6 ? 256 : nil,
            scope: network.family == .v4 ? .link : .universe, protocol: .kernel,
            preferredSource: network.family == .v4 ? network.address : nil)
    }

    // MARK: routes

    private func newRoute(_ route: Route, flags: UInt16, in ns: FakeNamespace) throws {
        if let oif = route.outputInterface, ns.linkIndex(oif) == nil { throw Refusal(.operationNotSupportedByDevice) }
        if let source = route.preferredSource, !ns.addresses.contains(where: { $0.network.address == source }) {
            throw Refusal(.invalidArgument, "Invalid prefsrc address")
        }
        if let gateway = route.gateway {
            let onLink = ns.routes.contains { direct in
                direct.gateway == nil && direct.table == route.table && direct.destination.contains(gateway)
                    && (route.outputInterface == nil || direct.outputInterface == route.outputInterface)
            }
            guard onLink || route.flags.contains(.onLink) else { throw Refusal(.networkUnreachable, "Nexthop has invalid gateway") }
        }
        let same = ns.routes.indices.filter { Self.sameKey(ns.routes[$0], route) }
        if flags & t(NLM_F_REPLACE) != 0, let first = same.first {
            ns.routes[first] = route
        } else if flags & t(NLM_F_APPEND) != 0 {
            guard !same.contains(where: { ns.routes[$0].identifiesSameRoute(as: route) && ns.routes[$0].gateway == route.gateway }) else {
                throw Refusal(.fileExists)
            }
            ns.routes.append(route)
        } else {
            guard same.isEmpty || flags & t(NLM_F_EXCL) == 0 else { throw Refusal(.fileExists) }
            ns.routes.append(route)
        }
    }

    /// What makes two routes one entry of the table: destination, table, metric, TOS.
    private static func sameKey(_ a: Route, _ b: Route) -> Bool {
        a.destination.network == b.destination.network && a.table == b.table && (a.priority ?? 0) == (b.priority ?? 0)
            && a.tos == b.tos
    }

    private func deleteRoute(_ route: Route, in ns: FakeNamespace) throws {
        guard let i = ns.routes.firstIndex(where: { live in
            live.destination.network == route.destination.network && live.table == route.table
                && (route.gateway == nil || live.gateway == route.gateway)
                && (route.outputInterface == nil || live.outputInterface == route.outputInterface)
                && (route.priority == nil || live.priority == route.priority)
        }) else { throw Refusal(.noSuchProcess) }
        ns.routes.remove(at: i)
    }

    /// `ip route get`: the longest matching route of the main table.
    private func lookupRoute(_ request: NetlinkMessage, in ns: FakeNamespace) throws -> Route {
        let attributes = try AttributeList(parsing: request.payload, from: 12)
        guard let destination = attributes[t(RTA_DST)]?.ipAddress else { throw Refusal(.invalidArgument) }
        let best = ns.routes.filter { $0.table == .main && $0.destination.contains(destination) }
            .max { $0.destination.prefixLength < $1.destination.prefixLength }
        guard let best else { throw Refusal(.networkUnreachable) }
        return Route(
            destination: IPNetwork(host: destination), gateway: best.gateway, outputInterface: best.outputInterface,
            preferredSource: best.preferredSource)
    }

    static func typeName(_ type: UInt16) -> String {
        switch Int(type) {
        case Int(RTM_NEWLINK): return "RTM_NEWLINK"
        case Int(RTM_DELLINK): return "RTM_DELLINK"
        case Int(RTM_GETLINK): return "RTM_GETLINK"
        case Int(RTM_SETLINK): return "RTM_SETLINK"
        case Int(RTM_NEWADDR): return "RTM_NEWADDR"
        case Int(RTM_DELADDR): return "RTM_DELADDR"
        case Int(RTM_GETADDR): return "RTM_GETADDR"
        case Int(RTM_NEWROUTE): return "RTM_NEWROUTE"
        case Int(RTM_DELROUTE): return "RTM_DELROUTE"
        case Int(RTM_GETROUTE): return "RTM_GETROUTE"
        default: return "type \(type)"
        }
    }
}

/// A kernel header constant as the wire's 16 bits.
@inline(__always) func t<T: BinaryInteger>(_ value: T) -> UInt16 { UInt16(truncatingIfNeeded: value) }
@inline(__always) func t<T: RawRepresentable>(_ value: T) -> UInt16 where T.RawValue: BinaryInteger {
    UInt16(truncatingIfNeeded: value.rawValue)
}
@inline(__always) func u8<T: BinaryInteger>(_ value: T) -> UInt8 { UInt8(truncatingIfNeeded: value) }

extension Array where Element == UInt8 {
    /// The host-order integer at `offset`, nil when the array is too short.
    func integer<T: FixedWidthInteger>(_: T.Type, at offset: Int = 0) -> T? {
        guard offset >= 0, offset + MemoryLayout<T>.size <= count else { return nil }
        return withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }
}
