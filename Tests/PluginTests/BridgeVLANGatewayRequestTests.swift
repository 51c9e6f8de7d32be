import CNI
import CNITestSupport
import LinuxNet
import NetAddress
import Netlink
import SystemPackage
import Testing

@testable import Bridge

/// The VLAN gateway (`<bridge>.<vid>` when `isGateway` and `vlan` are set) against a fake kernel:
/// on kernels without bridge VLAN filtering (this VM) the kernel tests cannot reach this path.
/// (Root only: the namespace half of the stack is a throwaway namespace, where the host veth's
/// `accept_ra` write lands, harmlessly failing, instead of in the machine's own.)
@Suite(.enabled(if: isPrivileged)) struct BridgeVLANGatewayRequestTests {
    /// A fake rtnetlink that knows links by name and index and records every request.
    final class FakeKernel {
        var links: [String: Link] = [:]
        var nextIndex: Int32 = 20
        var portVLANs: [BridgeVLAN] = [.access(1)]

        func handle(_ request: NetlinkMessage) -> [[UInt8]] {
            switch request.type {
            case 18 where request.flags & 0x300 == 0x300:  // RTM_GETLINK dump: bridge VLANs
                let entries = links.values.filter { $0.masterIndex != nil }.map { vlanEntry($0) }
                return [NetlinkReplies.multipart(entries, answering: request, done: true)]
            case 18:  // RTM_GETLINK by name or index
                let index = request.payload.withUnsafeBytes { $0.load(fromByteOffset: 4, as: Int32.self) }
                let found = name(in: request).flatMap { links[$0] } ?? links.values.first { $0.index == index && index != 0 }
                guard let link = found else { return [NetlinkReplies.error(.operationNotSupportedByDevice, to: request)] }
                var reply = link.message
                reply.sequence = request.sequence
                return [reply.bytes, NetlinkReplies.ack(to: request)]
            case 16:  // RTM_NEWLINK: a veth pair, both ends here
                let text = String(decoding: request.payload.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
                for word in text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == ".") }) {
                    let name = String(word)
                    guard name.hasPrefix("veth") && name.count == 12 || name.contains(".") else { continue }
                    links[name] = Link(index: nextIndex, name: name, kind: .veth, mac: MACAddress("0a:00:00:00:00:\(nextIndex)"))
                    nextIndex += 1
                }
                return [NetlinkReplies.ack(to: request)]
            case 19 where request.payload.first == 0:  // RTM_SETLINK: track the master
                let index = request.payload.withUnsafeBytes { $0.load(fromByteOffset: 4, as: Int32.self) }
                if request.payload.count > 16, let key = links.first(where: { $0.value.index == index })?.key {
                    links[key]?.masterIndex = 3
                }
                return [NetlinkReplies.ack(to: request)]
            default:
                return [NetlinkReplies.ack(to: request)]
            }
        }

        func name(in request: NetlinkMessage) -> String? {
            var offset = 16
            let p = request.payload
            while offset + 4 <= p.count {
                let length = Int(p[offset]) | Int(p[offset + 1]) << 8
                let type = Int(p[offset + 2]) | Int(p[offset + 3]) << 8
                guard length >= 4 else { return nil }
                if type == 3 { return String(decoding: p[(offset + 4)..<(offset + length)].prefix { $0 != 0 }, as: UTF8.self) }
                offset += (length + 3) & ~3
            }
            return nil
        }

        func vlanEntry(_ link: Link) -> NetlinkMessage {
            func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
            func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
                var out = le(UInt16(4 + payload.count)) + le(type) + payload
                while out.count % 4 != 0 { out.append(0) }
                return out
            }
            var payload: [UInt8] = [7, 0] + le(UInt16(1)) + le(link.index) + le(UInt32(0)) + le(UInt32(0))
            payload += attribute(3, Array(link.name.utf8) + [0])
            payload += attribute(10, le(UInt32(3)))
            payload += attribute(26, portVLANs.flatMap { attribute(2, le($0.flags.rawValue) + le($0.id)) })
            return NetlinkMessage(type: 16, payload: payload)
        }
    }

    @Test func vlanGatewayIsAVethWhosePeerIsAnAccessPort() throws {
        try withTestNamespaces(1, prefix: "vgw") { ns in try check(namespace: ns[0]) }
    }

    func check(namespace: TestNamespace) throws {
        let kernel = FakeKernel()
        let transport = FunctionTransport { kernel.handle($0) }
        let host = NetworkStack(namespace: try NetworkNamespace.open(path: namespace.path), netlink: RouteNetlink(transport: transport))
        let text = #"{"cniVersion":"1.0.0","name":"n","type":"bridge","bridge":"cni0","isGateway":true,"vlan":100}"#
        let config = try BridgeConfig(NetworkConfig(bytes: Array(text.utf8)), args: CNIArgs(""))
        let bridge = Link(index: 3, name: "cni0", kind: .bridge, flags: .up)

        let gateway = try BridgeDevice.ensureVLANGateway(bridge: bridge, config: config, in: host)
        #expect(gateway.name == "cni0.100")
        let peer = try #require(kernel.links.values.first { $0.name.hasPrefix("veth") })
        let sent = transport.requests.map { message -> [UInt8] in
            var m = message
            m.sequence = 0
            return m.bytes
        }
        #expect(sent.contains(NetlinkRequest.setLink(index: peer.index, name: peer.name, LinkChanges(masterIndex: 3)).bytes))
        #expect(sent.contains(NetlinkRequest.bridgeVLAN(add: false, BridgeVLAN(id: 1), port: peer.index, name: peer.name).bytes))
        #expect(sent.contains(NetlinkRequest.bridgeVLAN(add: true, .access(100), port: peer.index, name: peer.name).bytes))
        let gatewayIndex = try #require(kernel.links["cni0.100"]?.index)
        #expect(sent.contains(NetlinkRequest.setLink(index: gatewayIndex, name: "cni0.100", LinkChanges(up: true)).bytes))

        // Once there, it is reused as it is.
        let before = transport.requests.count
        #expect(try BridgeDevice.ensureVLANGateway(bridge: bridge, config: config, in: host).index == gatewayIndex)
        #expect(transport.requests.count == before + 1)
    }
}
