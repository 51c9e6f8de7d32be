import CNITestSupport
import Foundation
import Testing

/// One bridge test's world: a throwaway "host" namespace the plugin runs in, container namespaces,
/// a host-local data dir in a temp dir, and helpers to run ours or Debian's bridge. Everything it
/// made is removed by `withBridgeLab` whether the test passes or not; nothing touches the
/// machine's own namespace, and packets only travel between namespaces the test made.
final class BridgeLab: @unchecked Sendable {
    let host: TestNamespace
    let containers: [TestNamespace]
    let dataDir: String
    let bridgeName: String

    init(host: TestNamespace, containers: [TestNamespace], dataDir: String) {
        self.host = host
        self.containers = containers
        self.dataDir = dataDir
        bridgeName = "swcni-br\(String(UInt16.random(in: 0...UInt16.max), radix: 16))"
    }

    /// Our bridge (`.build/debug`), IPAM from our build too unless `cniPath` says otherwise.
    func ours(cniPath: String = Binaries.directory) -> PluginRunner {
        PluginRunner(binary: Binaries.path("bridge"), host: host, cniPath: cniPath)
    }

    /// Debian's bridge with Debian's IPAM.
    func reference() -> PluginRunner {
        PluginRunner(binary: Binaries.referenceDirectory + "/bridge", host: host, cniPath: Binaries.referenceDirectory)
    }

    /// A bridge config on this lab's bridge; `extra` is spliced in as more top-level keys.
    func config(
        version: String = "1.0.0", name: String = "brnet", subnets: [String] = ["10.55.0.0/24", "fd55::/64"],
        ipamType: String = "host-local", extra: String = ""
    ) -> String {
        let ranges = subnets.map { #"[{"subnet":"\#($0)"}]"# }.joined(separator: ",")
        let ipam = ipamType.isEmpty ? "{}" : #"{"type":"\#(ipamType)","ranges":[\#(ranges)],"dataDir":"\#(dataDir)"}"#
        return #"{"cniVersion":"\#(version)","name":"\#(name)","type":"bridge","bridge":"\#(bridgeName)","ipam":\#(ipam)\#(extra.isEmpty ? "" : "," + extra)}"#
    }

    /// Runs `command` and returns the decoded result object; throws with the plugin's output if
    /// it fails.
    @discardableResult
    func run(
        _ runner: PluginRunner, _ command: String, _ config: String, container: TestNamespace?, id: String,
        ifName: String = "eth0", args: String? = nil
    ) throws -> [String: Any] {
        let out = try runner.run(command, config: config, netns: container?.path ?? "", containerID: id, ifName: ifName, args: args)
        guard out.succeeded else { throw BridgeCommandFailed(what: "bridge \(command) \(id)", output: out) }
        return jsonObject(out.stdout) ?? [:]
    }

    // MARK: Observations

    /// Host links whose name starts with `prefix` (`veth`).
    func hostLinks(prefix: String = "veth") throws -> [String] {
        try host.ipJSON(["link", "show"]).compactMap { $0["ifname"] as? String }.filter { $0.hasPrefix(prefix) }
    }

    /// Waits (up to 5 s) until at most `count` host veths are left: the kernel destroys the veths
    /// of a deleted namespace in the background.
    func waitForHostVeths(atMost count: Int) throws {
        for _ in 0..<500 where try hostLinks().count > count { Thread.sleep(forTimeInterval: 0.01) }
    }

    /// Lease files of network `name` (host-local's `<dataDir>/<name>/<ip>`).
    func leases(network: String = "brnet") -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dataDir + "/" + network)) ?? []
        return files.filter { $0.first?.isNumber == true || $0.contains(":") }.sorted()
    }

    /// `nft list ruleset` in the host namespace.
    func nftRuleset() throws -> String { try host.check(["nft", "list", "ruleset"]) }

    /// `iptables-save` and `ip6tables-save` in the host namespace, without their timestamp lines.
    func iptablesSave() throws -> String {
        var text = ""
        for tool in ["iptables-save", "ip6tables-save"] {
            text += try host.check([tool]).split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n") + "\n"
        }
        return text
    }

    /// Everything of a CNI attachment the host could still hold: veths, leases, masquerade rules,
    /// iptables chains, spoof-check rules.
    func leftovers(network: String = "brnet") throws -> [String] {
        var found = try hostLinks().map { "link \($0)" }
        found += leases(network: network).map { "lease \($0)" }
        let nft = try nftRuleset()
        for line in nft.split(separator: "\n") where line.contains("masquerade comment") || line.contains("macspoofchk-") {
            found.append("nft: \(line.trimmingCharacters(in: .whitespaces))")
        }
        for line in try iptablesSave().split(separator: "\n") where line.contains("CNI-") {
            found.append("iptables: \(line)")
        }
        return found
    }

    /// Interface `name` of `ns` as `ip -j -d link show` prints it.
    func link(_ name: String, in ns: TestNamespace) throws -> [String: Any] {
        try #require(ns.ipJSON(["-d", "link", "show", name]).first)
    }

    // MARK: Traffic

    /// Pings each target from `ns` (ICMP echo over a raw socket; the image has no ping binary).
    /// Returns the targets that did not answer within `timeout` seconds each.
    func unreachable(from ns: TestNamespace, _ targets: [String], timeout: Double = 3) throws -> [String] {
        let out = try ns.run(["/usr/bin/python3", "-c", Self.pinger, String(timeout)] + targets)
        guard out.succeeded else { throw BridgeCommandFailed(what: "pinger", output: out) }
        return out.stdout.split(separator: "\n").map(String.init)
    }

    static let pinger = """
        import os, select, socket, struct, sys, time
        timeout = float(sys.argv[1])
        def checksum(b):
            if len(b) % 2: b += b'\\0'
            s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
            s = (s >> 16) + (s & 0xffff); s += s >> 16
            return ~s & 0xffff
        ident = os.getpid() & 0xffff
        for seq, dst in enumerate(sys.argv[2:]):
            v6 = ':' in dst
            if v6:
                s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6); kind, answer = 128, 129
            else:
                s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); kind, answer = 8, 0
            deadline = time.time() + timeout
            ok = False
            while not ok and time.time() < deadline:
                body = struct.pack('!HH', ident, seq) + b'swcni'
                packet = struct.pack('!BBH', kind, 0, 0) + body
                if not v6:
                    packet = struct.pack('!BBH', kind, 0, checksum(packet)) + body
                s.sendto(packet, (dst, 0))
                resend = min(deadline, time.time() + 0.2)
                while not ok and time.time() < resend:
                    r, _, _ = select.select([s], [], [], max(0, resend - time.time()))
                    if not r: break
                    data, peer = s.recvfrom(2048)
                    if not v6: data = data[(data[0] & 15) * 4:]
                    if len(data) >= 8 and data[0] == answer and struct.unpack('!HH', data[4:8]) == (ident, seq) and peer[0] == dst:
                        ok = True
            if not ok: print(dst)
        """

    /// Connects from `ns` to a ``PeerEcho`` server at `address` and returns the source it saw.
    func connect(from ns: TestNamespace, to address: String, timeout: Double = 3) throws -> String {
        try PeerEcho.connect(from: ns, to: address, timeout: timeout)
    }

    /// Waits until the host's IPv6 addresses on the bridge are no longer tentative (the gateway
    /// address goes through DAD on the bridge, as with the reference).
    func waitForBridgeDAD(timeout: Double = 5) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let out = try host.check(["ip", "-6", "addr", "show", "dev", bridgeName, "tentative"])
            if out.isEmpty { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}

/// A command a test ran failed.
struct BridgeCommandFailed: Error, CustomStringConvertible {
    var what: String
    var output: CommandOutput
    var description: String { "\(what) exited \(output.status): \(output.stderr)\(output.stdout)" }
}

/// `config` with `prevResult` set to `result` (what a runtime sends to CHECK and DEL).
func withPrevResult(_ config: String, _ result: [String: Any]) throws -> String {
    let prev = String(decoding: try JSONSerialization.data(withJSONObject: result), as: UTF8.self)
    return String(config.dropLast()) + #","prevResult":"# + prev + "}"
}

/// Makes a lab with `containers` container namespaces, runs `body`, and removes everything.
func withBridgeLab<T>(containers: Int = 1, _ body: (BridgeLab) throws -> T) throws -> T {
    let dataDir = NSTemporaryDirectory() + "swcni-br-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dataDir) }
    return try withTestNamespaces(containers + 1, prefix: "br") { ns in
        try body(BridgeLab(host: ns[0], containers: Array(ns.dropFirst()), dataDir: dataDir))
    }
}

let debianBridgeInstalled = FileManager.default.isExecutableFile(atPath: Binaries.referenceDirectory + "/bridge")

extension Dictionary where Key == String, Value == Any {
    /// A nested member: `link["linkinfo", "info_slave_data", "hairpin"]`.
    subscript(path: String...) -> Any? {
        var current: Any? = self
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }
}

/// Results collected from `DispatchQueue.concurrentPerform` iterations.
final class ConcurrentOutcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Result<[String: Any], any Error>?]

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<[String: Any], any Error>) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }

    var values: [Result<[String: Any], any Error>?] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
