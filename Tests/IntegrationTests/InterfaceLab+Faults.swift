import CNITestSupport
import Foundation
import Testing

/// Fault injection for the interface plugins' ADD: IPAM plugins that misbehave at the moment the
/// plugin calls them, i.e. after its link exists, so that ADD has something to roll back.
extension InterfaceLab {
    /// The stub IPAMs, put first on the plugin's CNI_PATH by ``faultyRunner()``:
    /// - `failing-ipam`: ADD answers CNI error 11 ("try again later"); DEL succeeds.
    /// - `vanishing-ipam`: ADD deletes the node's `uplink0` (the master) and then hands the
    ///   request to host-local, which leases an address; DEL and the rest go to host-local.
    static let failingIPAMCode = 11

    /// A runner of this lab's plugin whose CNI_PATH starts with the stub IPAMs.
    func faultyRunner() throws -> PluginRunner {
        let bin = dataDir + "/stub-bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let stubs = [
            "failing-ipam": """
                #!/bin/sh
                [ "$CNI_COMMAND" = ADD ] || exit 0
                echo '{"cniVersion":"1.0.0","code":\(Self.failingIPAMCode),"msg":"injected IPAM failure"}'
                exit 1
                """,
            "vanishing-ipam": """
                #!/bin/sh
                if [ "$CNI_COMMAND" = ADD ]; then ip link del uplink0 || exit 1; fi
                exec \(Binaries.path("host-local"))
                """,
        ]
        for (name, body) in stubs {
            let file = bin + "/" + name
            try (body + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file)
        }
        return runner.with(cniPath: bin + ":" + runner.cniPath)
    }

    /// ADD through `runner` that must fail with a CNI error object (code `expected` when given)
    /// and leave nothing: no link in `container` besides `keep`, no lease.
    func expectCleanFailure(
        _ container: TestNamespace, _ config: String, runner: PluginRunner, ifName: String = "eth0", code expected: Int? = nil,
        keep: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let out = try run("ADD", container, config, ifName: ifName, runner: runner)
        let code = Self.code(out)
        #expect(code != nil, "ADD must fail with a CNI error: \(out.status) \(out.stdout) \(out.stderr)", sourceLocation: sourceLocation)
        if let expected { #expect(code == expected, "\(out.stdout)", sourceLocation: sourceLocation) }
        #expect(try Self.links(container).sorted() == keep.sorted(), "links left behind", sourceLocation: sourceLocation)
        #expect(leases() == [], "leases left behind", sourceLocation: sourceLocation)
    }
}

extension PluginRunner {
    /// The same runner with another CNI_PATH.
    func with(cniPath: String) -> PluginRunner { PluginRunner(binary: binary, host: host, cniPath: cniPath) }
}
