import CNITestSupport
import Foundation
import Testing

/// `bandwidth` against the kernel: real transfers through a shaped container measured against the
/// configured rate, the HEAD layout (HTB, subnet filters, the ifb redirect) read back with `tc`,
/// Debian's binary (1.1.1) tearing down ours and the reverse, rollback, DEL and GC.
@Suite(.enabled(if: isPrivileged && KernelFeature.ifb.isAvailable), .serialized)
struct BandwidthTests {
    static let ifbName = "bwp05f1077a5123"  // "bwp" + sha512("chainnet" + "ctr1")[:12]

    static func limits(rate: Int, burst: Int, _ extra: [String: Any] = [:]) -> [String: Any] {
        var o: [String: Any] = ["ingressRate": rate, "ingressBurst": burst, "egressRate": rate, "egressBurst": burst]
        for (k, v) in extra { o[k] = v }
        return o
    }

    /// Streams TCP from `sender` to a receiver in `receiver` at `address` for `seconds` and
    /// returns the receiver's rate in bits/s (from its first byte to its last).
    static func measure(from sender: TestNamespace, to receiver: TestNamespace, address: String, seconds: Double) throws -> Double {
        let port = Int.random(in: 20000...30000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        let out = Pipe()
        server.standardOutput = out
        server.arguments = ["--net=\(receiver.path)", "--", "/usr/bin/python3", "-c", """
            import socket, time
            s = socket.socket(socket.AF_INET6 if ':' in '\(address)' else socket.AF_INET)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('\(address)', \(port))); s.listen(1); s.settimeout(20)
            c, _ = s.accept(); c.settimeout(20)
            total = 0; first = last = None
            while True:
                d = c.recv(1 << 16)
                if not d: break
                now = time.monotonic()
                if first is None: first = now
                else: total += len(d)
                last = now
            print(total * 8 / (last - first))
            """]
        try server.run()
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        var tries = 0
        while try !receiver.check(["ss", "-Htln"]).contains(":\(port)") && tries < 200 {
            Thread.sleep(forTimeInterval: 0.02)
            tries += 1
        }
        try sender.check(["/usr/bin/python3", "-c", """
            import socket, time
            c = socket.create_connection(('\(address)', \(port)), timeout=10)
            chunk = b'x' * 65536; end = time.monotonic() + \(seconds)
            while time.monotonic() < end: c.sendall(chunk)
            c.close()
            """])
        server.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return try #require(Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), "receiver printed \(text)")
    }

    /// The acceptance measurement: 16 Mbit/s each way, a 2-second stream measured at the
    /// receiver, within 10% of the configured rate (printed for the record).
    @Test func transfersRunAtTheConfiguredRate() throws {
        let lab = try ChainLab("bw")
        defer { lab.delete() }
        let rate = 16_000_000
        try lab.add("bandwidth", config: lab.config("bandwidth", Self.limits(rate: rate, burst: 128_000)))
        let egress = try Self.measure(from: lab.container, to: lab.host, address: "10.1.0.1", seconds: 2)
        let ingress = try Self.measure(from: lab.host, to: lab.container, address: "10.1.0.2", seconds: 2)
        print("bandwidth: set \(rate) bit/s; measured egress \(Int(egress)) bit/s (\(String(format: "%.3f", egress / Double(rate)))×), "
            + "ingress \(Int(ingress)) bit/s (\(String(format: "%.3f", ingress / Double(rate)))×)")
        #expect(abs(egress / Double(rate) - 1) < 0.10, "egress \(egress) bit/s for \(rate)")
        #expect(abs(ingress / Double(rate) - 1) < 0.10, "ingress \(ingress) bit/s for \(rate)")
    }

    /// Traffic with an unshaped subnet runs free in both directions: towards it (matched on the
    /// destination in egress) and from it (matched on the source in ingress; see README). IPv6 too.
    @Test func unshapedSubnetsRunFree() throws {
        let lab = try ChainLab("bw")
        defer { lab.delete() }
        let rate = 8_000_000
        try lab.add("bandwidth", config: lab.config("bandwidth", Self.limits(rate: rate, burst: 64_000, ["unshapedSubnets": ["10.1.0.1/32", "fd01::1/128"]])))
        let egress = try Self.measure(from: lab.container, to: lab.host, address: "10.1.0.1", seconds: 1)
        let ingress = try Self.measure(from: lab.host, to: lab.container, address: "fd01::2", seconds: 1)
        #expect(egress > 5 * Double(rate) && ingress > 5 * Double(rate), "egress \(egress), ingress \(ingress)")
    }

    /// With `shapedSubnets`, only traffic with those subnets is shaped, in both directions
    /// (towards them in egress, from them in ingress); the rest runs free.
    @Test func onlyShapedSubnetsAreShaped() throws {
        let lab = try ChainLab("bw")
        defer { lab.delete() }
        let rate = 8_000_000
        try lab.add("bandwidth", config: lab.config("bandwidth", Self.limits(rate: rate, burst: 64_000, ["shapedSubnets": ["10.1.0.1/32"]])))
        let shapedOut = try Self.measure(from: lab.container, to: lab.host, address: "10.1.0.1", seconds: 1)
        let shapedIn = try Self.measure(from: lab.host, to: lab.container, address: "10.1.0.2", seconds: 1)
        let freeOut = try Self.measure(from: lab.container, to: lab.host, address: "fd01::1", seconds: 1)
        let freeIn = try Self.measure(from: lab.host, to: lab.container, address: "fd01::2", seconds: 1)
        #expect(shapedOut < 1.2 * Double(rate) && shapedIn < 1.2 * Double(rate), "shaped: egress \(shapedOut), ingress \(shapedIn)")
        #expect(freeOut > 5 * Double(rate) && freeIn > 5 * Double(rate), "free: egress \(freeOut), ingress \(freeIn)")
    }

    @Test func layoutReadBackWithTc() throws {
        let lab = try ChainLab("bw")
        defer { lab.delete() }
        let config = lab.config("bandwidth", Self.limits(rate: 8_000_000, burst: 80_000, ["shapedSubnets": ["198.51.100.0/24", "2001:db8:1::/48"]]))
        let result = try lab.add("bandwidth", config: config)
        let interfaces = try #require(result["interfaces"] as? [[String: Any]])
        #expect(interfaces.count == 3 && interfaces[2]["name"] as? String == Self.ifbName && interfaces[2]["sandbox"] == nil)
        let ifb = try lab.link(Self.ifbName, inHost: true)
        #expect(ifb["mtu"] as? Int == 1500 && ifb["txqlen"] as? Int == 1000 && (ifb["flags"] as? [String])?.contains("UP") == true)
        #expect(ifb["ifalias"] as? String == "cni bandwidth network=chainnet")
        let tc = { (args: [String]) throws -> String in try Command.check(["tc", "-n", lab.host.name] + args) }
        for device in ["vh0", Self.ifbName] {
            #expect(try tc(["qdisc", "show", "dev", device]).contains("qdisc htb 1: root refcnt 2 r2q 10 default 0x1") || tc(["qdisc", "show", "dev", device]).contains("default 0x1 "))
            let classes = try tc(["class", "show", "dev", device])
            #expect(classes.contains("class htb 1:30 root prio 0 rate 8Mbit ceil 16Mbit burst 10000b cburst 20000b"), "\(classes)")
            #expect(classes.contains("class htb 1:1 root prio 0 rate 800Gbit ceil 800Gbit"))
        }
        let egressFilters = try tc(["filter", "show", "dev", Self.ifbName])
        #expect(egressFilters.contains("flowid 1:30") && egressFilters.contains("match c6336400/ffffff00 at 16"))
        #expect(egressFilters.contains("match 20010db8/ffffffff at 24") && egressFilters.contains("match 00010000/ffff0000 at 28"))
        let ingressFilters = try tc(["filter", "show", "dev", "vh0"])
        #expect(ingressFilters.contains("match c6336400/ffffff00 at 12") && ingressFilters.contains("match 20010db8/ffffffff at 8"))
        let redirect = try tc(["filter", "show", "dev", "vh0", "ingress"])
        #expect(redirect.contains("mirred (Egress Redirect to device \(Self.ifbName)) stolen"))
        #expect(try lab.run("CHECK", "bandwidth", config: config).status == 0)

        // CHECK sees each piece go.
        try Command.check(["tc", "-n", lab.host.name, "filter", "del", "dev", "vh0", "ingress"])
        #expect(try lab.run("CHECK", "bandwidth", config: config).stdout.contains("is not redirected"))
        try Command.check(["tc", "-n", lab.host.name, "class", "change", "dev", Self.ifbName, "parent", "1:", "classid", "1:30", "htb", "rate", "9mbit"])
        #expect(try lab.run("CHECK", "bandwidth", config: config).stdout.contains("class 1:30 of \(Self.ifbName)"))
        #expect(try lab.run("DEL", "bandwidth", config: config).status == 0)
        #expect(try lab.host.ipJSON(["link", "show", "type", "ifb"]).isEmpty)
    }

    @Test func runtimeConfigAndPrecedence() throws {
        let lab = try ChainLab("bw")
        defer { lab.delete() }
        // From the capability.
        let runtime = lab.config("bandwidth", ["capabilities": ["bandwidth": true], "runtimeConfig": ["bandwidth": Self.limits(rate: 4_000_000, burst: 40_000)]])
        try lab.add("bandwidth", config: runtime)
        #expect(try Command.check(["tc", "-n", lab.host.name, "class", "show", "dev", "vh0"]).contains("rate 4Mbit"))
        #expect(try lab.run("DEL", "bandwidth", config: runtime).status == 0)
        try Command.check(["tc", "-n", lab.host.name, "qdisc", "del", "dev", "vh0", "root"])
        try Command.check(["tc", "-n", lab.host.name, "qdisc", "del", "dev", "vh0", "ingress"])
        // Any top-level key, even null, hides runtimeConfig (Go allocates the embedded entry).
        var hidden = try JSONSerialization.jsonObject(with: Data(runtime.utf8)) as! [String: Any]
        hidden["ingressRate"] = NSNull()
        let result = try lab.add("bandwidth", config: ChainLab.json(hidden))
        #expect((result["interfaces"] as? [Any])?.count == 2)
        #expect(try !Command.check(["tc", "-n", lab.host.name, "qdisc", "show", "dev", "vh0"]).contains("htb"))
    }

    /// Either implementation's DEL removes the other's ifb device (same name), and CHECK passes on
    /// the other's layout: Debian's TBF check stops at the first other qdisc; ours accepts 1.1.1's
    /// single TBF bucket at the configured rate.
    @Test(arguments: [false, true])
    func eachDeletesWhatTheOtherAdded(referenceAdds: Bool) throws {
        _ = try Binaries.requireReference("bandwidth")
        let lab = try ChainLab("bw")
        defer { lab.delete() }
        let config = lab.config("bandwidth", Self.limits(rate: 8_000_000, burst: 80_000))
        let result = try lab.add("bandwidth", reference: referenceAdds, config: config)
        #expect((result["interfaces"] as? [[String: Any]])?.last?["name"] as? String == Self.ifbName)
        let check = try lab.run("CHECK", "bandwidth", reference: !referenceAdds, config: config)
        #expect(check.status == 0, "\(check.stdout)")
        #expect(try lab.run("DEL", "bandwidth", reference: !referenceAdds, config: config).status == 0)
        #expect(try lab.host.ipJSON(["link", "show", "type", "ifb"]).isEmpty)
    }

    @Test func failedAddLeavesNothing() throws {
        let lab = try ChainLab("bw")
        defer { lab.delete() }
        // Someone else's ingress qdisc on the veth: the redirect cannot be set up, after the
        // ingress shaping and the ifb device were. Everything of ours goes; theirs stays.
        try Command.check(["tc", "-n", lab.host.name, "qdisc", "add", "dev", "vh0", "ingress"])
        let out = try lab.run("ADD", "bandwidth", config: lab.config("bandwidth", Self.limits(rate: 8_000_000, burst: 80_000)))
        #expect(out.status == 1, "\(out.stdout)")
        let qdiscs = try Command.check(["tc", "-n", lab.host.name, "qdisc", "show", "dev", "vh0"])
        #expect(!qdiscs.contains("htb") && qdiscs.contains("ingress"))
        #expect(try lab.host.ipJSON(["link", "show", "type", "ifb"]).isEmpty)
        let refusals: [[String: Any]] = [
            ["ingressRate": 1000], ["egressBurst": 1000], ["ingressRate": 1000, "ingressBurst": 34_359_738_360],
            Self.limits(rate: 1000, burst: 1000, ["shapedSubnets": ["10.0.0.0/8"], "unshapedSubnets": ["10.1.0.0/16"]]),
            Self.limits(rate: 1000, burst: 1000, ["shapedSubnets": ["10.0.0.0"]]), ["ingressRate": 4, "ingressBurst": 4],
        ]
        for bad in refusals {
            let refused = try lab.run("ADD", "bandwidth", config: lab.config("bandwidth", bad))
            #expect(refused.status == 1 && jsonObject(refused.stdout)?["code"] as? Int == 7, "\(bad): \(refused.stdout)")
        }
        #expect(jsonObject(try lab.run("ADD", "bandwidth", config: lab.config("bandwidth", ["egressRate": -1])).stdout)?["code"] as? Int == 6)
    }

    @Test func deleteAndGC() throws {
        let lab = try ChainLab("bw")
        defer { lab.delete() }
        let config = lab.config("bandwidth", Self.limits(rate: 8_000_000, burst: 80_000))
        try lab.add("bandwidth", config: config)
        lab.container.delete()
        #expect(try lab.run("DEL", "bandwidth", config: config).status == 0)
        #expect(try lab.host.ipJSON(["link", "show", "type", "ifb"]).isEmpty)
        #expect(try lab.run("DEL", "bandwidth", config: config).status == 0)

        // GC: stale devices of this network go; a kept attachment's, another network's and one
        // without our alias (the reference's) stay.
        let ifbs = ["stale": "bwp000000000001", "kept": Self.ifbName, "other": "bwp000000000002", "noalias": "bwp000000000003"]
        for (role, name) in ifbs {
            try Command.check(["ip", "-n", lab.host.name, "link", "add", name, "type", "ifb"])
            if role != "noalias" {
                try Command.check(["ip", "-n", lab.host.name, "link", "set", name, "alias", "cni bandwidth network=\(role == "other" ? "othernet" : "chainnet")"])
            }
        }
        let gc = ChainLab.json([
            "cniVersion": "1.1.0", "name": "chainnet", "type": "bandwidth",
            "cni.dev/valid-attachments": [["containerID": "ctr1", "ifname": "eth0"]],
        ])
        #expect(try lab.run("GC", "bandwidth", config: gc).status == 0)
        let left = Set(try lab.host.ipJSON(["link", "show", "type", "ifb"]).compactMap { $0["ifname"] as? String })
        #expect(left == [ifbs["kept"]!, ifbs["other"]!, ifbs["noalias"]!])
        // Without the list (cnitool gc) nothing is known to be stale.
        try Command.check(["ip", "-n", lab.host.name, "link", "add", "bwp000000000004", "type", "ifb"])
        try Command.check(["ip", "-n", lab.host.name, "link", "set", "bwp000000000004", "alias", "cni bandwidth network=chainnet"])
        #expect(try lab.run("GC", "bandwidth", config: ChainLab.json(["cniVersion": "1.1.0", "name": "chainnet", "type": "bandwidth"])).status == 0)
        #expect(try lab.host.ipJSON(["link", "show", "dev", "bwp000000000004"]).count == 1)
    }
}
