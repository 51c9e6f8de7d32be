import Glibc
import SystemPackage
import Posix

/// What ``PluginMain`` needs from the outside world, injectable so every verb and every error
/// path runs in-process in tests (the role of the `dispatcher` fields in libcni's skel).
public struct PluginEnvironment: Sendable {
    /// Reads an environment variable (nil when unset).
    public var getenv: @Sendable (String) -> String?
    /// Reads all of stdin.
    public var readStdin: @Sendable () throws -> [UInt8]
    /// Writes to stdout.
    public var writeStdout: @Sendable ([UInt8]) -> Void
    /// Writes to stderr.
    public var writeStderr: @Sendable ([UInt8]) -> Void
    /// Ends the process with a status (``PluginMain/run(_:about:environment:)`` calls it last).
    public var exit: @Sendable (Int32) -> Never
    /// Runs delegated plugins.
    public var invoker: any PluginInvoker
    /// True when the netns at this path is the one the plugin runs in (libcni's `CheckNetNS`);
    /// false when it cannot be opened.
    public var isOwnNetworkNamespace: @Sendable (String) -> Bool

    public init(
        getenv: @escaping @Sendable (String) -> String?,
        readStdin: @escaping @Sendable () throws -> [UInt8],
        writeStdout: @escaping @Sendable ([UInt8]) -> Void,
        writeStderr: @escaping @Sendable ([UInt8]) -> Void,
        exit: @escaping @Sendable (Int32) -> Never,
        invoker: any PluginInvoker,
        isOwnNetworkNamespace: @escaping @Sendable (String) -> Bool
    ) {
        self.getenv = getenv
        self.readStdin = readStdin
        self.writeStdout = writeStdout
        self.writeStderr = writeStderr
        self.exit = exit
        self.invoker = invoker
        self.isOwnNetworkNamespace = isOwnNetworkNamespace
    }

    /// The real process: `getenv(3)`, fds 0/1/2, `exit(3)`, posix_spawn for delegates, and a
    /// stat comparison with `/proc/self/ns/net`.
    public static var process: PluginEnvironment {
        PluginEnvironment(
            getenv: { name in Glibc.getenv(name).map { String(cString: $0) } },
            readStdin: { try FileDescriptor.standardInput.readAll() },
            // Output is best-effort: a runtime that closed our stdout learns nothing more anyway.
            writeStdout: { try? FileDescriptor.standardOutput.writeAll($0) },
            writeStderr: { try? FileDescriptor.standardError.writeAll($0) },
            exit: { Glibc.exit($0) },
            invoker: ExecPluginInvoker(),
            isOwnNetworkNamespace: { path in sameFile(path, "/proc/self/ns/net") })
    }

    /// Whether two paths name the same inode (namespace files compare this way).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        guard !a.isEmpty else { return false }
        var sa = stat()
        var sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }
}

extension PluginEnvironment {
    /// An environment for running a plugin in-process: the given variables and stdin, output
    /// collected in the returned ``CapturedOutput``, and `exit` trapping (use
    /// ``PluginMain/execute(_:about:environment:)``, which returns the status instead).
    public static func capturing(
        variables: [String: String], stdin: [UInt8] = [], invoker: any PluginInvoker = ExecPluginInvoker(),
        isOwnNetworkNamespace: @escaping @Sendable (String) -> Bool = { _ in false }
    ) -> (PluginEnvironment, CapturedOutput) {
        let output = CapturedOutput()
        let environment = PluginEnvironment(
            getenv: { variables[$0] },
            readStdin: { stdin },
            writeStdout: { output.append(stdout: $0) },
            writeStderr: { output.append(stderr: $0) },
            exit: { status in fatalError("exit(\(status)) called on a capturing environment") },
            invoker: invoker,
            isOwnNetworkNamespace: isOwnNetworkNamespace)
        return (environment, output)
    }
}

/// Output collected from a capturing ``PluginEnvironment``.
public final class CapturedOutput: @unchecked Sendable {
    // Heap-allocated: a pthread mutex must not move, and `&property` promises no fixed address.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var out: [UInt8] = []
    private var err: [UInt8] = []

    init() { pthread_mutex_init(mutex, nil) }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    func append(stdout bytes: [UInt8]) { locked { out.append(contentsOf: bytes) } }
    func append(stderr bytes: [UInt8]) { locked { err.append(contentsOf: bytes) } }

    /// Everything written to stdout.
    public var stdout: [UInt8] { locked { out } }
    /// Everything written to stderr.
    public var stderr: [UInt8] { locked { err } }
    /// stdout as text.
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// stderr as text.
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
