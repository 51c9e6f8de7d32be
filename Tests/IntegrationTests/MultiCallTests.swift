import CNITestSupport
import Foundation
import Testing

/// The multi-call binary: one executable, run as the plugin its link is named after, or as
/// `swift-cni PLUGIN`; under any other name it says what it holds.
struct MultiCallTests {
    /// The names registered in the plugin libraries' sources (`PluginTable.entry($0, "name")`).
    static let plugins: [String] = {
        let root = Binaries.packageRoot + "/Sources/CNIPlugins"
        var names: [String] = []
        for case let file as String in FileManager.default.enumerator(atPath: root)! where file.hasSuffix(".swift") {
            guard let text = try? String(contentsOfFile: root + "/" + file, encoding: .utf8) else { continue }
            for part in text.components(separatedBy: "PluginTable.entry($0, \"").dropFirst() {
                names.append(String(part.prefix { $0 != "\"" }))
            }
        }
        return names.sorted()
    }()
    /// Every plugin the suite holds, by the name runtimes exec: a plugin whose library does not
    /// register itself is missing from the binary, and from this list's comparison.
    static let suite = [
        "bandwidth", "bridge", "dhcp", "dummy", "firewall", "flannel", "host-device", "host-local", "ipvlan", "loopback",
        "macvlan", "portmap", "ptp", "sbr", "static", "tap", "tuning", "vlan", "vrf",
    ]
    let binary = Binaries.path("swift-cni")

    @Test func listsEveryPlugin() throws {
        let out = try Command.run([binary, "--list"])
        #expect(out.status == 0)
        #expect(Self.plugins == Self.suite)
        #expect(out.stdout.split(separator: "\n").map(String.init).sorted() == Self.suite)
    }

    @Test func everyPluginNameIsALinkToTheOneBinary() throws {
        for name in Self.plugins {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: Binaries.path(name))
            #expect(target == "swift-cni", "\(name)")
        }
    }

    /// VERSION through each link, and through `swift-cni PLUGIN`: each answers as that plugin.
    @Test(arguments: plugins)
    func answersAsThePluginItIsRunAs(name: String) throws {
        for argv in [[Binaries.path(name)], [binary, name]] {
            let out = try Command.run(argv, environment: ["CNI_COMMAND": "VERSION"], stdin: Array(#"{"cniVersion":"1.0.0"}"#.utf8))
            #expect(out.status == 0, "\(argv): \(out.stderr)")
            let json = try #require(jsonObject(out.stdout))
            #expect(json["cniVersion"] as? String == "1.0.0")
            let about = try Command.run(argv, environment: [:])
            #expect(about.stderr.hasPrefix("CNI \(name) plugin (swift-cni)"), "\(argv): \(about.stderr)")
        }
    }

    @Test func anUnknownNameSaysWhatItHolds() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swcni-multicall-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/nosuchplugin", withDestinationPath: binary)
        let listed = try Command.run([binary, "--list"]).stdout.split(separator: "\n").joined(separator: " ")
        for argv in [[dir + "/nosuchplugin"], [binary], [binary, "nosuchplugin"]] {
            let out = try Command.run(argv, environment: ["CNI_COMMAND": "VERSION"])
            #expect(out.status == 1, "\(argv)")
            #expect(out.stdout.isEmpty)
            #expect(out.stderr.contains("Plugins: \(listed)\n"), "\(argv): \(out.stderr)")
        }
    }
}
