import CNI
import CNIRuntime
import CNITestSupport
import Foundation

/// A temporary node for runtime tests: a plugin directory of recording fake plugins
/// (Tests/Fixtures/libcni/fake-plugin.sh), a NETCONFPATH, a cache directory and the call log.
/// Everything lives under one temporary directory, removed by `cleanup()`.
final class FakeNode: @unchecked Sendable {
    let root: String
    var bin: String { root + "/bin" }
    var netconf: String { root + "/net.d" }
    var cache: String { root + "/cache" }
    var log: String { root + "/log" }

    static let fixtures = Binaries.packageRoot + "/Tests/Fixtures/libcni"

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cnitool-test-\(UUID().uuidString)").path
        for dir in [bin, netconf, log] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: root) }
    deinit { cleanup() }

    /// Installs fake plugin `type`; `result` is what it prints on ADD.
    func plugin(_ type: String, result: String? = nil, versions: String? = nil) throws {
        let path = bin + "/" + type
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.copyItem(atPath: Self.fixtures + "/fake-plugin.sh", toPath: path)
        }
        if let result { try write(bin + "/\(type).result", result) }
        if let versions { try write(bin + "/\(type).versions", versions) }
    }

    /// Makes `type` fail `command` with this error object.
    func fail(_ type: String, _ command: String, code: Int = 999, msg: String, details: String? = nil) throws {
        var o: [String: Any] = ["code": code, "msg": msg]
        if let details { o["details"] = details }
        let data = try JSONSerialization.data(withJSONObject: o)
        try write(bin + "/\(type).fail-\(command)", String(decoding: data, as: UTF8.self))
    }

    func config(_ name: String, _ text: String) throws { try write(netconf + "/" + name, text) }

    func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The runtime, running the fakes with only PATH and FAKE_LOG from outside.
    var runtime: NetworkRuntime {
        NetworkRuntime(
            pluginPaths: [bin], cacheDirectory: cache,
            invoker: ExecPluginInvoker(baseEnvironment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "FAKE_LOG=\(log)"], forwardStderr: nil))
    }

    func load(_ name: String) throws -> NetworkConfigList {
        try NetworkConfigLoader(directory: netconf).load(name: name).list
    }

    /// The recorded calls, in order.
    var calls: [Call] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: log)) ?? []).filter { $0.hasSuffix(".stdin") }.sorted()
        return names.map { name in
            let base = String(name.dropLast(".stdin".count))
            let parts = base.split(separator: "-")
            let env = (try? String(contentsOfFile: log + "/" + base + ".env", encoding: .utf8)) ?? ""
            var vars: [String: String] = [:]
            for line in env.split(separator: "\n") {
                let kv = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                vars[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
            }
            let stdin = (try? Data(contentsOf: URL(fileURLWithPath: log + "/" + name))) ?? Data()
            return Call(type: String(parts[1]), command: String(parts[2]), stdin: [UInt8](stdin), env: vars)
        }
    }

    func clearLog() throws {
        try FileManager.default.removeItem(atPath: log)
        try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: true)
    }

    var cachedFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cache + "/results")) ?? []).sorted()
    }

    struct Call {
        var type: String
        var command: String
        var stdin: [UInt8]
        var env: [String: String]
        var text: String { String(decoding: stdin, as: UTF8.self) }
        var json: [String: Any] { jsonObject(text) ?? [:] }
    }
}

/// A result a fake plugin prints: one interface in the netns, one address.
func fakeResult(_ version: String = "1.0.0", address: String = "10.1.2.3/24", ifName: String = "eth0") -> String {
    """
    {"cniVersion":"\(version)","interfaces":[{"name":"\(ifName)","sandbox":"/var/run/netns/x"}],\
    "ips":[{"interface":0,"address":"\(address)","gateway":"10.1.2.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{}}
    """
}
