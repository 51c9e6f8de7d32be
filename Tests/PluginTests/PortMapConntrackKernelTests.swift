import CNITestSupport
import Foundation
import NetAddress
import Netlink
import Testing

@testable import PortMap

/// The in-process ctnetlink flush against entries made with the `conntrack` CLI, in a throwaway namespace.
@Suite(.enabled(if: isPrivileged), .serialized)
struct PortMapConntrackKernelTests {
    /// `conntrack -I`: one UDP (or TCP) flow `client:sport -> host:dport`, answered by `server:rport`.
    static func insert(
        _ ns: TestNamespace, proto: String = "udp", client: String, host: String, sport: Int, dport: Int, server: String, rport: Int
    ) throws {
        var argv = ["conntrack", "-I", "-p", proto, "-s", client, "-d", host, "--sport", "\(sport)", "--dport", "\(dport)",
                    "-r", server, "-q", client, "--reply-port-src", "\(rport)", "--reply-port-dst", "\(sport)", "-t", "120"]
        if proto == "tcp" { argv += ["--state", "ESTABLISHED"] }
        try ns.check(argv)
    }

    /// The flows left, as `proto sport->dport` of their original direction.
    static func flows(_ ns: TestNamespace, v6: Bool = false) throws -> [String] {
        let out = try ns.run(["conntrack", "-L", "-f", v6 ? "ipv6" : "ipv4"])
        return out.stdout.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard let proto = fields.first, let sport = fields.first(where: { $0.hasPrefix("sport=") }),
                let dport = fields.first(where: { $0.hasPrefix("dport=") })
            else { return nil }
            return "\(proto) \(sport.dropFirst(6))->\(dport.dropFirst(6))"
        }.sorted()
    }

    static func populate(_ ns: TestNamespace) throws {
        try insert(ns, client: "192.0.2.1", host: "10.0.0.1", sport: 5000, dport: 5300, server: "10.88.0.2", rport: 53)
        try insert(ns, client: "192.0.2.2", host: "10.0.0.1", sport: 5001, dport: 5300, server: "10.88.0.7", rport: 53)
        try insert(ns, client: "192.0.2.1", host: "10.0.0.1", sport: 5002, dport: 6000, server: "10.88.0.2", rport: 60)
        try insert(ns, client: "192.0.2.1", host: "10.0.0.1", sport: 5003, dport: 7000, server: "10.0.0.1", rport: 7000)
        try insert(ns, proto: "tcp", client: "192.0.2.1", host: "10.0.0.1", sport: 5004, dport: 5300, server: "10.88.0.2", rport: 53)
    }

    @Test func addFlushesTheUDPEntriesOfTheHostPorts() throws {
        try withTestNamespaces(1, prefix: "pmc") { ns in
            let host = ns[0]
            try Self.populate(host)
            let deleted = try host.perform {
                try Conntrack(transport: SocketTransport(.netfilter)).deleteUDP(.init(family: .v4, destinationPorts: [5300...5300], replySource: nil))
            }
            #expect(deleted == 2)
            #expect(try Self.flows(host) == ["tcp 5004->5300", "udp 5002->6000", "udp 5003->7000"])
            // A range (and several ports) filters here rather than in the kernel.
            let more = try host.perform {
                try Conntrack(transport: SocketTransport(.netfilter)).deleteUDP(.init(family: .v4, destinationPorts: [6000...6999, 7000...7000], replySource: nil))
            }
            #expect(more == 2)
            #expect(try Self.flows(host) == ["tcp 5004->5300"])
        }
    }

    @Test func delFlushesTheUDPEntriesDNATedToTheContainer() throws {
        try withTestNamespaces(1, prefix: "pmc") { ns in
            let host = ns[0]
            try Self.populate(host)
            try Self.insert(host, client: "fd00::1", host: "fd00::99", sport: 6000, dport: 5300, server: "fd00:88::2", rport: 53)
            let deleted = try host.perform {
                try Conntrack(transport: SocketTransport(.netfilter)).deleteUDP(.init(family: .v4, destinationPorts: nil, replySource: IPAddress("10.88.0.2")))
            }
            #expect(deleted == 2)
            #expect(try Self.flows(host) == ["tcp 5004->5300", "udp 5001->5300", "udp 5003->7000"])
            #expect(try Self.flows(host, v6: true) == ["udp 6000->5300"])
            try host.perform { _ = try Conntrack(transport: SocketTransport(.netfilter)).deleteUDP(.init(family: .v6, destinationPorts: nil, replySource: IPAddress("fd00:88::2"))) }
            #expect(try Self.flows(host, v6: true).isEmpty)
            // Nothing to delete is fine.
            #expect(try host.perform { try Conntrack(transport: SocketTransport(.netfilter)).deleteUDP(.init(family: .v6, destinationPorts: nil, replySource: IPAddress("fd00:88::2"))) } == 0)
        }
    }
}
