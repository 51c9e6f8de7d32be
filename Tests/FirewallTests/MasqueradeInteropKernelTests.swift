import CNITestSupport
import Foundation
import NetAddress
import Testing

@testable import Firewall

/// Our iptables layout against Debian's bridge plugin (1.1.1, ipMasq through go-iptables): each side tears
/// down the other's rules, and for the same attachment both write the same nat table, byte for byte.
@Suite(.enabled(if: isPrivileged && FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/bridge")), .serialized)
struct DebianBridgeInteropTests {
    static func config(ipMasq: Bool, dataDir: String) -> String {
        """
        {"cniVersion":"0.4.0","name":"mynet","type":"bridge","bridge":"swcni-br0","isGateway":true,"ipMasq":\(ipMasq),
         "ipam":{"type":"host-local","subnet":"10.88.0.0/16","dataDir":"\(dataDir)"}}
        """
    }

    /// Runs Debian's bridge with `host` as the node's namespace and `container` as the sandbox.
    static func bridge(
        _ command: String, host: TestNamespace, container: TestNamespace, ipMasq: Bool, dataDir: String,
        id: String = "ctrdeb"
    ) throws -> [String: Any] {
        let runner = PluginRunner(binary: "/usr/lib/cni/bridge", host: host, cniPath: "/usr/lib/cni")
        let out = try runner.run(
            command, config: config(ipMasq: ipMasq, dataDir: dataDir), netns: container.path, containerID: id)
        guard out.succeeded else { throw CommandError(command: ["bridge", command], output: out) }
        return jsonObject(out.stdout) ?? [:]
    }

    static func address(_ result: [String: Any]) throws -> IPNetwork {
        let ips = try #require(result["ips"] as? [[String: Any]])
        let text = try #require(ips.first?["address"] as? String)
        return try #require(IPNetwork(text))
    }

    static func withDataDir<T>(_ body: (String) throws -> T) throws -> T {
        let dir = NSTemporaryDirectory() + "swcni-ipam-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try body(dir)
    }

    @Test func debiansRulesAreOursAndOurTeardownRemovesThem() throws {
        try Self.withDataDir { dataDir in
            try withTestNamespaces(3, prefix: "deb") { ns in
                let (host, container, fresh) = (ns[0], ns[1], ns[2])
                let result = try Self.bridge("ADD", host: host, container: container, ipMasq: true, dataDir: dataDir)
                let attachment = MasqueradeAttachment(
                    network: "mynet", containerID: "ctrdeb", ifName: "eth0", addresses: [try Self.address(result)])
                let theirs = try host.natSave()
                #expect(theirs.contains(FirewallNames.iptablesChain(network: "mynet", containerID: "ctrdeb")))

                // Same attachment, our code, another namespace: the same table, byte for byte.
                try fresh.perform { try IPTablesMasquerade().setup(attachment) }
                #expect(try fresh.natSave() == theirs)
                try host.perform { try IPTablesMasquerade().check(attachment) }

                // Our DEL without addresses (the link is gone, or an empty CNI_NETNS) removes Debian's rules.
                try host.perform {
                    try Masquerade().teardown(MasqueradeAttachment(network: "mynet", containerID: "ctrdeb", ifName: "eth0"))
                }
                #expect(try host.natSave() == emptyNAT)
                // Debian's DEL afterwards succeeds once the link is gone, as our bridge's DEL leaves it. (With the
                // link still there it fails: its go-iptables takes iptables-nft's exit status 2 for a missing
                // chain as an error, so 1.1.1's DEL is not idempotent against any earlier removal.)
                try container.check(["ip", "link", "del", "eth0"])
                _ = try Self.bridge("DEL", host: host, container: container, ipMasq: true, dataDir: dataDir)
                #expect(try host.natSave() == emptyNAT)
            }
        }
    }

    @Test func debiansDelRemovesOurRules() throws {
        try Self.withDataDir { dataDir in
            try withTestNamespaces(2, prefix: "deb") { ns in
                let (host, container) = (ns[0], ns[1])
                let result = try Self.bridge("ADD", host: host, container: container, ipMasq: false, dataDir: dataDir)
                #expect(try host.natSave() == emptyNAT)
                let attachment = MasqueradeAttachment(
                    network: "mynet", containerID: "ctrdeb", ifName: "eth0", addresses: [try Self.address(result)])
                try host.perform { try Masquerade().setup(attachment, backend: "iptables") }
                #expect(try host.natSave() != emptyNAT)
                _ = try Self.bridge("DEL", host: host, container: container, ipMasq: true, dataDir: dataDir)
                #expect(try host.natSave() == emptyNAT)
            }
        }
    }
}

/// Real traffic: a container behind a host namespace reaches a "remote" namespace that has no route back
/// to the container subnet, which only works when the host masquerades it to its own address.
@Suite(.enabled(if: isPrivileged), .serialized)
struct MasqueradeTrafficTests {
    /// host ns H between container C (10.77.0.2, fd77::2) and remote R (192.0.2.2, 2001:db8::2).
    static func wire(host: TestNamespace, container: TestNamespace, remote: TestNamespace) throws {
        let sh = { (line: String) throws in _ = try Command.shell(line) }
        try sh("ip -n \(host.name) link add vc0 type veth peer name eth0 netns \(container.name)")
        try sh("ip -n \(host.name) link add vr0 type veth peer name eth0 netns \(remote.name)")
        try sh("ip -n \(host.name) addr add 10.77.0.1/24 dev vc0 && ip -n \(host.name) addr add fd77::1/64 dev vc0 nodad")
        try sh("ip -n \(host.name) addr add 192.0.2.1/24 dev vr0 && ip -n \(host.name) addr add 2001:db8::1/64 dev vr0 nodad")
        try sh("ip -n \(container.name) addr add 10.77.0.2/24 dev eth0 && ip -n \(container.name) addr add fd77::2/64 dev eth0 nodad")
        try sh("ip -n \(remote.name) addr add 192.0.2.2/24 dev eth0 && ip -n \(remote.name) addr add 2001:db8::2/64 dev eth0 nodad")
        for (ns, link) in [(host, "vc0"), (host, "vr0"), (container, "eth0"), (remote, "eth0")] {
            try sh("ip -n \(ns.name) link set \(link) up")
        }
        try sh("ip -n \(container.name) route add default via 10.77.0.1 && ip -n \(container.name) -6 route add default via fd77::1")
        try host.check(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"])
    }

    static func connect(from container: TestNamespace, to address: String, timeout: Double = 3) throws -> String {
        try PeerEcho.connect(from: container, to: address, timeout: timeout)
    }

    @Test(arguments: [MasqueradeBackendKind.nftables, .iptables])
    func containerTrafficLeavesWithTheHostAddress(backend kind: MasqueradeBackendKind) throws {
        try withTestNamespaces(3, prefix: "traffic") { ns in
            let (host, container, remote) = (ns[0], ns[1], ns[2])
            try Self.wire(host: host, container: container, remote: remote)
            let servers = try PeerEcho.start(in: remote, on: ["192.0.2.2", "2001:db8::2"])
            defer { PeerEcho.stop(servers) }
            // Without masquerade the remote's replies have no way back.
            #expect(try Self.connect(from: container, to: "192.0.2.2", timeout: 0.5).hasPrefix("failed"))

            let masquerade = Masquerade()
            let attachment = MasqueradeAttachment(
                network: "trafficnet", containerID: "ctr-\(kind)", ifName: "eth0",
                addresses: [IPNetwork("10.77.0.2/24")!, IPNetwork("fd77::2/64")!])
            try host.perform { try masquerade.setup(attachment, backend: kind.rawValue) }
            #expect(try Self.connect(from: container, to: "192.0.2.2") == "192.0.2.1")
            #expect(try Self.connect(from: container, to: "2001:db8::2") == "2001:db8::1")

            try host.perform { try masquerade.teardown(attachment) }
            _ = try? container.run(["conntrack", "-F"])
            _ = try? host.run(["conntrack", "-F"])
            #expect(try Self.connect(from: container, to: "192.0.2.2", timeout: 0.5).hasPrefix("failed"))
        }
    }
}
