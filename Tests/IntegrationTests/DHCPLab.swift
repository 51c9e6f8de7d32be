import CNITestSupport
import Foundation
import Glibc
import Testing

/// A DHCP test's world: a "host" namespace with a bridge (`dbr0`), a "server" namespace on it
/// where Debian's dnsmasq serves 10.77.0.0/24 (its own mount namespace, its lease file and
/// log in the lab's temp dir), containers, and the dhcp daemon run in the host namespace on a
/// socket in the temp dir. Nothing reaches the machine's own network or files; ``withDHCPLab``
/// removes everything, daemons included, whether the test passes or not.
final class DHCPLab: @unchecked Sendable {
    let host: TestNamespace
    let server: TestNamespace
    let containers: [TestNamespace]
    let dir: String
    private var dnsmasq: Background?
    private var daemons: [Background] = []

    static let dnsmasqPath = "/usr/sbin/dnsmasq"
    static var dnsmasqAvailable: Bool { FileManager.default.isExecutableFile(atPath: dnsmasqPath) }

    init(host: TestNamespace, server: TestNamespace, containers: [TestNamespace], dir: String) {
        self.host = host
        self.server = server
        self.containers = containers
        self.dir = dir
    }

    var socket: String { dir + "/d.sock" }
    var leaseFile: String { dir + "/leases" }
    var logFile: String { dir + "/dnsmasq.log" }
    var stateDir: String { dir + "/state" }
    var daemonLog: String { dir + "/daemon.log" }

    /// The bridge and the server's link.
    func build() throws {
        try host.check(["ip", "link", "add", "dbr0", "type", "bridge"])
        try host.check(["ip", "link", "set", "dbr0", "up"])
        try host.check(["ip", "link", "add", "srv0", "type", "veth", "peer", "name", "eth0", "netns", server.path])
        try host.check(["ip", "link", "set", "srv0", "master", "dbr0", "up"])
        try server.check(["ip", "addr", "add", "10.77.0.1/24", "dev", "eth0"])
        try server.check(["ip", "link", "set", "eth0", "up"])
    }

    /// Starts dnsmasq (2-minute leases, the shortest it grants, with T1/T2 as given so that
    /// renewals come within seconds); `extra` adds options.
    func startServer(t1: Int = 2, t2: Int = 4, extra: [String] = []) throws {
        dnsmasq = try Background.start([
            "nsenter", "--net=\(server.path)", "--", "unshare", "--mount", "--propagation", "private", Self.dnsmasqPath, "--keep-in-foreground",
            "--conf-file=/dev/null", "--port=0", "--interface=eth0", "--bind-interfaces", "--dhcp-authoritative", "--no-ping",
            "--dhcp-range=10.77.0.10,10.77.0.100,255.255.255.0,2m", "--dhcp-option=option:router,10.77.0.1",
            "--dhcp-option=option:T1,\(t1)", "--dhcp-option=option:T2,\(t2)", "--dhcp-leasefile=\(leaseFile)", "--log-dhcp",
            "--log-facility=\(logFile)", "--pid-file=\(dir)/dnsmasq.pid", "--user=root", "--group=root",
        ] + extra)
        try wait("dnsmasq to start") { (try? String(contentsOfFile: self.logFile, encoding: .utf8))?.contains("DHCP, sockets bound") == true }
    }

    func stopServer() {
        dnsmasq?.stop()
        dnsmasq = nil
    }

    /// Starts a dhcp daemon (ours by default) in the host namespace.
    @discardableResult
    func startDaemon(
        binary: String = Binaries.path("dhcp"), socket: String? = nil, arguments: [String] = [], waitFor: String? = nil
    ) throws -> Background {
        let socket = socket ?? self.socket
        var args = ["nsenter", "--net=\(host.path)", "--", binary, "daemon", "-socketpath", socket]
        if binary == Binaries.path("dhcp") { args += ["-statedir", stateDir, "-timeout", "1s", "-resendtimeout", "3s"] }
        let p = try Background.start(args + arguments, log: daemonLog)
        daemons.append(p)
        try wait("the daemon's socket") { FileManager.default.fileExists(atPath: waitFor ?? socket) }
        return p
    }

    func stop(_ daemon: Background) { daemon.stop() }

    func tearDown() {
        for d in daemons { d.stop(signal: SIGKILL) }
        dnsmasq?.stop(signal: SIGKILL)
        dnsmasq = nil
    }

    // MARK: Plugins

    /// A bridge network on `dbr0` with dhcp IPAM; `ipam` adds keys to the ipam section.
    func bridgeConfig(version: String = "1.0.0", socket: String? = nil, ipam: String = "", extra: String = "") -> String {
        #"{"cniVersion":"\#(version)","name":"dnet","type":"bridge","bridge":"dbr0","isGateway":false,"ipMasq":false\#(extra),"ipam":{"type":"dhcp","daemonSocketPath":"\#(socket ?? self.socket)"\#(ipam)}}"#
    }

    /// Runs `binary` (ours by default) in the host namespace, IPAM found in `cniPath`.
    func run(
        _ command: String, _ config: String, container: TestNamespace?, id: String, ifName: String = "eth0",
        binary: String = Binaries.path("bridge"), cniPath: String = Binaries.directory, args: String? = nil
    ) throws -> CommandOutput {
        try PluginRunner(binary: binary, host: host, cniPath: cniPath).run(
            command, config: config, netns: container?.path ?? "", containerID: id, ifName: ifName, args: args)
    }

    // MARK: Observations

    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }
    var leases: String { (try? String(contentsOfFile: leaseFile, encoding: .utf8)) ?? "" }
    var daemonOutput: String { (try? String(contentsOfFile: daemonLog, encoding: .utf8)) ?? "" }

    /// How many times the server acknowledged `address`.
    func acks(_ address: String) -> Int { log.components(separatedBy: "DHCPACK(eth0) \(address) ").count - 1 }

    /// The IPv4 address on `ifName` in `ns`, if any.
    func address(in ns: TestNamespace, ifName: String = "eth0") throws -> String? {
        let links = try ns.ipJSON(["-4", "addr", "show"])
        for link in links where link["ifname"] as? String == ifName {
            let info = link["addr_info"] as? [[String: Any]] ?? []
            if let first = info.first, let local = first["local"] as? String, let len = first["prefixlen"] as? Int { return "\(local)/\(len)" }
        }
        return nil
    }

    /// Polls `condition` every 50 ms for up to `seconds`; throws naming `what` if it never holds.
    func wait(_ what: String, seconds: Double = 10, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw DHCPWaitFailed(what: what, log: log, daemon: daemonOutput)
    }
}

struct DHCPWaitFailed: Error, CustomStringConvertible {
    var what: String
    var log: String
    var daemon: String
    var description: String { "timed out waiting for \(what)\n--- dnsmasq\n\(log)\n--- daemon\n\(daemon)" }
}

/// The first IPv4 address of a plugin's printed result.
func resultAddress(_ out: CommandOutput) -> String? {
    ((jsonObject(out.stdout)?["ips"] as? [[String: Any]])?.first?["address"] as? String)
}

/// Makes a DHCP lab with `containers` containers and a running dnsmasq, runs `body`, and
/// removes everything.
func withDHCPLab<T>(containers: Int = 1, t1: Int = 2, t2: Int = 4, serverOptions: [String] = [], _ body: (DHCPLab) throws -> T) throws -> T {
    let dir = "/tmp/swcni-dhcplab-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try withTestNamespaces(containers + 2, prefix: "dh") { ns in
        let lab = DHCPLab(host: ns[0], server: ns[1], containers: Array(ns.dropFirst(2)), dir: dir)
        defer { lab.tearDown() }
        try lab.build()
        try lab.startServer(t1: t1, t2: t2, extra: serverOptions)
        return try body(lab)
    }
}
