import CNITestSupport
import Foundation
import Testing

/// A node for the single-interface plugins (macvlan, ipvlan, vlan, host-device, tap, dummy): a
/// throwaway namespace as the node, with a veth `uplink0` standing in for its NIC (the other end,
/// `wire0`, is "the switch": frames that leave the uplink arrive there), host-local leases in a
/// temp directory, and container namespaces made on demand. Everything goes with `delete()`.
final class InterfaceLab {
    let host: TestNamespace
    let dataDir: String
    private var containers: [TestNamespace] = []
    let plugin: String
    let runner: PluginRunner

    init(plugin: String, binary: String? = nil, cniPath: String = Binaries.directory, uplink: Bool = true) throws {
        self.plugin = plugin
        host = try TestNamespace("if")
        dataDir = NSTemporaryDirectory() + "swcni-if-" + UUID().uuidString
        runner = PluginRunner(binary: binary ?? Binaries.path(plugin), host: host, cniPath: cniPath)
        if uplink {
            try host.check(["ip", "link", "add", "uplink0", "type", "veth", "peer", "name", "wire0"])
            try host.check(["ip", "link", "set", "uplink0", "up"])
            try host.check(["ip", "link", "set", "wire0", "up"])
        }
    }

    /// The same node run by another binary (Debian's reference).
    func runner(binary: String, cniPath: String) -> PluginRunner { PluginRunner(binary: binary, host: host, cniPath: cniPath) }

    func container() throws -> TestNamespace {
        let ns = try TestNamespace("ifc")
        containers.append(ns)
        return ns
    }

    func delete() {
        containers.forEach { $0.delete() }
        host.delete()
        try? FileManager.default.removeItem(atPath: dataDir)
    }

    deinit { delete() }

    /// host-local over `subnets` (one range set each).
    func ipam(_ subnets: [String] = ["10.66.0.0/24"], routes: [String] = []) -> [String: Any] {
        var ipam: [String: Any] = ["type": "host-local", "dataDir": dataDir, "ranges": subnets.map { [["subnet": $0]] }]
        if !routes.isEmpty { ipam["routes"] = routes.map { ["dst": $0] } }
        return ipam
    }

    /// A config of this lab's plugin with `extra` keys (`ipam: nil` leaves it out).
    func config(_ extra: [String: Any] = [:], ipam: [String: Any]? = [:], version: String = "1.0.0") -> String {
        var object: [String: Any] = ["cniVersion": version, "name": "ifnet", "type": plugin]
        if let ipam { object["ipam"] = ipam.isEmpty ? self.ipam() : ipam }
        for (k, v) in extra { object[k] = v }
        return PTPNetwork.json(object)
    }

    @discardableResult
    func run(
        _ verb: String, _ container: TestNamespace?, _ config: String, ifName: String = "eth0", id: String = "ctr1",
        args: String? = nil, runner: PluginRunner? = nil
    ) throws -> CommandOutput {
        try (runner ?? self.runner).run(verb, config: config, netns: container?.path ?? "", containerID: id, ifName: ifName, args: args)
    }

    /// ADD that must succeed; its result object.
    @discardableResult
    func add(_ container: TestNamespace, _ config: String, ifName: String = "eth0", id: String = "ctr1", args: String? = nil,
             sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let out = try run("ADD", container, config, ifName: ifName, id: id, args: args)
        #expect(out.status == 0, "ADD failed: \(out.stdout) \(out.stderr)", sourceLocation: sourceLocation)
        return try #require(jsonObject(out.stdout), "ADD printed \(out.stdout)", sourceLocation: sourceLocation)
    }

    /// The CNI error code of a failed run (nil when it succeeded).
    static func code(_ out: CommandOutput) -> Int? {
        out.status == 0 ? nil : jsonObject(out.stdout)?["code"] as? Int
    }

    func leases() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dataDir + "/ifnet")) ?? []
        return files.filter { $0 != "lock" && !$0.hasPrefix("last_reserved_ip") }.sorted()
    }

    /// `ip -d -j link show <dev>` in `ns`, or nil when there is no such link.
    static func link(_ ns: TestNamespace, _ dev: String) -> [String: Any]? {
        (try? ns.ipJSON(["-d", "link", "show", "dev", dev]))?.first
    }

    /// Link names in `ns` other than `lo`.
    static func links(_ ns: TestNamespace) throws -> [String] {
        try ns.ipJSON(["link", "show"]).compactMap { $0["ifname"] as? String }.filter { $0 != "lo" }
    }
}
