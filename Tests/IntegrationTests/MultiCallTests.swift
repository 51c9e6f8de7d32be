import CNITestSupport
import Foundation
import Testing

/// The multi-call binary: one executable, run as the plugin its link is named after, or as
/// `swift-cni PLUGIN`; under any other name it says what it holds.
struct MultiCallTests {
    static let plugins = ["bridge", "host-local", "loopback", "ptp", "portmap"]
    let binary = Binaries.path("swift-cni")

    @Test func listsEveryPlugin() throws {
        let out = try Command.run([binary, "--list"])
        #expect(out.status == 0)
        #expect(out.stdout.split(separator: "\n").map(String.init).sorted() == Self.plugins.sorted())
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
        try FileManager.default.createSymbolicLink(atPath: dir + "/macvlan", withDestinationPath: binary)
        for argv in [[dir + "/macvlan"], [binary], [binary, "nosuchplugin"]] {
            let out = try Command.run(argv, environment: ["CNI_COMMAND": "VERSION"])
            #expect(out.status == 1, "\(argv)")
            #expect(out.stdout.isEmpty)
            #expect(out.stderr.contains("Plugins: bridge host-local loopback ptp portmap"), "\(argv): \(out.stderr)")
        }
    }
}
