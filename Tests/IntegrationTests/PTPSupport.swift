import CNITestSupport
import Foundation
import Testing

/// One ptp network under test: a throwaway namespace as the plugin's host side, host-local's
/// leases in a temp directory, and what the kernel and the firewall hold in that namespace.
final class PTPNetwork {
    let host: TestNamespace
    let dataDir: String
    var name: String
    let runner: PluginRunner

    init(host: TestNamespace, name: String = "ptpnet", binary: String = Binaries.path("ptp"), cniPath: String = Binaries.directory) {
        self.host = host
        self.name = name
        dataDir = NSTemporaryDirectory() + "swcni-ptp-" + UUID().uuidString
        runner = PluginRunner(binary: binary, host: host, cniPath: cniPath)
    }

    deinit { try? FileManager.default.removeItem(atPath: dataDir) }

    /// The same network run by another binary (Debian's reference), sharing leases and host.
    func with(binary: String, cniPath: String) -> PluginRunner {
        PluginRunner(binary: binary, host: host, cniPath: cniPath)
    }

    /// A ptp config: `subnets` as host-local range sets, `routes`, and `extra` top-level keys.
    func config(
        version: String = "1.0.0", subnets: [String] = ["10.77.0.0/24"], routes: [String] = [],
        extra: [String: Any] = [:], ipam: [String: Any]? = nil
    ) -> String {
        var ipamObject: [String: Any] = [
            "type": "host-local", "dataDir": dataDir,
            "ranges": subnets.map { [["subnet": $0]] },
        ]
        if !routes.isEmpty { ipamObject["routes"] = routes.map { ["dst": $0] } }
        var object: [String: Any] = ["cniVersion": version, "name": name, "type": "ptp", "ipam": ipam ?? ipamObject]
        for (k, v) in extra { object[k] = v }
        return Self.json(object)
    }

    static func json(_ object: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// `config` with `prevResult` set (what a runtime sends to CHECK and DEL).
    static func adding(prevResult: String, to config: String) throws -> String {
        guard let result = jsonObject(prevResult) else { throw TestFailure("not a result: \(prevResult)") }
        return try withPrevResult(config, result)
    }

    /// ADD; returns the result object, failing the test with the plugin's output otherwise.
    @discardableResult
    func add(_ container: TestNamespace, config: String, id: String = "ctr1", ifName: String = "eth0") throws -> [String: Any] {
        let out = try runner.run("ADD", config: config, netns: container.path, containerID: id, ifName: ifName)
        #expect(out.status == 0, "ADD failed: \(out.stdout) \(out.stderr)")
        return try #require(jsonObject(out.stdout), "ADD printed \(out.stdout)")
    }

    @discardableResult
    func run(
        _ verb: String, _ container: TestNamespace?, config: String, id: String = "ctr1", ifName: String = "eth0",
        netns: String? = nil
    ) throws -> CommandOutput {
        try runner.run(verb, config: config, netns: netns ?? container?.path ?? "", containerID: id, ifName: ifName)
    }

    // MARK: what the host side holds

    /// Lease files (addresses) host-local holds for this network.
    func leases() -> [String] { leaseFiles(dataDir: dataDir, network: name) }

    /// Links in the host namespace other than `lo`.
    func hostLinks() throws -> [String] { try host.linkNames() }

    /// Routes in the host namespace's main table (both families), as `ip -j route` objects.
    func hostRoutes() throws -> [[String: Any]] {
        try (host.ipJSON(["-4", "route", "show"]) + host.ipJSON(["-6", "route", "show"])).filter { $0["dev"] as? String != "lo" }
    }

    /// Nothing of any attachment is left: no link but `lo`, no route to a container, no lease,
    /// no masquerade rule.
    func expectClean(_ what: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try hostLinks() == [], what, sourceLocation: sourceLocation)
        let routes = try hostRoutes()
        #expect(routes.isEmpty, "\(routes)", sourceLocation: sourceLocation)
        #expect(leases() == [], what, sourceLocation: sourceLocation)
        #expect(try host.masqueradeRules() == [], what, sourceLocation: sourceLocation)
    }

    /// Waits for the host namespace to have no link but `lo` (the kernel removes a deleted
    /// namespace's veths asynchronously).
    func waitForNoLinks(timeout: Double = 5) throws { try host.waitForLinks(atMost: 0, timeout: timeout) }
}

/// Fields of a result object.
extension Dictionary where Key == String, Value == Any {
    var interfaces: [[String: Any]] { self["interfaces"] as? [[String: Any]] ?? [] }
    var ips: [[String: Any]] { self["ips"] as? [[String: Any]] ?? [] }
    var addresses: [String] { ips.compactMap { $0["address"] as? String } }
    /// The host veth's name (interface 0 of a ptp result).
    var hostVeth: String { interfaces.first?["name"] as? String ?? "" }
    /// The address without its prefix length.
    func address(_ i: Int) -> String { String(addresses[i].split(separator: "/")[0]) }
    var resultText: String { PTPNetwork.json(self) }
}

/// Routes of `ns` as `dst via gw dev scope` lines (`ip -j route` fields), sorted.
func routeLines(_ ns: TestNamespace, family: String) throws -> [String] {
    try ns.ipJSON([family, "route", "show"]).map { r in
        var line = r["dst"] as? String ?? "?"
        if let gw = r["gateway"] as? String { line += " via \(gw)" }
        if let dev = r["dev"] as? String { line += " dev \(dev)" }
        if let scope = r["scope"] as? String, scope != "global" { line += " scope \(scope)" }
        if let src = r["prefsrc"] as? String { line += " src \(src)" }
        return line
    }.sorted()
}
