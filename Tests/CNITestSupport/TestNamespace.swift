import Foundation

/// A throwaway named network namespace (`/var/run/netns/<name>`), made with iproute2 for tests and
/// deleted by `delete()`. Every kernel-touching test runs the plugin in one of these as its "host"
/// and puts containers in others, so the machine's own network stack is never touched.
public final class TestNamespace: @unchecked Sendable {
    public let name: String
    public var path: String { "/var/run/netns/\(name)" }
    private var deleted = false

    /// Creates `swcni-<prefix>-<random>`; `lo` is brought up so local servers and pings work.
    /// Refuses (``TestIsolation/require()``) outside a private mount namespace, where `ip netns`
    /// would write the machine's own `/run/netns`.
    public init(_ prefix: String = "t") throws {
        try TestIsolation.require()
        name = "swcni-\(prefix)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        try Command.check(["ip", "netns", "add", name])
        try Command.check(["ip", "-n", name, "link", "set", "lo", "up"])
    }

    /// Runs `argv` inside this namespace (network namespace only, via nsenter).
    @discardableResult
    public func run(_ argv: [String], environment: [String: String]? = nil, stdin: [UInt8] = []) throws -> CommandOutput {
        try Command.run(["nsenter", "--net=\(path)", "--"] + argv, environment: environment, stdin: stdin)
    }

    /// Runs `argv` inside this namespace and throws unless it exits 0.
    @discardableResult
    public func check(_ argv: [String]) throws -> String {
        let out = try run(argv)
        guard out.succeeded else { throw CommandError(command: argv, output: out) }
        return out.stdout
    }

    /// `ip -j <args>` in this namespace, decoded.
    public func ipJSON(_ args: [String]) throws -> [[String: Any]] {
        let out = try Command.check(["ip", "-n", name, "-j"] + args)
        guard !out.isEmpty else { return [] }
        return (try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]]) ?? []
    }

    /// Deletes the namespace; safe to call twice.
    public func delete() {
        guard !deleted else { return }
        deleted = true
        _ = try? Command.run(["ip", "netns", "del", name])
    }

    deinit { delete() }
}

/// Makes `count` namespaces, runs `body`, and deletes them all whether `body` throws or not.
public func withTestNamespaces<T>(
    _ count: Int, prefix: String = "t", _ body: ([TestNamespace]) throws -> T
) throws -> T {
    var made: [TestNamespace] = []
    defer { made.forEach { $0.delete() } }
    for _ in 0..<count { made.append(try TestNamespace(prefix)) }
    return try body(made)
}

/// Kernel tests run only in a mount and network namespace of their own (`scripts/test.sh` and
/// `scripts/isolated.sh` make one, with fresh `/run`, `/var/lib/cni`, `/etc/cni` and `/tmp`), so
/// that nothing a test does, or leaves behind when it fails, reaches the machine's own.
public enum TestIsolation {
    /// True when this process runs in the mount namespace `scripts/isolated.sh` made (the one
    /// its `SWCNI_ISOLATED_MNT` names: a variable inherited elsewhere names another), or in the
    /// test VM.
    public static let isIsolated: Bool = {
        // The test VM (scripts/vm) is a throwaway machine of its own.
        if ProcessInfo.processInfo.environment["SWCNI_VM"] == "1" { return true }
        var mine = stat()
        guard let marker = ProcessInfo.processInfo.environment["SWCNI_ISOLATED_MNT"],
            stat("/proc/self/ns/mnt", &mine) == 0
        else { return false }
        return marker == String(mine.st_ino)
    }()

    /// Throws unless the process is isolated, saying how to run it.
    public static func require() throws {
        guard isIsolated else {
            throw TestFailure(
                "kernel tests run only in a private mount + network namespace: scripts/test.sh, "
                    + "or scripts/isolated.sh swift test --filter ...")
        }
    }
}

/// True when the tests run as root (kernel tests are skipped otherwise).
public let isPrivileged: Bool = getuid() == 0

/// True for a benchmark run (`SWCNI_BENCH=1`): suites that measure time run only then. The
/// default suite asserts behaviour, never durations.
public let isBenchmarkRun: Bool = ProcessInfo.processInfo.environment["SWCNI_BENCH"] == "1"
