import Foundation
import Testing

/// Where the built plugin binaries are: `$CNI_BIN_DIR` if set, else the package's `.build/debug`,
/// where every plugin is a symbolic link to the multi-call binary `swift-cni` (made on first use, as
/// `scripts/install` makes them where the suite is installed).
public enum Binaries {
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/CNITestSupport/Binaries.swift
        return url.path
    }()

    public static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["CNI_BIN_DIR"], !dir.isEmpty { return dir }
        _ = debugLinks
        return debugDirectory
    }

    static let debugDirectory = packageRoot + "/.build/debug"

    /// The plugin names of `.build/debug/swift-cni` as links to it, replacing anything else of
    /// that name (an executable of an older build). Without the binary, nothing is made and the
    /// tests that run plugins fail saying so.
    private static let debugLinks: Void = {
        let multiCall = debugDirectory + "/swift-cni"
        guard let list = try? Command.run([multiCall, "--list"]), list.succeeded else { return }
        let files = FileManager.default
        for name in list.stdout.split(separator: "\n").map(String.init) {
            let link = debugDirectory + "/" + name
            if (try? files.destinationOfSymbolicLink(atPath: link)) == "swift-cni" { continue }
            let scratch = link + ".link-\(getpid())"
            try? files.removeItem(atPath: scratch)
            guard (try? files.createSymbolicLink(atPath: scratch, withDestinationPath: "swift-cni")) != nil else { continue }
            rename(scratch, link)  // atomic: a concurrent test process sees the old file or the link
        }
    }()

    /// Path of a built executable (`loopback`, `bridge`, `cnitool`, …).
    public static func path(_ name: String) -> String { directory + "/" + name }

    /// Debian's reference plugins (package containernetworking-plugins).
    public static let referenceDirectory = "/usr/lib/cni"
}

/// Runs a CNI plugin binary the way a runtime does: CNI_* environment, config on stdin, and the
/// process placed in `host` (a TestNamespace standing in for the node's namespace).
public struct PluginRunner: Sendable {
    public var binary: String
    public var host: TestNamespace?
    public var cniPath: String

    public init(binary: String, host: TestNamespace? = nil, cniPath: String = Binaries.directory) {
        self.binary = binary
        self.host = host
        self.cniPath = cniPath
    }

    /// Runs one verb. `netns`, `containerID`, `ifName` map to CNI_NETNS, CNI_CONTAINERID, CNI_IFNAME;
    /// `extra` adds or overrides variables (pass "" to set one empty, as a runtime may).
    @discardableResult
    public func run(
        _ command: String?, config: String, netns: String? = nil, containerID: String? = "ctr1",
        ifName: String? = "eth0", args: String? = nil, extra: [String: String] = [:]
    ) throws -> CommandOutput {
        var env: [String: String] = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        if let command { env["CNI_COMMAND"] = command }
        if let netns { env["CNI_NETNS"] = netns }
        if let containerID { env["CNI_CONTAINERID"] = containerID }
        if let ifName { env["CNI_IFNAME"] = ifName }
        if let args { env["CNI_ARGS"] = args }
        env["CNI_PATH"] = cniPath
        for (k, v) in extra { env[k] = v }
        if let host {
            return try Command.run(["nsenter", "--net=\(host.path)", "--", binary], environment: env, stdin: Array(config.utf8))
        }
        return try Command.run([binary], environment: env, stdin: Array(config.utf8))
    }
}

/// Decodes a JSON object printed by a plugin (tests only).
public func jsonObject(_ text: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
}

extension Binaries {
    /// The path of Debian's `name` (in ``referenceDirectory``); when it is missing the test fails
    /// saying so: a side-by-side check that cannot run is never passed over in silence
    /// (scripts/deps.sh installs Debian's plugins, so CI has them).
    public static func requireReference(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let path = referenceDirectory + "/" + name
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "Debian's \(name) is not at \(path): the side-by-side check cannot run (scripts/deps.sh installs it)",
            sourceLocation: sourceLocation)
        return path
    }
}
