import CNITestSupport
import Foundation
import Testing

/// `tuning` against the kernel, beside Debian's (`/usr/lib/cni/tuning`, 1.1.1): every option set
/// on a real veth end and sysctls in a real namespace, the same result and link state as the
/// reference's, each side's DEL restoring the other side's ADD, CHECK catching drift, rollback.
@Suite(.enabled(if: isPrivileged), .serialized)
struct TuningTests {

    /// What the tests compare of the container interface: MAC, MTU, flags, queue length.
    static func linkState(_ lab: ChainLab) throws -> String {
        let l = try lab.link("eth0")
        let flags = (l["flags"] as? [String] ?? []).filter { ["PROMISC", "ALLMULTI", "UP"].contains($0) }.sorted()
        return "mac \(l["address"] ?? "?") mtu \(l["mtu"] ?? "?") qlen \(l["txqlen"] ?? "?") \(flags.joined(separator: ","))"
    }

    @Test(arguments: [false, true])
    func everyLinkOptionSetCheckedAndRestored(reference: Bool) throws {
        // Debian's 1.1.1 predates txQLen; ours is run with it.
        if reference { _ = try Binaries.requireReference("tuning") }
        let lab = try ChainLab("tun")
        defer { lab.delete() }
        let before = try Self.linkState(lab)
        var options: [String: Any] = ["mac": "c2:11:22:33:44:55", "mtu": 1400, "promisc": true, "allmulti": true, "dataDir": lab.scratch + "/d"]
        if !reference { options["txQLen"] = 20000 }
        let config = lab.config("tuning", options)
        let result = try lab.add("tuning", reference: reference, config: config)
        #expect((result["interfaces"] as? [[String: Any]])?.last?["mac"] as? String == "c2:11:22:33:44:55")
        #expect(try Self.linkState(lab) == "mac c2:11:22:33:44:55 mtu 1400 qlen \(reference ? 1000 : 20000) ALLMULTI,PROMISC,UP")
        let saved = try String(contentsOfFile: lab.scratch + "/d/ctr1_eth0.json", encoding: .utf8)
        #expect(saved.contains("\"mtu\": 1500") && saved.contains("\"promisc\": false") && saved.contains("\"allmulti\": false"))
        #expect(try lab.run("CHECK", "tuning", reference: reference, config: config).status == 0)
        #expect(try lab.run("DEL", "tuning", reference: reference, config: config).status == 0)
        #expect(try Self.linkState(lab) == before)
        #expect(!FileManager.default.fileExists(atPath: lab.scratch + "/d/ctr1_eth0.json"))
    }

    /// The saved-values file is the reference's (name, place, format): either side's DEL restores
    /// the other side's ADD.
    @Test(arguments: [false, true], [false, true])
    func eachRestoresWhatTheOtherTuned(referenceAdds: Bool, defaultDataDir: Bool) throws {
        _ = try Binaries.requireReference("tuning")
        let lab = try ChainLab("tun")
        defer { lab.delete() }
        // The default /run/cni/tuning lives in a private /run: the machine's is never written.
        let root = defaultDataDir ? try PrivateRoot(in: lab.scratch) : nil
        let before = try Self.linkState(lab)
        var options: [String: Any] = ["mac": "c2:11:22:33:44:66", "mtu": 1300, "promisc": true, "allmulti": true]
        if !defaultDataDir { options["dataDir"] = lab.scratch + "/d" }
        let config = lab.config("tuning", options)
        try lab.add("tuning", reference: referenceAdds, config: config, privateRoot: root)
        let file = root?.run("cni/tuning/ctr1_eth0.json") ?? lab.scratch + "/d/ctr1_eth0.json"
        #expect(FileManager.default.fileExists(atPath: file))
        let del = try lab.run("DEL", "tuning", reference: !referenceAdds, config: config, privateRoot: root)
        #expect(del.status == 0, "\(del.stdout)")
        #expect(try Self.linkState(lab) == before)
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test(arguments: [
        ("plain", #"{"mac":"c2:11:22:33:44:77"}"#, nil as String?),
        ("args.cni", #"{"args":{"cni":{"mac":"c2:11:22:33:44:77"}}}"#, nil),
        ("runtimeConfig", #"{"capabilities":{"mac":true},"runtimeConfig":{"mac":"c2:11:22:33:44:77"}}"#, nil),
        ("CNI_ARGS", "{}", "IgnoreUnknown=true;MAC=c2:11:22:33:44:77"),
    ])
    func macFromEveryPlaceTheReferenceReads(_ form: (String, String, String?)) throws {
        let lab = try ChainLab("tun")
        defer { lab.delete() }
        var options = try JSONSerialization.jsonObject(with: Data(form.1.utf8)) as! [String: Any]
        options["dataDir"] = lab.scratch + "/d"
        let config = lab.config("tuning", options)
        let ours = try lab.add("tuning", config: config, args: form.2)
        #expect(try lab.link("eth0")["address"] as? String == "c2:11:22:33:44:77", "\(form.0)")
        #expect(try lab.run("DEL", "tuning", config: config, args: form.2).status == 0)
        _ = try Binaries.requireReference("tuning")
        let theirs = try lab.add("tuning", reference: true, config: config, args: form.2)
        #expect(ChainLab.json(ours) == ChainLab.json(theirs), "\(form.0)")
        #expect(try lab.run("DEL", "tuning", reference: true, config: config, args: form.2).status == 0)
    }

    /// `args.cni` overrides the config's `mtu`, `promisc`, `allmulti` and adds to its `sysctl`,
    /// on the kernel, ours and Debian's alike; DEL restores the link.
    @Test(arguments: [false, true])
    func argsCNIOverridesTheConfig(reference: Bool) throws {
        if reference { _ = try Binaries.requireReference("tuning") }
        let lab = try ChainLab("tun")
        defer { lab.delete() }
        let before = try Self.linkState(lab)
        let config = lab.config("tuning", [
            "mtu": 1300, "promisc": false, "allmulti": false, "dataDir": lab.scratch + "/d",
            "sysctl": ["net.ipv4.conf.IFNAME.arp_filter": "1"],
            "args": ["cni": ["mtu": 1400, "promisc": true, "allmulti": true, "sysctl": ["net.ipv4.conf.IFNAME.arp_ignore": "2"]]],
        ])
        try lab.add("tuning", reference: reference, config: config)
        let mac = try lab.link("eth0")["address"] ?? "?"
        #expect(try Self.linkState(lab) == "mac \(mac) mtu 1400 qlen 1000 ALLMULTI,PROMISC,UP")
        #expect(try lab.sysctl("net/ipv4/conf/eth0/arp_filter") == "1" && lab.sysctl("net/ipv4/conf/eth0/arp_ignore") == "2")
        #expect(try lab.run("CHECK", "tuning", config: config).status == 0)
        #expect(try lab.run("DEL", "tuning", reference: reference, config: config).status == 0)
        #expect(try Self.linkState(lab) == before)
    }

    @Test func sysctlsWithIFNAMEAndTheSameResultAsTheReference() throws {
        let lab = try ChainLab("tun")
        defer { lab.delete() }
        let config = lab.config("tuning", [
            "sysctl": ["net.ipv4.conf.IFNAME.arp_filter": "1", "net.core.somaxconn": "512", "net/ipv4/conf/all/log_martians": "1"],
        ])
        let ours = try lab.add("tuning", config: config)
        #expect(try lab.sysctl("net/ipv4/conf/eth0/arp_filter") == "1")
        #expect(try lab.sysctl("net/core/somaxconn") == "512")
        #expect(try lab.sysctl("net/ipv4/conf/all/log_martians") == "1")
        #expect(try lab.run("CHECK", "tuning", config: config).status == 0)
        // The kernel changed behind our back: CHECK says which file.
        try lab.container.check(["sh", "-c", "echo 128 > /proc/sys/net/core/somaxconn"])
        let drift = try lab.run("CHECK", "tuning", config: config)
        #expect(drift.status != 0 && drift.stdout.contains("/proc/sys/net/core/somaxconn is 512, current value is 128"))
        // No link attribute configured: nothing saved.
        #expect(!FileManager.default.fileExists(atPath: "/run/cni/tuning/ctr1_eth0.json"))
        #expect(try lab.run("DEL", "tuning", config: config).status == 0)
        _ = try Binaries.requireReference("tuning")
        let theirs = try lab.add("tuning", reference: true, config: config)
        #expect(ChainLab.json(ours) == ChainLab.json(theirs))
    }

    @Test func checkCatchesEveryAttributeDrifting() throws {
        let lab = try ChainLab("tun")
        defer { lab.delete() }
        let config = lab.config("tuning", [
            "mac": "c2:11:22:33:44:88", "mtu": 1400, "promisc": true, "allmulti": true, "txQLen": 500, "dataDir": lab.scratch + "/d",
        ])
        try lab.add("tuning", config: config)
        let drifts: [(String, String)] = [
            ("address c2:11:22:33:44:99", "Ethernet of eth0 is c2:11:22:33:44:88"),
            ("mtu 1450", "MTU of eth0 is 1400, current value is 1450"),
            ("promisc off", "promisc is true, current value is 0"),
            ("allmulticast off", "all-multicast mode of eth0 is true, current value is false"),
            ("txqueuelen 900", "Transmit Queue Length of eth0 is 500, current value is 900"),
        ]
        for (change, message) in drifts {
            try lab.container.check(["sh", "-c", "ip link set eth0 \(change)"])
            let out = try lab.run("CHECK", "tuning", config: config)
            #expect(out.status == 1 && out.stdout.contains(message), "\(change): \(out.stdout)")
            _ = try lab.run("DEL", "tuning", config: config)
            try lab.add("tuning", config: config)
        }
        #expect(try lab.run("CHECK", "tuning", config: config).status == 0)
        // Promiscuous mode is checked both ways, as the reference does: off unless configured.
        let plain = lab.config("tuning", ["dataDir": lab.scratch + "/d"])
        #expect(try lab.run("CHECK", "tuning", config: plain).stdout.contains("configured promisc is false, current value is 1"))
    }

    /// The node's allowlist (read from a private /etc here) refuses a sysctl it does not list and
    /// accepts one it does. (Debian's 1.1.1 predates the allowlist, so there is no side by side.)
    @Test func allowlistHonoured() throws {
        let reference = false
        let lab = try ChainLab("tun")
        defer { lab.delete() }
        let root = try PrivateRoot(in: lab.scratch)
        try root.writeEtc("cni/tuning/allowlist.conf", "^net\\.ipv4\\.conf\\.all\\.[a-z_]*$\n  \n^net\\.core\\.somaxconn$\n")
        let refused = lab.config("tuning", ["sysctl": ["net.ipv4.conf.eth0.log_martians": "1"]])
        let out = try lab.run("ADD", "tuning", reference: reference, config: refused, privateRoot: root)
        #expect(out.status == 1 && out.stdout.contains("Sysctl net.ipv4.conf.eth0.log_martians is not allowed"), "\(out.stdout)")
        #expect(try lab.sysctl("net/ipv4/conf/eth0/log_martians") == "0")
        let allowed = lab.config("tuning", ["sysctl": ["net.ipv4.conf.all.log_martians": "1", "net.core.somaxconn": "1000"]])
        try lab.add("tuning", reference: reference, config: allowed, privateRoot: root)
        #expect(try lab.sysctl("net/ipv4/conf/all/log_martians") == "1")
        #expect(!FileManager.default.fileExists(atPath: "/etc/cni/tuning"), "the allowlist leaked out of the plugin's private /etc")
    }

    /// A failed ADD leaves the interface and the sysctls as it found them, and no saved file.
    @Test func failedAddRollsBack() throws {
        let lab = try ChainLab("tun")
        defer { lab.delete() }
        let before = try Self.linkState(lab)
        // The kernel refuses an MTU above the veth's maximum after the sysctl and MAC were taken.
        let config = lab.config("tuning", [
            "sysctl": ["net.core.somaxconn": "777"], "mac": "c2:11:22:33:44:aa", "mtu": 70000, "dataDir": lab.scratch + "/d",
        ])
        let original = try lab.sysctl("net/core/somaxconn")
        let out = try lab.run("ADD", "tuning", config: config)
        #expect(out.status == 1)
        #expect(try Self.linkState(lab) == before)
        #expect(try lab.sysctl("net/core/somaxconn") == original)
        #expect(!FileManager.default.fileExists(atPath: lab.scratch + "/d/ctr1_eth0.json"))
        // Bad input is refused before anything changes.
        for bad in [["sysctl": ["kernel.hostname": "x"]], ["mac": "zz"], ["mtu": -1], ["txQLen": 4294967296] as [String: Any]] {
            let refused = try lab.run("ADD", "tuning", config: lab.config("tuning", bad))
            #expect(refused.status == 1 && jsonObject(refused.stdout)?["code"] as? Int == 7, "\(bad): \(refused.stdout)")
        }
        #expect(try lab.run("ADD", "tuning", config: lab.config("tuning", [:], withPrevResult: false)).stdout.contains("Required prevResult missing"))
    }

    @Test func deleteWithoutNamespaceOrInterfaceSucceedsAndForgets() throws {
        let lab = try ChainLab("tun")
        defer { lab.delete() }
        let config = lab.config("tuning", ["mtu": 1400, "dataDir": lab.scratch + "/d"])
        try lab.add("tuning", config: config)
        let file = lab.scratch + "/d/ctr1_eth0.json"
        #expect(FileManager.default.fileExists(atPath: file))
        lab.container.delete()
        #expect(try lab.run("DEL", "tuning", config: config).status == 0)
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(try lab.run("DEL", "tuning", config: config).status == 0)
        // An option that no longer validates does not block DEL.
        #expect(try lab.run("DEL", "tuning", config: lab.config("tuning", ["mtu": "x", "dataDir": lab.scratch + "/d"])).status == 0)
    }
}
