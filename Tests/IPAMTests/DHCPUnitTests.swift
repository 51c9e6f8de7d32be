import CNI
import NetAddress
import Testing

@testable import DHCP

/// The dhcp plugin's pieces without a network: gob, DHCP messages, results, options, flags.
@Suite struct DHCPUnitTests {
    @Test func gobIntegersAsGoWritesThem() throws {
        #expect(GobWire.uint(0) == [0] && GobWire.uint(127) == [0x7F])
        #expect(GobWire.uint(128) == [0xFF, 0x80] && GobWire.uint(256) == [0xFE, 0x01, 0x00])
        #expect(GobWire.int(1) == [2] && GobWire.int(-1) == [1] && GobWire.int(-65) == [0xFF, 0x81] && GobWire.int(-129) == [0xFE, 0x01, 0x01])
        var c = GobCursor(GobWire.int(-129) + GobWire.int(1 << 40) + GobWire.uint(UInt64.max))
        let values = (try c.readInt(), try c.readInt(), try c.readUint())
        #expect(values.0 == -129 && values.1 == 1 << 40 && values.2 == UInt64.max)
    }

    /// A stream holding two values of different types, with the type descriptions before them.
    @Test func gobRoundTripOfTheRPCTypes() throws {
        var encoder = GobEncoder()
        let request = CNIMessages.Request(
            containerID: "ctr1", netns: "/var/run/netns/x", ifName: "eth0", args: "IgnoreUnknown=1", path: "/opt/cni/bin",
            stdin: Array(#"{"name":"n"}"#.utf8))
        var result = CNIResult(cniVersion: "1.0.0")
        result.interfaces = [.init(name: "eth0", mac: "aa:bb:cc:dd:ee:ff", mtu: 1400, sandbox: "/x")]
        result.ips = [.init(interface: 2, address: IPNetwork("10.1.2.3/24")!, gateway: IPAddress("10.1.2.1")), .init(address: IPNetwork("fd00::5/64")!)]
        result.routes = [.init(dst: IPNetwork("0.0.0.0/0")!, gw: IPAddress("10.1.2.1"), priority: 7), .init(dst: IPNetwork("10.9.0.0/16")!, scope: 253)]
        result.dns = DNS(nameservers: ["10.0.0.53"], domain: "example.com", search: ["a", "b"], options: ["ndots:2"])
        var stream = encoder.encode(request.gob, as: CNIMessages.cmdArgsType)
        stream += encoder.encode(CNIMessages.gob(result), as: CNIMessages.resultType)
        // A second value of a type already described carries no description.
        let again = encoder.encode(request.gob, as: CNIMessages.cmdArgsType)
        #expect(again.count < 80)
        stream += again
        var source = GobCursor(stream)
        var decoder = GobDecoder()
        #expect(CNIMessages.Request(try decoder.decode(from: &source)) == request)
        #expect(try CNIMessages.result(try decoder.decode(from: &source)) == result)
        #expect(CNIMessages.Request(try decoder.decode(from: &source)) == request)
    }

    @Test func gobStreamsThatDoNotDecodeFail() {
        var decoder = GobDecoder()
        var truncated = GobCursor([5, 0xFF, 0x82])
        #expect(throws: GobError.self) { try decoder.decode(from: &truncated) }
        var unknown = GobCursor([2, 0xFF, 0x90])  // a value of type 72, never described
        #expect(throws: GobError.self) { try decoder.decode(from: &unknown) }
        // A slice type whose elements are itself, and a value nested as deep as the message allows.
        var selfReferential: [UInt8] = GobWire.int(-65) + [2, 1, 2] + GobWire.int(65) + [0, 1] + GobWire.int(65) + [0, 0]
        selfReferential = GobWire.uint(UInt64(selfReferential.count)) + selfReferential
        var value = GobWire.int(65) + [0] + [UInt8](repeating: 1, count: 200) + [0]
        value = GobWire.uint(UInt64(value.count)) + value
        var deep = GobCursor(selfReferential + value)
        #expect(throws: GobError("values nested too deeply")) { try decoder.decode(from: &deep) }
    }

    @Test func dhcpMessageOnTheWire() throws {
        var m = DHCPMessage()
        m.xid = 0x1234_5678
        m.flags = DHCPMessage.broadcastFlag
        m.chaddr = [2, 0, 0, 0, 0, 1]
        m[option: DHCPMessage.Option.clientID] = DHCPOptions.clientIDOption("c/n/eth0")
        m[option: DHCPMessage.Option.messageType] = [DHCPMessage.MessageType.discover.rawValue]
        m[option: 77] = [UInt8](repeating: 7, count: 300)  // longer than one option: split (RFC 3396)
        let bytes = m.bytes
        #expect(bytes.count >= 300 && Array(bytes[236..<240]) == DHCPMessage.magicCookie)
        #expect(bytes[240] == DHCPMessage.Option.messageType)  // message type first
        let parsed = try #require(DHCPMessage(bytes: bytes))
        #expect(parsed.xid == 0x1234_5678 && parsed.flags == 0x8000 && parsed.chaddr == m.chaddr)
        #expect(parsed.messageType == .discover && parsed[option: 77]?.count == 300)
        #expect(parsed[option: DHCPMessage.Option.clientID] == [0] + Array("c/n/eth0".utf8))
        #expect(DHCPMessage(bytes: Array(bytes.prefix(239))) == nil)
        // Carried in UDP in IPv4, and found again by the receive filter.
        let packet = UDPFrame.packet(bytes, from: IPAddress(v4: 0), to: IPAddress(v4: 0xFFFF_FFFF))
        #expect(UDPFrame.checksum(Array(packet.prefix(20))) == 0)
        var reply = packet
        reply[22] = 0; reply[23] = 68  // to port 68, as a server's reply
        #expect(UDPFrame.dhcpPayload(reply) == bytes)
        #expect(UDPFrame.dhcpPayload(packet) == nil)
    }

    func ack(_ options: [(UInt8, [UInt8])]) -> DHCPMessage {
        var m = DHCPMessage()
        m.op = DHCPMessage.bootReply
        m.yiaddr = IPAddress("10.77.0.20")!
        m[option: DHCPMessage.Option.messageType] = [5]
        for (code, value) in options { m[option: code] = value }
        return m
    }

    @Test func resultsFromAnAck() throws {
        let mask: (UInt8, [UInt8]) = (1, [255, 255, 255, 0])
        let routers: (UInt8, [UInt8]) = (3, [10, 77, 0, 1, 10, 77, 0, 2])
        let plain = try LeaseResult.result(ack([mask, routers]), priority: 0)
        #expect(plain.ips == [.init(address: IPNetwork("10.77.0.20/24")!, gateway: IPAddress("10.77.0.1"))])
        #expect(plain.routes == [.init(dst: IPNetwork("0.0.0.0/0")!, gw: IPAddress("10.77.0.1"))])
        #expect(plain.cniVersion == "")
        // Option 33: classful destinations, then the default route.
        let statics = try LeaseResult.result(ack([mask, routers, (33, [10, 0, 0, 0, 10, 1, 2, 3, 192, 168, 1, 0, 192, 168, 2, 3])]), priority: 5)
        #expect(statics.routes.map(\.dst.description) == ["10.0.0.0/8", "192.168.1.0/24", "0.0.0.0/0"])
        #expect(statics.routes.allSatisfy { $0.priority == 5 })
        // Option 121 replaces both; a route without a router is on-link.
        let classless = try LeaseResult.result(ack([mask, routers, (33, [10, 0, 0, 0, 10, 1, 2, 3]), (121, [24, 192, 168, 50, 10, 77, 0, 254, 16, 10, 99, 0, 0, 0, 0])]), priority: 0)
        #expect(classless.routes == [
            .init(dst: IPNetwork("192.168.50.0/24")!, gw: IPAddress("10.77.0.254")),
            .init(dst: IPNetwork("10.99.0.0/16")!, gw: IPAddress("0.0.0.0"), scope: 253),
        ])
        #expect(throws: DHCPError(.failed, "DHCP option Subnet Mask not found in DHCPACK")) { try LeaseResult.result(ack([routers]), priority: 0) }
        #expect(try LeaseResult.result(ack([mask]), priority: 0).ips.first?.gateway == nil)
    }

    func config(_ ipam: String) throws -> DHCPConfig {
        try DHCPConfig(bytes: Array(#"{"cniVersion":"1.0.0","name":"net","type":"macvlan","ipam":{"type":"dhcp"\#(ipam)}}"#.utf8))
    }

    @Test func optionsByNameOrCodeAsTheReferenceBuildsThem() throws {
        let plain = try DHCPOptions(config: config(""), cniArgs: "")
        #expect(plain.requested == [3, 1] && plain.provided.isEmpty)
        let conf = try config(#","request":[{"option":"15"},{"option":"routers"},{"option":""}],"provide":[{"option":"host-name","fromArg":"K8S_POD_NAME"},{"option":"60","value":"swift-cni"},{"option":"user-class","value":"x","fromArg":"NOPE"}]"#)
        let opts = try DHCPOptions(config: conf, cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=web-1;K8S_POD_NAMESPACE=default")
        #expect(opts.requested == [15, 3, 1])
        #expect(opts.provided == [.init(code: 12, value: Array("web-1".utf8)), .init(code: 60, value: Array("swift-cni".utf8)), .init(code: 77, value: [0x78])])
        let skip = try DHCPOptions(config: config(#","request":[{"skipDefault":true,"option":"121"}]"#), cniArgs: "")
        #expect(skip.requested == [121])
        // Nothing left to ask for: the DHCP library's own list, as the reference ends up sending.
        #expect(try DHCPOptions(config: config(#","request":[{"skipDefault":true}]"#), cniArgs: "").requested == [1, 3, 15, 6])
        #expect(throws: DHCPError(.invalidConfig, #"Can not parse option "doNotparseMe": Can not parse option: strconv.ParseUint: parsing "doNotparseMe": invalid syntax"#)) {
            try DHCPOptions(config: config(#","request":[{"option":"doNotparseMe"}]"#), cniArgs: "")
        }
        #expect(throws: DHCPError(.invalidConfig, #"Can not parse option "256": Can not parse option: strconv.ParseUint: parsing "256": value out of range"#)) {
            try DHCPOptions(config: config(#","provide":[{"option":"256","value":"x"}]"#), cniArgs: "")
        }
        let long = String(repeating: "a", count: 256)
        #expect(throws: DHCPError.self) { try DHCPOptions(config: config(#","provide":[{"option":"12","value":"\#(long)"}]"#), cniArgs: "") }
        #expect(throws: DHCPError.self) { try DHCPOptions(config: config(#","provide":[{"option":"12","fromArg":"N"}]"#), cniArgs: "N=\(long)") }
        // Applied to a message: the client ID, the list, then the provided options (which may
        // replace the client ID).
        var m = DHCPMessage()
        DHCPOptions(provided: [.init(code: 61, value: [1, 2])], requested: [3, 1]).apply(to: &m, clientID: "id")
        #expect(m[option: 61] == [1, 2] && m[option: 55] == [3, 1])
    }

    @Test func configKeysAndClientID() throws {
        let conf = try config(#","DaemonSocketPath":"/tmp/d.sock","priority":9,"request":[{"SkipDefault":"true"}]"#)
        #expect(conf.daemonSocket == "/tmp/d.sock" && conf.priority == 9 && conf.request == [.init(option: "", skipDefault: true)])
        #expect(try config("").daemonSocket == "/run/cni/dhcp.sock")
        #expect(throws: (any Error).self) { try config(#","priority":"x""#) }
        #expect(LeaseRecord.clientID(containerID: "c", network: "n", ifName: "eth0") == "c/n/eth0")
        let long = LeaseRecord.clientID(containerID: String(repeating: "x", count: 300), network: "n", ifName: "eth0")
        #expect(long.utf8.count == 254)
    }

    @Test func daemonFlagsAsGoParsesThem() throws {
        let defaults = try DaemonOptions(arguments: [])
        #expect(defaults.socketPath == "/run/cni/dhcp.sock" && defaults.timeout == .seconds(10) && defaults.resendMax == .seconds(62))
        #expect(defaults.resendTimeout == .seconds(208) && !defaults.broadcast && defaults.stateDir == "/run/cni/dhcp")
        let o = try DaemonOptions(arguments: [
            "-pidfile", "/run/p", "--hostprefix=/host", "-socketpath=/s.sock", "-broadcast", "-timeout", "1.5s", "-resendmax=1m30s",
            "-resendtimeout", "2h", "-statedir", "/st", "extra",
        ])
        #expect(o.pidfile == "/run/p" && o.hostPrefix == "/host" && o.socketPath == "/s.sock" && o.broadcast && o.stateDir == "/st")
        #expect(o.timeout == .milliseconds(1500) && o.resendMax == .seconds(90) && o.resendTimeout == .seconds(7200))
        #expect(try !DaemonOptions(arguments: ["-broadcast=false"]).broadcast)
        #expect(throws: DaemonOptions.Failure(message: "flag provided but not defined: -nope", help: false)) { try DaemonOptions(arguments: ["-nope"]) }
        #expect(throws: DaemonOptions.Failure(message: "invalid value \"10\" for flag -timeout: parse error", help: false)) { try DaemonOptions(arguments: ["-timeout", "10"]) }
        #expect(throws: DaemonOptions.Failure(message: "flag needs an argument: -pidfile", help: false)) { try DaemonOptions(arguments: ["-pidfile"]) }
        #expect(throws: DaemonOptions.Failure(message: "", help: true)) { try DaemonOptions(arguments: ["-h"]) }
        #expect(DaemonOptions.goDuration("300ms") == .milliseconds(300) && DaemonOptions.goDuration("0") == .zero && DaemonOptions.goDuration("1x") == nil)
        #expect(DaemonOptions.usage.contains("  -resendtimeout duration\n"))
    }

    @Test func leasesAreKeptAsTheyWereGranted() throws {
        var grantAck = ack([(1, [255, 255, 255, 0]), (51, [0, 0, 0, 120]), (54, [10, 77, 0, 1])])
        grantAck.chaddr = [2, 0, 0, 0, 0, 9]
        let grant = DHCPExchange.Grant(ack: grantAck, ackBytes: grantAck.bytes, serverMAC: [2, 0, 0, 0, 0, 1], received: 1_700_000_000.25)
        let record = LeaseRecord(
            clientID: "c/n/eth0", containerID: "c", network: "n", ifName: "eth0", netns: "/var/run/netns/x",
            identity: NamespaceKey(device: 4, inode: 4026532000), options: DHCPOptions(provided: [.init(code: 12, value: [1, 2])], requested: [3, 1]))
        let (r, g) = try #require(LeaseStore.lease(LeaseStore.json(record, grant)))
        #expect(r == record && g.ackBytes == grant.ackBytes && g.serverMAC == grant.serverMAC && g.received == grant.received)
        let times = Lease.Times(g)
        #expect(times.expire == grant.received + 120 && times.renew == grant.received + 60 && times.rebind == grant.received + 102)
    }

    @Test func backoffAsTheReference() {
        var b = Backoff(max: .seconds(16))
        let pauses = (0..<8).map { _ in b.next() }
        for p in pauses.prefix(4) { #expect(p >= .seconds(1) && p < .seconds(3)) }
        #expect(pauses[4] >= .seconds(7) && pauses[4] < .seconds(9))
        #expect(pauses[5] >= .seconds(15) && pauses[5] < .seconds(17))
        #expect(pauses[7] >= .seconds(15) && pauses[7] < .seconds(17))
    }
}
