import CNITestSupport
import Foundation
import Testing

/// Runs built host-local binaries (ours, or Debian's reference) against a temporary data dir.
struct HostLocalRun: @unchecked Sendable {
    static let ours = Binaries.path("host-local")
    static let reference = Binaries.referenceDirectory + "/host-local"
    static var referenceAvailable: Bool { FileManager.default.isExecutableFile(atPath: reference) }

    let dataDir: String
    var network = "net1"
    var cniVersion = "1.0.0"
    /// The `ipam` object; `type` and `dataDir` are filled in.
    var ipam: [String: Any]
    /// Top-level keys besides cniVersion/name/ipam (args, runtimeConfig, cni.dev/valid-attachments).
    var extra: [String: Any] = [:]

    init(dataDir: String, ipam: [String: Any]) {
        self.dataDir = dataDir
        self.ipam = ipam
    }

    var configJSON: String {
        var ipam = self.ipam
        ipam["type"] = "host-local"
        if ipam["dataDir"] == nil { ipam["dataDir"] = dataDir }
        var top: [String: Any] = ["cniVersion": cniVersion, "name": network, "type": "bridge", "ipam": ipam]
        for (k, v) in extra { top[k] = v }
        let data = try! JSONSerialization.data(withJSONObject: top, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @discardableResult
    func run(
        _ command: String, _ containerID: String = "ctr1", ifName: String = "eth0", args: String? = nil,
        binary: String = HostLocalRun.ours
    ) throws -> CommandOutput {
        let runner = PluginRunner(binary: binary, cniPath: "/usr/lib/cni")
        return try runner.run(
            command, config: configJSON, netns: "/var/run/netns/hostlocal-test-none", containerID: containerID,
            ifName: ifName, args: args)
    }

    /// ADD that must succeed: the result object.
    func add(_ containerID: String = "ctr1", ifName: String = "eth0", args: String? = nil, binary: String = HostLocalRun.ours)
        throws -> [String: Any]
    {
        let out = try run("ADD", containerID, ifName: ifName, args: args, binary: binary)
        guard out.succeeded, let result = jsonObject(out.stdout) else {
            throw RunFailure(description: "ADD \(containerID) exited \(out.status): \(out.stdout)\(out.stderr)")
        }
        return result
    }

    var leaseDir: String { dataDir + "/" + network }

    /// Lease file names (addresses) in the network's directory.
    var leases: [String] {
        listing(leaseDir).filter { $0 != "lock" && !$0.hasPrefix("last_reserved_ip.") }
    }
}

/// `ips[].address` of a result.
func addresses(_ result: [String: Any]) -> [String] {
    ((result["ips"] as? [[String: Any]]) ?? []).compactMap { $0["address"] as? String }
}

/// The error object of a failed run: (code, msg).
func failure(_ out: CommandOutput) -> (code: Int, msg: String)? {
    guard !out.succeeded, let o = jsonObject(out.stdout) else { return nil }
    return ((o["code"] as? Int) ?? -1, (o["msg"] as? String) ?? "")
}

struct RunFailure: Error, CustomStringConvertible {
    var description: String
}
