import Foundation
import NetAddress
import Testing

@testable import CNI

/// A PluginInvoker that answers from a closure and records each call.
final class FakeInvoker: PluginInvoker, @unchecked Sendable {
    struct Call {
        var path: String
        var stdin: [UInt8]
        var environment: [String: String]
    }
    private(set) var calls: [Call] = []
    let respond: @Sendable (Call) throws(CNIError) -> [UInt8]

    init(_ respond: @escaping @Sendable (Call) throws(CNIError) -> [UInt8]) { self.respond = respond }

    func invoke(path: String, stdin: [UInt8], environment: [String: String]) throws(CNIError) -> [UInt8] {
        let call = Call(path: path, stdin: stdin, environment: environment)
        calls.append(call)
        return try respond(call)
    }
}

/// A scratch directory removed when the test ends.
final class TempDir {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "cni-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes an executable shell script named `name`.
    @discardableResult
    func script(_ name: String, _ body: String) throws -> String {
        let file = path + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file)
        return file
    }
}

func ipamContext(
    type: String? = "fake-ipam", version: String = "1.0.0", path: [String] = ["/opt/cni/bin"], invoker: any PluginInvoker
) throws -> PluginContext {
    var config: JSONObject = ["cniVersion": .string(version), "name": "net", "type": "bridge"]
    if let type { config["ipam"] = ["type": .string(type), "subnet": "10.1.2.0/24"] }
    let stdin = JSONSerializer.bytes(.object(config))
    return PluginContext(
        command: .add, containerID: "ctr1", netns: "/run/netns/x", ifName: "eth0", args: CNIArgs(""), path: path,
        stdin: stdin, config: try NetworkConfig(bytes: stdin), invoker: invoker)
}

@Suite struct PluginLocatorTests {
    @Test func findsRegularFilesInOrder() throws {
        let a = try TempDir(), b = try TempDir()
        try a.script("other", "true")
        try FileManager.default.createDirectory(atPath: a.path + "/host-local", withIntermediateDirectories: false)
        let plugin = try b.script("host-local", "true")
        let locator = PluginLocator(paths: [a.path, b.path + "/"])
        #expect(try locator.find("host-local") == plugin)  // a directory of that name does not count
        #expect(throws: PluginLocatorError.notFound(name: "nosuch", paths: [a.path, b.path + "/"])) {
            try locator.find("nosuch")
        }
        #expect(PluginLocatorError.notFound(name: "nosuch", paths: ["/a", "/b"]).description
            == #"failed to find plugin "nosuch" in path [/a /b]"#)
    }

    @Test func rejectsBadRequests() {
        let locator = PluginLocator(cniPath: "/opt/cni/bin")
        #expect(throws: PluginLocatorError.noName) { try locator.find("") }
        #expect(throws: PluginLocatorError.invalidName("../bridge")) { try locator.find("../bridge") }
        #expect(throws: PluginLocatorError.noPaths) { try PluginLocator(cniPath: "").find("bridge") }
        #expect(PluginLocatorError.noName.description == "no plugin name provided")
        #expect(PluginLocatorError.noPaths.description == "no paths provided")
        #expect(PluginLocatorError.invalidName("a/b").description == "invalid plugin name: a/b")
        #expect(CNIError(PluginLocatorError.noPaths).code == .internal)
        #expect(CNIError(PluginLocatorError.invalidName("../x")).code == .invalidNetworkConfig)
        #expect(CNIError(PluginLocatorError.noName).code == .invalidNetworkConfig)
        #expect(PluginLocator(cniPath: "/a::/b:").paths == ["/a", "/b"])
    }
}

@Suite struct FakeDelegationTests {
    @Test func ipamAddPassesTheWholeConfigAndDecodesAnyVersion() throws {
        let dir = try TempDir()
        let ipamPath = try dir.script("fake-ipam", "exit 0")
        let invoker = FakeInvoker { _ in
            // A 0.4.0 result from an older IPAM plugin, version and all.
            Array(#"{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.1.2.5/24","gateway":"10.1.2.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{}}"#.utf8)
        }
        let context = try ipamContext(path: [dir.path], invoker: invoker)
        let result = try context.ipam.execAdd()
        #expect(result.cniVersion == "0.4.0")
        #expect(result.ips == [.init(address: IPNetwork("10.1.2.5/24")!, gateway: IPAddress("10.1.2.1"))])
        #expect(result.routes == [.init(dst: IPNetwork("0.0.0.0/0")!)])
        #expect(invoker.calls.count == 1)
        #expect(invoker.calls[0].path == ipamPath)
        #expect(invoker.calls[0].stdin == context.stdin)
        #expect(invoker.calls[0].environment == ["CNI_COMMAND": "ADD"])
    }

    @Test(arguments: [CNICommand.check, .delete, .gc, .status])
    func otherVerbsOverrideOnlyTheCommand(command: CNICommand) throws {
        let dir = try TempDir()
        try dir.script("fake-ipam", "exit 0")
        let invoker = FakeInvoker { _ in [] }
        let ipam = try ipamContext(path: [dir.path], invoker: invoker).ipam
        switch command {
        case .check: try ipam.execCheck()
        case .delete: try ipam.execDel()
        case .gc: try ipam.execGC()
        default: try ipam.execStatus()
        }
        #expect(invoker.calls.map(\.environment) == [["CNI_COMMAND": command.rawValue]])
    }

    @Test func resultWithoutVersionTakesTheConfigVersion() throws {
        let dir = try TempDir()
        try dir.script("fake-ipam", "exit 0")
        let invoker = FakeInvoker { _ in Array(#"{"ips":[{"version":"4","address":"10.1.2.5/24"}]}"#.utf8) }
        let result = try ipamContext(version: "0.3.1", path: [dir.path], invoker: invoker).ipam.execAdd()
        #expect(result.cniVersion == "0.3.1")
        #expect(result.ips.count == 1)
        #expect(try CNIResult(delegateOutput: Array("null".utf8), configVersion: "1.0.0") == CNIResult(cniVersion: "1.0.0"))
        #expect(try CNIResult(delegateOutput: Array("{}".utf8), configVersion: "").cniVersion == "0.1.0")
        #expect(throws: CNIError(.decodingFailure, "failed to unmarshal raw result: json: cannot unmarshal array into Go value of type map[string]interface {}")) {
            try CNIResult(delegateOutput: Array("[]".utf8), configVersion: "1.0.0")
        }
        #expect(throws: CNIError(.decodingFailure, "failed to unmarshal raw result: unexpected end of JSON input at offset 0")) {
            try CNIResult(delegateOutput: [], configVersion: "1.0.0")
        }
    }

    @Test func delegateErrorsPassThroughWithTheirCode() throws {
        let dir = try TempDir()
        try dir.script("fake-ipam", "exit 0")
        let invoker = FakeInvoker { _ throws(CNIError) in
            throw CNIError(.tryAgainLater, "no IP addresses available in range set: 10.1.2.1-10.1.2.254")
        }
        let ipam = try ipamContext(path: [dir.path], invoker: invoker).ipam
        #expect(throws: CNIError(.tryAgainLater, "no IP addresses available in range set: 10.1.2.1-10.1.2.254")) {
            try ipam.execAdd()
        }
    }

    @Test func missingIPAMTypeOrPlugin() throws {
        let invoker = FakeInvoker { _ in [] }
        #expect(throws: PluginLocatorError.noName) { try ipamContext(type: nil, invoker: invoker).ipam.execAdd() }
        #expect(throws: PluginLocatorError.notFound(name: "nosuch", paths: ["/nonexistent"])) {
            try ipamContext(type: "nosuch", path: ["/nonexistent"], invoker: invoker).ipam.execDel()
        }
        #expect(throws: PluginLocatorError.noPaths) { try ipamContext(path: [], invoker: invoker).ipam.execAdd() }
        #expect(invoker.calls.isEmpty)
    }
}

@Suite struct PluginFailureTests {
    @Test func readsFailuresAsLibcni() {
        #expect(PluginFailure.error(stdout: [], stderr: [], reason: "exit status 1")
            == CNIError(.internal, "netplugin failed with no error message: exit status 1"))
        #expect(PluginFailure.error(stdout: [], stderr: Array("boom\n".utf8), reason: "exit status 2")
            == CNIError(.internal, #"netplugin failed: "boom\n": exit status 2"#))
        #expect(PluginFailure.error(stdout: Array(#"{"code":7,"msg":"bad","details":"d","cniVersion":"1.0.0"}"#.utf8), stderr: [], reason: "")
            == CNIError(.invalidNetworkConfig, "bad", details: "d"))
        #expect(PluginFailure.error(stdout: Array(#"{"msg":"no code"}"#.utf8), stderr: [], reason: "")
            == CNIError(CNIError.Code(rawValue: 0), "no code"))
        #expect(PluginFailure.error(stdout: Array("oops".utf8), stderr: [], reason: "exit status 1")
            == CNIError(.internal, #"netplugin failed but error parsing its diagnostic message "oops": invalid character 'o' looking for beginning of value at offset 0"#))
        #expect(PluginFailure.error(stdout: Array(#"{"code":"x"}"#.utf8), stderr: [], reason: "").msg
            == #"netplugin failed but error parsing its diagnostic message "{\"code\":\"x\"}": error object: "code" must be a non-negative integer, found a string"#)
    }
}

/// A bridge-like plugin: IPAM ADD, give the address back if anything after it fails.
struct IPAMUsingPlugin: CNIPlugin {
    var failAfterIPAM = false
    struct Later: Error {}

    func add(_ c: PluginContext) throws -> CNIResult {
        let ipam = c.ipam
        var result = try ipam.execAdd()
        var committed = false
        defer { if !committed { try? ipam.execDel() } }
        if failAfterIPAM { throw Later() }
        result.interfaces = [.init(name: c.ifName, sandbox: c.netns)]
        for i in result.ips.indices { result.ips[i].interface = 0 }
        committed = true
        return result
    }
    func check(_ c: PluginContext) throws { try c.ipam.execCheck() }
    func delete(_ c: PluginContext) throws { try c.ipam.execDel() }
    func gc(_ c: PluginContext) throws { try c.ipam.execGC() }
    func status(_ c: PluginContext) throws { try c.ipam.execStatus() }
}

@Suite struct PluginMainDelegationTests {
    @Test func delegatesGetTheInjectedRequest() throws {
        let dir = try TempDir()
        let ipamPath = try dir.script("fake-ipam", "exit 0")
        let invoker = FakeInvoker { call in
            call.environment["CNI_COMMAND"] == "ADD"
                ? Array(#"{"cniVersion":"1.0.0","ips":[{"address":"10.1.2.5/24","gateway":"10.1.2.1"}],"dns":{}}"#.utf8) : []
        }
        let stdin = #"{"cniVersion":"1.0.0","name":"net","type":"bridge","ipam":{"type":"fake-ipam"}}"#
        var vars = request("ADD", ["CNI_PATH": dir.path, "CNI_ARGS": "IgnoreUnknown=1"])
        let (env, output) = PluginEnvironment.capturing(variables: vars, stdin: Array(stdin.utf8), invoker: invoker)
        #expect(PluginMain.execute(IPAMUsingPlugin(), about: "", environment: env) == 0)
        #expect(invoker.calls.count == 1)
        #expect(invoker.calls[0].path == ipamPath)
        #expect(invoker.calls[0].stdin == Array(stdin.utf8))
        #expect(invoker.calls[0].environment == vars)
        let printed = try JSONValue(parsing: output.stdoutText)
        #expect(printed["ips"]?[0] == ["interface": 0, "address": "10.1.2.5/24", "gateway": "10.1.2.1"])

        // DEL and GC forward their own command.
        vars["CNI_COMMAND"] = "DEL"
        let (delEnv, _) = PluginEnvironment.capturing(variables: vars, stdin: Array(stdin.utf8), invoker: invoker)
        #expect(PluginMain.execute(IPAMUsingPlugin(), about: "", environment: delEnv) == 0)
        #expect(invoker.calls.last?.environment["CNI_COMMAND"] == "DEL")
    }

    @Test func failedAddReleasesTheAddress() throws {
        let dir = try TempDir()
        try dir.script("fake-ipam", "exit 0")
        let invoker = FakeInvoker { call in
            call.environment["CNI_COMMAND"] == "ADD"
                ? Array(#"{"cniVersion":"1.0.0","ips":[{"address":"10.1.2.5/24"}]}"#.utf8) : []
        }
        let stdin = #"{"cniVersion":"1.0.0","name":"net","type":"bridge","ipam":{"type":"fake-ipam"}}"#
        let (env, output) = PluginEnvironment.capturing(
            variables: request("ADD", ["CNI_PATH": dir.path]), stdin: Array(stdin.utf8), invoker: invoker)
        #expect(PluginMain.execute(IPAMUsingPlugin(failAfterIPAM: true), about: "", environment: env) == 1)
        #expect(invoker.calls.map { $0.environment["CNI_COMMAND"] } == ["ADD", "DEL"])
        #expect(try JSONValue(parsing: output.stdoutText)["code"] == 999)
    }

    @Test func ipamErrorIsPrintedUnchanged() throws {
        let dir = try TempDir()
        try dir.script("fake-ipam", "exit 0")
        let invoker = FakeInvoker { _ throws(CNIError) in throw CNIError(.pluginNotAvailable, "range full") }
        let stdin = #"{"cniVersion":"1.1.0","name":"net","type":"bridge","ipam":{"type":"fake-ipam"}}"#
        let (env, output) = PluginEnvironment.capturing(
            variables: ["CNI_COMMAND": "STATUS", "CNI_PATH": dir.path], stdin: Array(stdin.utf8), invoker: invoker)
        #expect(PluginMain.execute(IPAMUsingPlugin(), about: "", environment: env) == 1)
        #expect(try JSONValue(parsing: output.stdoutText) == ["cniVersion": "1.1.0", "code": 50, "msg": "range full"])
    }
}
