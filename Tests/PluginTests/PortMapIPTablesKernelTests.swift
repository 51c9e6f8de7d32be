import CNI
import CNITestSupport
import Firewall
import Foundation
import NetAddress
import Testing

@testable import PortMap

/// The iptables backend against the kernel and beside Debian's portmap (1.1.1, iptables only).
@Suite(.enabled(if: isPrivileged), .serialized)
struct PortMapIPTablesKernelTests {
    let mapper = IPTablesPortMapper()
    typealias F = PortMapFixtures

    /// A portmap config for ctr1 on mynet, dual-stack, as the runtime hands it to the plugin.
    static func config(mappings: String = standardMappings, prev: Bool = true) -> String {
        let prevResult = #"""
            ,"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/var/run/netns/x"}],
            "ips":[{"interface":0,"address":"10.88.0.2/16"},{"interface":0,"address":"fd00:88::2/64"}]}
            """#
        return #"{"cniVersion":"1.0.0","name":"mynet","type":"portmap","runtimeConfig":{"portMappings":\#(mappings)}"#
            + (prev ? prevResult : "") + "}"
    }

    static let standardMappings = #"[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":5300,"containerPort":53,"protocol":"udp"}]"#

    static func debian(_ ns: TestNamespace) -> PluginRunner {
        PluginRunner(binary: Binaries.referenceDirectory + "/portmap", host: ns, cniPath: Binaries.referenceDirectory)
    }

    @Test func forwardWritesWhatDebiansPortmapWrites() throws {
        try withTestNamespaces(2, prefix: "pmi") { ns in
            let (ours, reference) = (ns[0], ns[1])
            try ours.perform { try mapper.forward(F.attachment("ctr1")) }
            let out = try Self.debian(reference).run("ADD", config: Self.config(), netns: reference.path)
            #expect(out.succeeded, "\(out.stdout)\(out.stderr)")
            for v6 in [false, true] {
                #expect(try ours.natSave(v6: v6) == (try reference.natSave(v6: v6)))
            }
            try ours.perform { try mapper.check(F.attachment("ctr1")) }
            try reference.perform { try mapper.check(F.attachment("ctr1")) }
        }
    }

    @Test func unforwardRemovesDebiansRulesWithoutMappingsOrAddresses() throws {
        try withTestNamespaces(2, prefix: "pmi") { ns in
            let (host, expected) = (ns[0], ns[1])
            // The shared chains Debian's portmap leaves behind after its own DEL.
            for n in [host, expected] {
                #expect(try Self.debian(n).run("ADD", config: Self.config(), netns: n.path, containerID: "ctr2").succeeded)
            }
            #expect(try Self.debian(host).run("ADD", config: Self.config(), netns: host.path).succeeded)
            let stale = try host.perform { try mapper.unforward(F.identity(F.attachment("ctr1"))) }
            #expect(stale.udpDestinations == [IPAddress("10.88.0.2")!, IPAddress("fd00:88::2")!])
            for v6 in [false, true] {
                #expect(try host.natSave(v6: v6) == (try expected.natSave(v6: v6)))
            }
        }
    }

    @Test func debiansDelRemovesOurRules() throws {
        try withTestNamespaces(2, prefix: "pmi") { ns in
            let (host, expected) = (ns[0], ns[1])
            for n in [host, expected] {
                try n.perform { try mapper.forward(F.attachment("ctr2", v4: "10.88.0.3/16", v6: "fd00:88::3/64")) }
            }
            try host.perform { try mapper.forward(F.attachment("ctr1")) }
            let out = try Self.debian(host).run("DEL", config: Self.config(), netns: host.path)
            #expect(out.succeeded, "\(out.stdout)")
            for v6 in [false, true] {
                #expect(try host.natSave(v6: v6) == (try expected.natSave(v6: v6)))
            }
        }
    }

    @Test func forwardAgainAndGC() throws {
        try withTestNamespaces(1, prefix: "pmi") { ns in
            let host = ns[0]
            try host.perform {
                try mapper.forward(F.attachment("ctr1"))
                try mapper.forward(F.attachment("ctr2", v4: "10.88.0.3/16", v6: nil))
            }
            let once = try host.natSave()
            try host.perform { try mapper.forward(F.attachment("ctr1")) }
            // The same rules, ctr1's entry rules moved to the top (the latest ADD of a port wins).
            #expect(try host.natSave().split(separator: "\n").sorted() == once.split(separator: "\n").sorted())
            let stale = try host.perform {
                try mapper.gc(network: "mynet", keeping: [ValidAttachment(containerID: "ctr2", ifName: "eth0")])
            }
            #expect(stale.udpDestinations == [IPAddress("10.88.0.2")!, IPAddress("fd00:88::2")!])
            let v4 = try host.natSave(), v6 = try host.natSave(v6: true)
            #expect(!v4.contains("10.88.0.2") && v4.contains("10.88.0.3") && !v6.contains("CNI-DN-"))
            #expect(throws: PortMapError.self) { try host.perform { try mapper.check(F.attachment("ctr1")) } }
            try host.perform { try mapper.check(F.attachment("ctr2", v4: "10.88.0.3/16", v6: nil)) }
        }
    }

    @Test func checkOfAV4OnlyContainerLooksForNoIPv6Chain() throws {
        try withTestNamespaces(1, prefix: "pmi") { ns in
            let a = F.attachment("ctr1", v6: nil)
            try ns[0].perform { try mapper.forward(a) }
            #expect(!(try ns[0].natSave(v6: true)).contains("CNI-DN-"))
            try ns[0].perform { try mapper.check(a) }
        }
    }

    @Test func unforwardOnANodeWithoutIPTablesRulesRunsNothing() throws {
        try withTestNamespaces(1, prefix: "pmi") { ns in
            // No nat table at all: natMayHold says no without running iptables-save.
            let mayHold = try ns[0].perform { IPTablesTools.locate().natMayHold(.v4, chains: ["CNI-HOSTPORT-DNAT"]) }
            #expect(!mayHold)
            #expect(try ns[0].perform { try mapper.unforward(F.identity(F.attachment("ctr1"))) } == StaleFlows())
            #expect(try ns[0].ruleset() == "")
        }
    }
}
