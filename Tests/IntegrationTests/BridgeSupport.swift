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
        guard out.succeeded else { throw TestFailure("bridge \(command) \(id) exited \(out.status): \(out.stderr)\(out.stdout)") }
        return jsonObject(out.stdout) ?? [:]
    }

    // MARK: Observations

    /// Host links whose name starts with `prefix` (`veth`).
    func hostLinks(prefix: String = "veth") throws -> [String] {
        try host.linkNames().filter { $0.hasPrefix(prefix) }
    }

    /// Waits until at most `count` host veths are left: the kernel destroys the veths of a
    /// deleted namespace in the background.
    func waitForHostVeths(atMost count: Int) throws {
        try host.waitForLinks(prefix: "veth", atMost: count)
    }

    /// Lease files of network `name` (host-local's `<dataDir>/<name>/<ip>`).
    func leases(network: String = "brnet") -> [String] { leaseFiles(dataDir: dataDir, network: network) }

    /// Everything of a CNI attachment the host could still hold: veths, leases, masquerade rules,
    /// iptables chains, spoof-check rules.
    func leftovers(network: String = "brnet") throws -> [String] {
        var found = try hostLinks().map { "link \($0)" }
        found += leases(network: network).map { "lease \($0)" }
        for line in try host.ruleset().split(separator: "\n") where line.contains("masquerade comment") || line.contains("macspoofchk-") {
            found.append("nft: \(line.trimmingCharacters(in: .whitespaces))")
        }
        for line in try host.iptablesSave().split(separator: "\n") where line.contains("CNI-") {
            found.append("iptables: \(line)")
        }
        return found
    }

    /// Interface `name` of `ns` as `ip -j -d link show` prints it.
    func link(_ name: String, in ns: TestNamespace) throws -> [String: Any] {
        try #require(ns.ipJSON(["-d", "link", "show", name]).first)
    }

    // MARK: Traffic

    /// The targets that do not answer an ICMP echo from `ns` within `timeout` seconds each.
    func unreachable(from ns: TestNamespace, _ targets: [String], timeout: Double = 3) throws -> [String] {
        try Ping.unreachable(from: ns, targets, timeout: timeout)
    }

    /// Connects from `ns` to a ``PeerEcho`` server at `address` and returns the source it saw.
    func connect(from ns: TestNamespace, to address: String, timeout: Double = 3) throws -> String {
        try PeerEcho.connect(from: ns, to: address, timeout: timeout)
    }

    /// Waits until the host's IPv6 addresses on the bridge are no longer tentative (the gateway
    /// address goes through DAD on the bridge, as with the reference).
    func waitForBridgeDAD(timeout: Double = 5) throws {
        try poll("DAD of the addresses on \(bridgeName)", timeout: timeout, interval: 0.05) {
            try host.check(["ip", "-6", "addr", "show", "dev", bridgeName, "tentative"]).isEmpty
        }
    }
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
