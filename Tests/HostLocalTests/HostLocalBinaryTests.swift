import CNITestSupport
import Foundation
import Testing

/// The host-local binary, kernel-free (it never enters a namespace), against temporary data dirs.
@Suite struct HostLocalBinaryTests {
    @Test func ipv4ResultAndState() throws {
        try withTemporaryDirectory { dir throws in
            var hl = HostLocalRun(dataDir: dir, ipam: ["ranges": [[["subnet": "10.10.0.0/24"]]], "routes": [["dst": "0.0.0.0/0"]]])
            let result = try hl.add()
            #expect(result["cniVersion"] as? String == "1.0.0")
            let ips = result["ips"] as! [[String: Any]]
            #expect(ips.count == 1)
            #expect(ips[0]["address"] as? String == "10.10.0.2/24")
            #expect(ips[0]["gateway"] as? String == "10.10.0.1")
            #expect(ips[0]["interface"] == nil && ips[0]["version"] == nil)
            #expect((result["routes"] as? [[String: Any]])?.first?["dst"] as? String == "0.0.0.0/0")
            #expect(result["dns"] as? [String: Any] != nil)
            #expect(result["interfaces"] == nil)
            #expect(fileBytes(hl.leaseDir + "/10.10.0.2") == Array("ctr1\r\neth0".utf8))
            #expect(fileText(hl.leaseDir + "/last_reserved_ip.0") == "10.10.0.2")
            hl.cniVersion = "0.3.1"
            let old = try hl.add("ctr2")
            #expect((old["ips"] as! [[String: Any]])[0]["version"] as? String == "4")
            #expect(addresses(old) == ["10.10.0.3/24"])
        }
    }

    @Test func ipv6Result() throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir, ipam: ["ranges": [[["subnet": "2001:db8:1::/64", "rangeStart": "2001:db8:1::100"]]]])
            let result = try hl.add()
            #expect(addresses(result) == ["2001:db8:1::100/64"])
            #expect((result["ips"] as! [[String: Any]])[0]["gateway"] as? String == "2001:db8:1::1")
            #expect(hl.leases == ["2001:db8:1::100"])
        }
    }

    @Test func dualStackGetsOneAddressPerSetInOrder() throws {
        try withTemporaryDirectory { dir throws in
            var hl = HostLocalRun(dataDir: dir, ipam: [
                "ranges": [[["subnet": "fd00:10::/64"]], [["subnet": "10.20.0.0/16", "rangeStart": "10.20.5.0", "gateway": "10.20.0.254"]]],
            ])
            let result = try hl.add()
            #expect(addresses(result) == ["fd00:10::2/64", "10.20.5.0/16"])
            #expect((result["ips"] as! [[String: Any]]).map { $0["gateway"] as? String } == ["fd00:10::1", "10.20.0.254"])
            #expect(fileText(hl.leaseDir + "/last_reserved_ip.0") == "fd00:10::2")
            #expect(fileText(hl.leaseDir + "/last_reserved_ip.1") == "10.20.5.0")
            // 0.2.0 has one slot per family: ip4 and ip6.
            hl.cniVersion = "0.2.0"
            let old = try hl.add("ctr2")
            #expect((old["ip4"] as? [String: Any])?["ip"] as? String == "10.20.5.1/16")
            #expect((old["ip6"] as? [String: Any])?["ip"] as? String == "fd00:10::3/64")
            // More than one set of a family is refused before 0.3.0.
            hl.ipam = ["ranges": [[["subnet": "10.1.0.0/24"]], [["subnet": "10.2.0.0/24"]]]]
            let out = try hl.run("ADD", "ctr3")
            #expect(failure(out)?.msg == "CNI version 0.2.0 does not support more than 1 address per family")
        }
    }

    @Test func legacySingleRangeIsPrependedAndRuntimeRangesGoFirst() throws {
        try withTemporaryDirectory { dir throws in
            var hl = HostLocalRun(dataDir: dir, ipam: [
                "subnet": "10.30.0.0/24", "rangeStart": "10.30.0.10", "rangeEnd": "10.30.0.20", "gateway": "10.30.0.254",
                "ranges": [[["subnet": "fd00:30::/64"]]],
            ])
            #expect(addresses(try hl.add()) == ["10.30.0.10/24", "fd00:30::2/64"])
            hl.extra = ["runtimeConfig": ["ipRanges": [[["subnet": "10.31.0.0/24"]]]]]
            #expect(addresses(try hl.add("ctr2")) == ["10.31.0.2/24", "10.30.0.11/24", "fd00:30::3/64"])
        }
    }

    @Test func resolvConfBecomesTheResultsDNS() throws {
        try withTemporaryDirectory { dir throws in
            let conf = dir + "/resolv.conf"
            writeText(conf, """
                # comment
                ; another
                nameserver 10.0.0.53
                nameserver fd00::53
                domain example.org
                search a.example b.example
                options ndots:5 timeout:1

                """)
            let hl = HostLocalRun(dataDir: dir, ipam: ["subnet": "10.40.0.0/24", "resolvConf": conf])
            let dns = try hl.add()["dns"] as! [String: Any]
            #expect(dns["nameservers"] as? [String] == ["10.0.0.53", "fd00::53"])
            #expect(dns["domain"] as? String == "example.org")
            #expect(dns["search"] as? [String] == ["a.example", "b.example"])
            #expect(dns["options"] as? [String] == ["ndots:5", "timeout:1"])
            let missing = HostLocalRun(dataDir: dir, ipam: ["subnet": "10.40.0.0/24", "resolvConf": dir + "/nope"])
            let out = try missing.run("ADD", "ctr2")
            #expect(failure(out)?.msg == "open \(dir)/nope: no such file or directory")
            #expect(missing.leases == ["10.40.0.2"])  // nothing written by the failed ADD
        }
    }

    @Test func requestedAddressesFromEveryChannel() throws {
        try withTemporaryDirectory { dir throws in
            var hl = HostLocalRun(dataDir: dir, ipam: ["ranges": [[["subnet": "10.50.0.0/24"]], [["subnet": "fd00:50::/64"]]]])
            #expect(addresses(try hl.add("a", args: "IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.50.0.77")) == ["10.50.0.77/24", "fd00:50::2/64"])
            hl.extra = ["args": ["cni": ["ips": ["fd00:50::99"]]]]
            #expect(addresses(try hl.add("b")) == ["10.50.0.78/24", "fd00:50::99/64"])
            hl.extra = ["runtimeConfig": ["ips": ["10.50.0.200/24", "fd00:50::200/64"]]]
            #expect(addresses(try hl.add("c")) == ["10.50.0.200/24", "fd00:50::200/64"])
            // Taken: an error naming the address, nothing written.
            hl.extra = [:]
            var out = try hl.run("ADD", "d", args: "IP=10.50.0.77")
            #expect(failure(out)?.msg == "failed to allocate for range 0: requested IP address 10.50.0.77 is not available in range set 10.50.0.1-10.50.0.254")
            // Outside every range.
            out = try hl.run("ADD", "d", args: "IP=192.168.9.9")
            #expect(failure(out)?.msg == "failed to allocate all requested IPs: 192.168.9.9")
            // The gateway.
            out = try hl.run("ADD", "d", args: "IP=10.50.0.1")
            #expect(failure(out)?.msg == "failed to allocate for range 0: requested ip 10.50.0.1 is subnet's gateway")
            // Not an address.
            out = try hl.run("ADD", "d", args: "IP=bogus")
            #expect(failure(out)?.code == 4)
            #expect(hl.leases.count == 6)
            #expect(!hl.leases.contains { fileText(hl.leaseDir + "/" + $0)!.hasPrefix("d\r\n") })
        }
    }

    @Test func aRangeOfNAddressesGivesNLeasesThenAClearError() throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir, ipam: ["ranges": [[["subnet": "10.60.0.0/28", "rangeStart": "10.60.0.2", "rangeEnd": "10.60.0.9"]]]])
            var got: [String] = []
            for i in 0..<8 { got += addresses(try hl.add("c\(i)")) }
            #expect(Set(got).count == 8)
            let out = try hl.run("ADD", "c8")
            #expect(out.status == 1)
            #expect(failure(out)?.code == 999)
            #expect(failure(out)?.msg == "failed to allocate for range 0: no IP addresses available in range set: 10.60.0.2-10.60.0.9")
            #expect(hl.leases.count == 8)
            // DEL frees one, and the next ADD gets it.
            #expect(try hl.run("DEL", "c3").succeeded)
            #expect(addresses(try hl.add("c8")) == [got[3]])
        }
    }

    @Test func parallelAddsGetDistinctAddresses() throws {
        try withTemporaryDirectory { dir throws in
            let hl = HostLocalRun(dataDir: dir, ipam: ["ranges": [[["subnet": "10.70.0.0/24"]], [["subnet": "fd00:70::/64"]]]])
            let results = ResultsBox()
            DispatchQueue.concurrentPerform(iterations: 32) { i in
                results.append(Result { try hl.add("par\(i)") })
            }
            let all = try results.values.map { try $0.get() }
            #expect(all.count == 32)
            #expect(Set(all.map { addresses($0)[0] }).count == 32)
            #expect(Set(all.map { addresses($0)[1] }).count == 32)
            #expect(hl.leases.count == 64)
        }
    }

    @Test func delIsIdempotentAndCheckNeedsTheLease() throws {
        try withTemporaryDirectory { dir throws in
            var hl = HostLocalRun(dataDir: dir, ipam: ["subnet": "10.80.0.0/24"])
            _ = try hl.add("a")
            _ = try hl.add("a", ifName: "net1")
            #expect(try hl.run("CHECK", "a").succeeded)
            #expect(try hl.run("DEL", "a").succeeded)
            #expect(try hl.run("DEL", "a").succeeded)
            #expect(try hl.run("DEL", "never-added").succeeded)
            let out = try hl.run("CHECK", "a")
            #expect(failure(out)?.msg == "host-local: Failed to find address added by container a")
            #expect(try hl.run("CHECK", "a", ifName: "net1").succeeded)
            // DEL needs only where the leases are: a config whose ranges broke still releases.
            hl.ipam = ["subnet": "not-a-subnet"]
            #expect(try hl.run("DEL", "a", ifName: "net1").succeeded)
            #expect(hl.leases.isEmpty)
        }
    }

    @Test(arguments: [
        (#"{"ranges": [[{"subnet": "10.9.2.0/31"}]]}"#, "invalid range set 0: Network 10.9.2.0/31 too small to allocate from"),
        (#"{"ranges": [[{"subnet": "10.9.2.1/24"}]]}"#, "invalid range set 0: Network has host bits set. For a subnet mask of length 24 the network address is 10.9.2.0"),
        (#"{"ranges": [[{"subnet": "notacidr"}]]}"#, #"network config: "ipam.ranges.0.0.subnet": invalid CIDR address: notacidr"#),
        (#"{"ranges": [[{"subnet": "10.9.2.0/24", "rangeStart": "bogus"}]]}"#,
         #"network config: "ipam.ranges.0.0.rangeStart": invalid IP address: bogus"#),
        (#"{"subnet": ""}"#, #"network config: "ipam.subnet": invalid CIDR address: "#),
        (#"{"ranges": [[{"subnet": "10.9.2.0/24", "rangeEnd": "10.9.3.1"}]]}"#, "invalid range set 0: RangeEnd 10.9.3.1 not in network 10.9.2.0/24"),
        (#"{"ranges": [[{"subnet": "10.9.2.0/24"}], [{"subnet": "10.9.2.0/25"}]]}"#, "range set 0 overlaps with 1"),
        (#"{"ranges": [[]]}"#, "invalid range set 0: empty range set"),
        (#"{"ranges": [[{}]]}"#, "invalid range set 0: IP <nil> not v4 nor v6"),
        (#"{"ranges": [[{"subnet": "10.9.2.0/24"}, {"subnet": "fd00::/64"}]]}"#, "invalid range set 0: mixed address families"),
        (#"{}"#, "no IP ranges specified"),
    ])
    func invalidConfigs(ipam: String, message: String) throws {
        try withTemporaryDirectory { dir throws in
            let object = try JSONSerialization.jsonObject(with: Data(ipam.utf8)) as! [String: Any]
            let out = try HostLocalRun(dataDir: dir, ipam: object).run("ADD")
            #expect(failure(out)?.msg == message)
            #expect(failure(out)?.code == 7)
            #expect(listing(dir).isEmpty)  // nothing created
        }
    }

    @Test func missingIPAMKey() throws {
        try withTemporaryDirectory { dir throws in
            let out = try PluginRunner(binary: HostLocalRun.ours).run(
                "ADD", config: #"{"cniVersion":"1.0.0","name":"n","type":"bridge"}"#, netns: "/x")
            #expect(failure(out)?.msg == "IPAM config missing 'ipam' key")
            _ = dir
        }
    }

    @Test func versionAnswer() throws {
        let out = try PluginRunner(binary: HostLocalRun.ours).run("VERSION", config: #"{"cniVersion":"1.1.0"}"#)
        let o = jsonObject(out.stdout)!
        #expect(o["supportedVersions"] as? [String] == ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"])
    }
}

final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Result<[String: Any], any Error>] = []
    func append(_ r: Result<[String: Any], any Error>) { lock.withLock { items.append(r) } }
    var values: [Result<[String: Any], any Error>] { lock.withLock { items } }
}
