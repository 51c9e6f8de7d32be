import CNITestSupport
import Foundation
import Glibc
import Testing

/// The dhcp plugin and daemon against a real DHCP server (Debian's dnsmasq) in throwaway
/// namespaces (see ``DHCPLab``): leases obtained through bridge and macvlan interfaces, renewed
/// (in the server's own log), released on DEL (gone from the server's lease file), taken over
/// by a restarted daemon, every option at work, a dead server leaving nothing behind, and the
/// same results as Debian's plugin and daemon.
@Suite(.enabled(if: isPrivileged && DHCPLab.dnsmasqAvailable, "needs root and dnsmasq (scripts/deps.sh installs it)"))
struct DHCPKernelTests {
    @Test func leaseThroughABridgeIsRenewedAndReleased() throws {
        try withDHCPLab { lab in
            try lab.startDaemon()
            let c = lab.containers[0]
            let conf = lab.bridgeConfig()
            let add = try lab.run("ADD", conf, container: c, id: "ctr1")
            #expect(add.succeeded, "\(add.stdout)\(add.stderr)\n\(lab.daemonOutput)")
            let address = try #require(resultAddress(add))
            let ip = String(address.split(separator: "/")[0])
            #expect(address.hasPrefix("10.77.0.") && address.hasSuffix("/24"))
            #expect(try lab.address(in: c) == address)
            let result = try #require(jsonObject(add.stdout))
            #expect((result["ips"] as? [[String: Any]])?.first?["gateway"] as? String == "10.77.0.1")
            #expect((result["routes"] as? [[String: Any]])?.first?["dst"] as? String == "0.0.0.0/0")
            // The server knows the lease by the reference's client ID (type 0, container/network/interface).
            let clientID = "00:" + Array("ctr1/dnet/eth0".utf8).map { String(format: "%02x", $0) }.joined(separator: ":")
            #expect(lab.leases.contains("\(ip) * \(clientID)"), "\(lab.leases)")
            #expect(try c.run(["ping", "-c", "1", "-W", "2", "10.77.0.1"]).succeeded)

            // Renewed at T1 (2 s), as the server's log shows.
            try lab.wait("a renewal of \(ip)") { lab.acks(ip) >= 2 }
            #expect(lab.log.contains("DHCPREQUEST(eth0) \(ip) "))

            // CHECK finds the lease the daemon keeps.
            let check = try lab.run("CHECK", try withPrevResult(conf, result), container: c, id: "ctr1")
            #expect(check.succeeded, "\(check.stdout)")

            // DEL releases it: the server forgets it.
            let del = try lab.run("DEL", try withPrevResult(conf, result), container: c, id: "ctr1")
            #expect(del.succeeded, "\(del.stdout)")
            try lab.wait("the release of \(ip)") { lab.log.contains("DHCPRELEASE(eth0) \(ip) ") }
            try lab.wait("the lease file to drop \(ip)") { !lab.leases.contains(ip) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: lab.stateDir).isEmpty)
            let acksAfterRelease = lab.acks(ip)
            Thread.sleep(forTimeInterval: 2.5)
            #expect(lab.acks(ip) == acksAfterRelease)  // no renewals of a released lease
            // A second DEL is fine.
            #expect(try lab.run("DEL", conf, container: c, id: "ctr1").succeeded)
        }
    }

    /// When the server does not answer at T1 (its unicast port is blocked here), the lease is
    /// rebound at T2 by a broadcast any server may answer.
    @Test func leaseIsReboundWhenRenewalGoesUnanswered() throws {
        try withDHCPLab(t1: 2, t2: 4) { lab in
            try lab.startDaemon()
            let c = lab.containers[0]
            let conf = lab.bridgeConfig()
            let add = try lab.run("ADD", conf, container: c, id: "ctr1")
            let ip = try #require(resultAddress(add)?.split(separator: "/").first.map(String.init))
            try lab.server.check(["nft", "add table inet swcni; add chain inet swcni in { type filter hook input priority 0; }; add rule inet swcni in udp dport 67 meta pkttype host drop"])
            try lab.wait("a rebinding", seconds: 15) { lab.daemonOutput.contains("ctr1/dnet/eth0: lease rebound") }
            #expect(lab.daemonOutput.contains("ctr1/dnet/eth0: renewal time expired, rebinding"))
            #expect(lab.acks(ip) >= 2)
            try lab.server.check(["nft", "delete table inet swcni"])
            #expect(try lab.run("DEL", conf, container: c, id: "ctr1").succeeded)
        }
    }

    @Test func restartedDaemonTakesLeasesOver() throws {
        try withDHCPLab { lab in
            let first = try lab.startDaemon()
            let c = lab.containers[0]
            let conf = lab.bridgeConfig()
            let add = try lab.run("ADD", conf, container: c, id: "ctr1")
            let ip = try #require(resultAddress(add)?.split(separator: "/").first.map(String.init))
            lab.stop(first)
            #expect(!FileManager.default.fileExists(atPath: lab.socket))
            let acksBefore = lab.acks(ip)
            try lab.startDaemon()
            try lab.wait("the new daemon to take the lease over") { lab.daemonOutput.contains("ctr1/dnet/eth0: lease of \(ip) taken over") }
            try lab.wait("a renewal by the new daemon") { lab.acks(ip) > acksBefore }
            // DEL through the new daemon releases the lease the old one acquired.
            #expect(try lab.run("DEL", conf, container: c, id: "ctr1").succeeded)
            try lab.wait("the release of \(ip)") { lab.log.contains("DHCPRELEASE(eth0) \(ip) ") }
            #expect(!lab.leases.contains(ip))
        }
    }

    @Test func deadServerGivesAClearErrorAndLeavesNothing() throws {
        try withDHCPLab { lab in
            try lab.startDaemon()
            lab.stopServer()
            let c = lab.containers[0]
            let add = try lab.run("ADD", lab.bridgeConfig(), container: c, id: "ctr1")
            #expect(!add.succeeded)
            let msg = jsonObject(add.stdout)?["msg"] as? String ?? ""
            #expect(msg.hasPrefix("error calling DHCP.Allocate: no DHCP lease for eth0 in \(c.path): no DHCPOFFER received"), "\(msg)")
            // The bridge's rollback removed the veth; the container has only its loopback.
            #expect(try lab.host.ipJSON(["link", "show"]).compactMap { $0["ifname"] as? String }.filter { $0.hasPrefix("veth") } == [])
            #expect(try c.ipJSON(["link", "show"]).compactMap { $0["ifname"] as? String } == ["lo"])
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: lab.stateDir)) ?? []).isEmpty)
            // DEL afterwards succeeds; STATUS still sees the daemon.
            #expect(try lab.run("DEL", lab.bridgeConfig(), container: c, id: "ctr1").succeeded)
            #expect(try lab.run("STATUS", lab.bridgeConfig(version: "1.1.0"), container: nil, id: "", binary: Binaries.path("dhcp")).succeeded)
        }
    }

    /// A macvlan interface (made here, as the macvlan plugin would) gets its lease through the
    /// IPAM plugin alone, beside a bridge container on the same segment.
    @Test func macvlanBesideABridgeContainer() throws {
        try withDHCPLab(containers: 2) { lab in
            try lab.startDaemon()
            // The macvlan's parent: a veth whose other end is a port of the lab's bridge.
            try lab.host.check(["ip", "link", "add", "mvup", "type", "veth", "peer", "name", "mvp0"])
            try lab.host.check(["ip", "link", "set", "mvup", "master", "dbr0", "up"])
            try lab.host.check(["ip", "link", "set", "mvp0", "up"])
            let mv = lab.containers[1]
            try lab.host.check(["ip", "link", "add", "mv0", "link", "mvp0", "type", "macvlan", "mode", "bridge"])
            try lab.host.check(["ip", "link", "set", "mv0", "netns", mv.path, "name", "eth1"])
            let bridged = try lab.run("ADD", lab.bridgeConfig(), container: lab.containers[0], id: "bridged")
            #expect(bridged.succeeded)
            let ipam = #"{"cniVersion":"1.0.0","name":"mvnet","type":"macvlan","master":"mvp0","ipam":{"type":"dhcp","daemonSocketPath":"\#(lab.socket)"}}"#
            let add = try lab.run("ADD", ipam, container: mv, id: "mv1", ifName: "eth1", binary: Binaries.path("dhcp"))
            #expect(add.succeeded, "\(add.stdout)")
            let address = try #require(resultAddress(add))
            #expect(address != resultAddress(bridged))
            try mv.check(["ip", "addr", "add", address, "dev", "eth1"])
            #expect(try mv.run(["ping", "-c", "1", "-W", "2", "10.77.0.1"]).succeeded)
            let ip = String(address.split(separator: "/")[0])
            try lab.wait("a renewal of the macvlan's lease") { lab.acks(ip) >= 2 }
            #expect(try lab.run("DEL", ipam, container: mv, id: "mv1", ifName: "eth1", binary: Binaries.path("dhcp")).succeeded)
            try lab.wait("the release of \(ip)") { lab.log.contains("DHCPRELEASE(eth0) \(ip) ") }
            #expect(try lab.run("DEL", lab.bridgeConfig(), container: lab.containers[0], id: "bridged").succeeded)
        }
    }

    /// `request`, `provide` (a value, and one from CNI_ARGS), `priority`, `skipDefault`, and the
    /// daemon's `-broadcast`, as the server sees and answers them.
    @Test func optionsReachTheServerAndShapeTheResult() throws {
        let routes = ["--dhcp-option=121,192.168.50.0/24,10.77.0.254,10.99.0.0/16,0.0.0.0"]
        try withDHCPLab(t1: 60, t2: 100, serverOptions: routes) { lab in
            try lab.startDaemon(arguments: ["-broadcast"])
            let c = lab.containers[0]
            let ipam = #","priority":7,"request":[{"option":"121"},{"option":"15"}],"provide":[{"option":"host-name","fromArg":"K8S_POD_NAME"},{"option":"vendor-class-identifier","value":"swift-cni"}]"#
            let conf = lab.bridgeConfig(ipam: ipam)
            let add = try lab.run("ADD", conf, container: c, id: "ctr1", args: "IgnoreUnknown=1;K8S_POD_NAME=web-1")
            #expect(add.succeeded, "\(add.stdout)\n\(lab.daemonOutput)")
            let log = lab.log
            // dnsmasq breaks the list over two lines.
            #expect(log.contains("requested options: 121:classless-static-route, 15:domain-name, \n"), "\(log)")
            #expect(log.contains("requested options: 3:router, 1:netmask"))
            #expect(log.contains("client provides name: web-1"))
            #expect(log.contains("vendor class: swift-cni"))
            #expect(log.contains("broadcast response"))
            // Option 121 replaces the router's default route; every route gets the priority.
            let routesOut = (jsonObject(add.stdout)?["routes"] as? [[String: Any]]) ?? []
            #expect(routesOut.map { $0["dst"] as? String } == ["192.168.50.0/24", "10.99.0.0/16"])
            #expect(routesOut.allSatisfy { $0["priority"] as? Int == 7 })
            #expect(routesOut.last?["scope"] as? Int == 253)
            // The bridge installed them in the container (the on-link one with scope link).
            let table = try c.check(["ip", "route", "show"])
            #expect(table.contains("192.168.50.0/24 via 10.77.0.254 dev eth0 metric 7"), "\(table)")
            #expect(table.contains("10.99.0.0/16 dev eth0 scope link metric 7"), "\(table)")
            #expect(try lab.run("DEL", conf, container: c, id: "ctr1").succeeded)

            // skipDefault: only what is asked for.
            let skip = lab.bridgeConfig(ipam: #","request":[{"skipDefault":true,"option":"1"}]"#)
            let plain = try lab.run("ADD", skip, container: c, id: "ctr2")
            #expect(plain.succeeded)
            #expect(lab.log.contains("requested options: 1:netmask\n"))
            #expect(try lab.run("DEL", skip, container: c, id: "ctr2").succeeded)
        }
    }

    /// `-hostprefix`: a daemon that sees the host's files under a prefix (as in a container)
    /// finds its socket, its state and the namespace paths under it.
    @Test func hostPrefix() throws {
        try withDHCPLab { lab in
            let prefix = lab.dir + "/host"
            let c = lab.containers[0]
            try FileManager.default.createDirectory(atPath: prefix + "/var/run/netns", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: prefix + c.path, withDestinationPath: c.path)
            try lab.startDaemon(socket: "/swcni/dhcp.sock", arguments: ["-hostprefix", prefix], waitFor: prefix + "/swcni/dhcp.sock")
            let conf = lab.bridgeConfig(socket: prefix + "/swcni/dhcp.sock")
            let add = try lab.run("ADD", conf, container: c, id: "ctr1")
            #expect(add.succeeded, "\(add.stdout)\n\(lab.daemonOutput)")
            #expect(lab.daemonOutput.contains("ctr1/dnet/eth0: lease acquired"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: prefix + lab.stateDir).count == 1)
            #expect(try lab.run("DEL", conf, container: c, id: "ctr1").succeeded)
        }
    }

    @Test func gcReleasesLeasesOfAttachmentsThatAreGone() throws {
        try withDHCPLab(containers: 2) { lab in
            try lab.startDaemon()
            let conf = lab.bridgeConfig(version: "1.1.0")
            let a = try lab.run("ADD", conf, container: lab.containers[0], id: "keep")
            let b = try lab.run("ADD", conf, container: lab.containers[1], id: "stale")
            let ipB = try #require(resultAddress(b)?.split(separator: "/").first.map(String.init))
            #expect(a.succeeded && b.succeeded)
            let gcConf = String(conf.dropLast()) + #","cni.dev/valid-attachments":[{"containerID":"keep","ifname":"eth0"}]}"#
            let gc = try lab.run("GC", gcConf, container: nil, id: "", ifName: "", binary: Binaries.path("dhcp"))
            #expect(gc.succeeded, "\(gc.stdout)")
            try lab.wait("the release of the stale lease") { lab.log.contains("DHCPRELEASE(eth0) \(ipB) ") }
            #expect(lab.leases.contains(resultAddress(a)!.split(separator: "/")[0]))
            #expect(try lab.run("DEL", conf, container: lab.containers[0], id: "keep").succeeded)
        }
    }

    /// Debian's plugin and daemon, then ours, for the same attachment: the same result. And
    /// the mixed pairs work: Debian's plugin with our daemon, ours with Debian's daemon.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/dhcp"))) func sameResultsAsTheReference() throws {
        try withDHCPLab(t1: 60, t2: 100) { lab in
            let refSocket = lab.dir + "/ref.sock"
            try lab.startDaemon(binary: "/usr/lib/cni/dhcp", socket: refSocket)
            try lab.startDaemon()
            let c = lab.containers[0]
            func ipamResult(_ plugin: String, socket: String, id: String) throws -> String {
                let conf = #"{"cniVersion":"1.0.0","name":"dnet","type":"macvlan","ipam":{"type":"dhcp","daemonSocketPath":"\#(socket)"}}"#
                let add = try lab.run("ADD", conf, container: c, id: id, binary: plugin)
                #expect(add.succeeded, "\(plugin) \(socket): \(add.stdout)")
                let del = try lab.run("DEL", conf, container: c, id: id, binary: plugin)
                #expect(del.succeeded, "\(del.stdout)")
                return add.stdout
            }
            try c.check(["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "peer0"])
            try c.check(["ip", "link", "set", "peer0", "netns", lab.host.path])
            try lab.host.check(["ip", "link", "set", "peer0", "master", "dbr0", "up"])
            let reference = try ipamResult("/usr/lib/cni/dhcp", socket: refSocket, id: "same")
            let ours = try ipamResult(Binaries.path("dhcp"), socket: lab.socket, id: "same")
            #expect(ours == reference)
            #expect(try ipamResult("/usr/lib/cni/dhcp", socket: lab.socket, id: "same") == reference)
            #expect(try ipamResult(Binaries.path("dhcp"), socket: refSocket, id: "same") == reference)
        }
    }
}
