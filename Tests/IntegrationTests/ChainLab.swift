import CNITestSupport
import Foundation
import Testing

/// The setting a chained (meta) plugin meets: a throwaway "host" namespace and a container
/// namespace joined by a veth pair (`vh0` on the host, `eth0` in the container, both up, with
/// 10.1.0.1/24 and 10.1.0.2/24, fd01::1/64 and fd01::2/64), and the `prevResult` an interface
/// plugin would have printed for it. Plugins run in the host namespace, ours or Debian's.
final class ChainLab: @unchecked Sendable {
    let host: TestNamespace
    let container: TestNamespace
    /// A scratch directory (plugin data dirs, the private /etc and /run).
    let scratch: String

    init(_ prefix: String) throws {
        host = try TestNamespace(prefix + "h")
        container = try TestNamespace(prefix + "c")
        scratch = NSTemporaryDirectory() + "swcni-\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try Command.check(["ip", "-n", host.name, "link", "add", "vh0", "type", "veth", "peer", "name", "eth0", "netns", container.name])
        try Command.check(["ip", "-n", host.name, "-batch", "-"], stdin: Array("""
            link set vh0 up
            addr add 10.1.0.1/24 dev vh0
            addr add fd01::1/64 dev vh0 nodad

            """.utf8))
        try Command.check(["ip", "-n", container.name, "-batch", "-"], stdin: Array("""
            link set eth0 up
            addr add 10.1.0.2/24 dev eth0
            addr add fd01::2/64 dev eth0 nodad
            route add default via 10.1.0.1 dev eth0
            route add 192.168.50.0/24 via 10.1.0.1 dev eth0

            """.utf8))
    }

    deinit { delete() }

    func delete() {
        host.delete()
        container.delete()
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// The interface plugin's result: host veth, container eth0, both addresses with gateways,
    /// the default route.
    func prevResult(version: String = "1.0.0") -> [String: Any] {
        [
            "cniVersion": version,
            "interfaces": [["name": "vh0"], ["name": "eth0", "sandbox": container.path]],
            "ips": [
                ["interface": 1, "address": "10.1.0.2/24", "gateway": "10.1.0.1"],
                ["interface": 1, "address": "fd01::2/64", "gateway": "fd01::1"],
            ],
            "routes": [["dst": "0.0.0.0/0"]],
        ]
    }

    /// A config of `type` with `extra` keys and (unless nil) `prevResult`.
    func config(
        _ type: String, version: String = "1.0.0", _ extra: [String: Any] = [:], prevResult: [String: Any]? = nil,
        withPrevResult: Bool = true
    ) -> String {
        var object: [String: Any] = ["cniVersion": version, "name": "chainnet", "type": type]
        if withPrevResult { object["prevResult"] = prevResult ?? self.prevResult(version: version) }
        for (k, v) in extra { object[k] = v }
        return Self.json(object)
    }

    static func json(_ object: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Runs `plugin` (ours, or Debian's with `reference`) in the host namespace.
    @discardableResult
    func run(
        _ verb: String, _ plugin: String, reference: Bool = false, config: String, args: String? = nil,
        containerID: String = "ctr1", ifName: String = "eth0", netns: String? = nil, privateRoot: PrivateRoot? = nil
    ) throws -> CommandOutput {
        let binary = reference ? Binaries.referenceDirectory + "/" + plugin : Binaries.path(plugin)
        let runner = PluginRunner(binary: binary, host: host, cniPath: reference ? Binaries.referenceDirectory : Binaries.directory)
        guard let privateRoot else {
            return try runner.run(verb, config: config, netns: netns ?? container.path, containerID: containerID, ifName: ifName, args: args)
        }
        return try privateRoot.run(
            binary: binary, host: host, environment: [
                "CNI_COMMAND": verb, "CNI_NETNS": netns ?? container.path, "CNI_CONTAINERID": containerID, "CNI_IFNAME": ifName,
                "CNI_PATH": runner.cniPath, "CNI_ARGS": args ?? "",
            ], config: config, keepVisible: [container.path])
    }

    /// ADD, requiring success; returns the result object.
    @discardableResult
    func add(_ plugin: String, reference: Bool = false, config: String, args: String? = nil, privateRoot: PrivateRoot? = nil) throws -> [String: Any] {
        let out = try run("ADD", plugin, reference: reference, config: config, args: args, privateRoot: privateRoot)
        try #require(out.status == 0, "\(reference ? "reference" : "our") \(plugin) ADD failed: \(out.stdout)\(out.stderr)")
        return try #require(jsonObject(out.stdout))
    }

    /// `ip -j -d link show dev <name>` in the container (`inHost` for the host namespace).
    func link(_ name: String, inHost: Bool = false) throws -> [String: Any] {
        try (inHost ? host : container).ipJSON(["-d", "link", "show", "dev", name]).first ?? [:]
    }

    /// Whether the container (`inHost`: the host namespace) has a link named `name`.
    func hasLink(_ name: String, inHost: Bool = false) throws -> Bool {
        try Command.run(["ip", "-n", (inHost ? host : container).name, "link", "show", "dev", name]).succeeded
    }

    /// A sysctl's value in the container.
    func sysctl(_ key: String) throws -> String {
        try container.check(["cat", "/proc/sys/" + key]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A private root for a plugin run: the plugin sees `/etc` and `/run` through overlays whose
/// writable layers are directories of the test, so it can read an `/etc/cni/tuning/allowlist.conf`
/// the test wrote and write `/run/cni/...` without touching the machine's. Named namespaces stay
/// usable (their bind mounts are carried over the `/run` overlay).
struct PrivateRoot {
    let directory: String

    init(in scratch: String) throws {
        directory = scratch + "/root"
        for d in ["etc-up", "etc-work", "run-up", "run-work", "ns"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + d, withIntermediateDirectories: true)
        }
    }

    /// Where the plugin's `/etc/<relative>` lands (write here before the run).
    func etc(_ relative: String) -> String { directory + "/etc-up/" + relative }
    /// Where the plugin's `/run/<relative>` landed.
    func run(_ relative: String) -> String { directory + "/run-up/" + relative }

    /// Writes `content` as the plugin's `/etc/<relative>`.
    func writeEtc(_ relative: String, _ content: String) throws {
        let path = etc(relative)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
    }

    func run(binary: String, host: TestNamespace, environment: [String: String], config: String, keepVisible: [String]) throws -> CommandOutput {
        var script = "set -e\n"
        for (i, path) in keepVisible.enumerated() {
            script += "touch \(directory)/ns/\(i) && mount --bind \(path) \(directory)/ns/\(i)\n"
        }
        script += "mount -t overlay overlay -o lowerdir=/etc,upperdir=\(directory)/etc-up,workdir=\(directory)/etc-work /etc\n"
        script += "mount -t overlay overlay -o lowerdir=/run,upperdir=\(directory)/run-up,workdir=\(directory)/run-work /run\n"
        for (i, path) in keepVisible.enumerated() {
            script += "mount --bind \(directory)/ns/\(i) \(path)\n"
        }
        script += "exec \"$0\"\n"
        var env = environment
        env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
        return try Command.run(
            ["nsenter", "--net=\(host.path)", "--", "unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, binary],
            environment: env, stdin: Array(config.utf8))
    }
}

/// GC and STATUS of the meta plugins (config 1.1.0): each answers; only bandwidth has state to
/// collect (its tests check that), the others succeed with nothing to do.
@Suite(.enabled(if: isPrivileged))
struct MetaPluginsGCAndStatusTests {
    @Test(arguments: ["tuning", "bandwidth", "sbr", "vrf"])
    func gcAndStatusAnswer(_ plugin: String) throws {
        let lab = try ChainLab("gc")
        defer { lab.delete() }
        var config: [String: Any] = [
            "cniVersion": "1.1.0", "name": "chainnet", "type": plugin,
            "cni.dev/valid-attachments": [["containerID": "ctr1", "ifname": "eth0"]],
        ]
        if plugin == "vrf" { config["vrfname"] = "blue" }
        for verb in ["GC", "STATUS"] {
            let out = try lab.run(verb, plugin, config: ChainLab.json(config))
            #expect(out.status == 0, "\(plugin) \(verb): \(out.stdout)")
        }
        // Before 1.1.0 the verbs do not exist (code 1).
        config["cniVersion"] = "1.0.0"
        #expect(jsonObject(try lab.run("GC", plugin, config: ChainLab.json(config)).stdout)?["code"] as? Int == 1)
    }
}
