import CNI
import CNIRuntime
import CNITestSupport
import Foundation
import Testing

/// The seed's "CNI: DIY" walk-through on real kernels: `cnitool netns add cnitest`, `cnitool add
/// myptp /var/run/netns/cnitest` with the slide's 10-myptp.conf, the address inside the
/// namespace, `cnitool check`, `cnitool del`, the cache file appearing and disappearing.
///
/// Everything runs inside a throwaway "node" namespace (the host side of ptp, its masquerade rules
/// and routes), with a temporary NETCONFPATH (host-local's dataDir moved there) and cache. Instead
/// of the slide's ping to an outside address, the container reaches its gateway on the node.
///
/// The plugin directory is a parameter: our own built plugins and Debian's reference plugins
/// always, and any directories listed in CNITOOL_WALKTHROUGH_CNI_PATH (comma-separated).
@Suite(.enabled(if: isPrivileged)) struct WalkthroughTests {
    static var pluginDirectories: [String] {
        var dirs = [Binaries.directory, Binaries.referenceDirectory]
        if let extra = ProcessInfo.processInfo.environment["CNITOOL_WALKTHROUGH_CNI_PATH"] {
            dirs += extra.split(separator: ",").map(String.init)
        }
        return dirs
    }

    /// The slide's config, at the slide's version (0.3.1, which cannot CHECK) and at 1.0.0.
    static let versions = ["0.3.1", "1.0.0"]

    @Test("cnitool walk-through with ptp + host-local", arguments: pluginDirectories, versions)
    func walkthrough(pluginDirectory: String, cniVersion: String) throws {
        try Self.runWalkthrough(pluginDirectory: pluginDirectory, cniVersion: cniVersion)
    }

    /// Debian's ptp with our host-local (merged), through one CNI_PATH directory of links.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: Binaries.path("host-local"))))
    func walkthroughWithOurHostLocal() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cnitool-mixed-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/ptp", withDestinationPath: Binaries.referenceDirectory + "/ptp")
        try FileManager.default.createSymbolicLink(atPath: dir + "/host-local", withDestinationPath: Binaries.path("host-local"))
        try Self.runWalkthrough(pluginDirectory: dir, cniVersion: "1.0.0")
    }

    static func runWalkthrough(pluginDirectory: String, cniVersion: String) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("cnitool-wt-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.createDirectory(atPath: work + "/conf", withIntermediateDirectories: true)
        try """
            {
              "cniVersion": "\(cniVersion)",
              "name": "myptp",
              "type": "ptp",
              "ipMasq": true,
              "ipam": {
                "type": "host-local",
                "dataDir": "\(work)/ipam",
                "subnet": "172.16.29.0/24",
                "routes": [
                  { "dst": "0.0.0.0/0" }
                ]
              }
            }
            """.write(toFile: work + "/conf/10-myptp.conf", atomically: true, encoding: .utf8)

        try withTestNamespaces(1, prefix: "wtnode") { nodes in
            let node = nodes[0]
            let name = "swcni-cnitest-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
            let netns = "/var/run/netns/\(name)"
            let made = try Command.run([CNIToolCLITests.binary, "netns", "add", name])
            #expect(made.status == 0, "\(made.stderr)")
            defer {
                _ = try? Command.run([CNIToolCLITests.binary, "netns", "del", name])
                _ = try? Command.run(["ip", "netns", "del", name])
            }
            #expect(try Command.check([CNIToolCLITests.binary, "netns", "list"]).split(separator: "\n").contains(Substring(name)))

            let env = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_PATH": pluginDirectory, "NETCONFPATH": work + "/conf"]
            func cnitool(_ args: [String]) throws -> CommandOutput {
                try node.run([CNIToolCLITests.binary, "--cache-dir", work + "/cache"] + args, environment: env)
            }
            let cacheFile = work + "/cache/results/myptp-\(CNIToolConventions.containerID(netnsPath: netns))-eth0"

            let add = try cnitool(["add", "myptp", netns])
            #expect(add.status == 0, "\(add.stderr)")
            let result = try #require(jsonObject(add.stdout), "\(add.stdout)")
            #expect(result["cniVersion"] as? String == cniVersion)
            let ips = try #require(result["ips"] as? [[String: Any]])
            #expect(ips.first?["address"] as? String == "172.16.29.2/24")
            #expect(ips.first?["gateway"] as? String == "172.16.29.1")
            let interfaces = try #require(result["interfaces"] as? [[String: Any]])
            #expect(interfaces.last?["name"] as? String == "eth0")
            #expect(interfaces.last?["sandbox"] as? String == netns)
            #expect(FileManager.default.fileExists(atPath: cacheFile))

            let addr = try Command.check(["ip", "-n", name, "addr"])
            #expect(addr.contains("inet 172.16.29.2/24"))
            // Reach the gateway on the node (no ping on CI machines): a TCP connection to a closed
            // port is refused by the node's stack, which proves the round trip.
            let probe = try Command.run([
                "ip", "netns", "exec", name, "python3", "-c",
                "import socket\ntry:\n socket.create_connection(('172.16.29.1', 9), 3)\nexcept ConnectionRefusedError:\n print('refused')",
            ])
            #expect(probe.stdout == "refused\n", "\(probe.stderr)")

            let check = try cnitool(["check", "myptp", name])  // by name, as `ip netns` users type it
            #expect(check.status == 0, "\(check.stderr)")
            if cniVersion == "0.3.1" {
                // 0.3.1 predates CHECK: the plugins are not asked, cnitool checks what it knows.
                #expect(check.stderr.contains("predates CHECK"))
                try Command.check(["ip", "-n", name, "link", "del", "eth0"])
                let broken = try cnitool(["check", "myptp", name])
                #expect(broken.status == 1)
                #expect(broken.stderr.contains("interface eth0"), "\(broken.stderr)")
            }

            let del = try cnitool(["del", "myptp", netns])
            #expect(del.status == 0, "\(del.stderr)")
            #expect(!FileManager.default.fileExists(atPath: cacheFile))
            #expect(!(try Command.check(["ip", "-n", name, "link"])).contains("eth0"))
            let leases = (try? FileManager.default.contentsOfDirectory(atPath: work + "/ipam/myptp")) ?? []
            #expect(!leases.contains("172.16.29.2"))
            // DEL again is still a success.
            #expect(try cnitool(["del", "myptp", netns]).status == 0)
        }
    }

    @Test func netnsAddDelList() throws {
        try TestIsolation.require()  // cnitool netns writes /var/run/netns
        let name = "swcni-nsadd-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        defer { _ = try? Command.run(["ip", "netns", "del", name]) }
        let add = try Command.run([CNIToolCLITests.binary, "netns", "add", name, "--json"])
        #expect(add.status == 0)
        #expect(jsonObject(add.stdout)?["path"] as? String == "/var/run/netns/\(name)")
        // A real namespace that iproute2 sees and can use.
        #expect(try Command.check(["ip", "netns", "list"]).contains(name))
        #expect(try Command.check(["ip", "-n", name, "link"]).contains("lo"))
        let again = try Command.run([CNIToolCLITests.binary, "netns", "add", name])
        #expect(again.status == 1 && again.stderr.contains("cannot create namespace file"))
        #expect(try Command.run([CNIToolCLITests.binary, "netns", "del", name]).status == 0)
        #expect(!(try Command.check(["ip", "netns", "list"])).contains(name))
        let gone = try Command.run([CNIToolCLITests.binary, "netns", "del", name])
        #expect(gone.status == 1 && gone.stderr.contains("does not exist"))
        let bad = try Command.run([CNIToolCLITests.binary, "netns", "add", "../etc"])
        #expect(bad.status == 1 && bad.stderr.contains("invalid network namespace name"))
    }
}
