import Glibc

/// Finds and runs helper programs (iptables-save, iptables-restore): the seam between code that
/// drives a program and the processes, so that a plugin's programs are injected like its other
/// host resources. ``ChildProcessRunner`` is the real one; tests record the runs instead.
public protocol ProgramRunner: Sendable {
    /// Where the program `name` is installed; nil when it is not.
    func locate(_ name: String) -> String?
    /// Runs the program at `path` with `arguments` and `stdin`, waits for it, and returns how it
    /// ended and what it printed. Throws when it could not be started.
    func run(path: String, arguments: [String], stdin: [UInt8]) throws(ChildProcess.SpawnError) -> ChildProcess.Output
}

/// Programs of this machine, spawned with ``ChildProcess`` from the calling thread (so they work
/// on its network namespace).
public struct ChildProcessRunner: ProgramRunner {
    /// The search path; nil: this process's `PATH`, read when a program is looked up.
    public var path: String?

    public init(path: String? = nil) {
        self.path = path
    }

    /// The first executable file `name` on the search path, then in the usual sbin and bin
    /// directories (runtimes often exec plugins with a minimal `PATH`).
    public func locate(_ name: String) -> String? {
        let path = self.path ?? getenv("PATH").map { String(cString: $0) } ?? ""
        for dir in path.split(separator: ":").map(String.init) + Self.fallback where !dir.isEmpty {
            let candidate = dir + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    static let fallback = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin"]

    public func run(path: String, arguments: [String], stdin: [UInt8]) throws(ChildProcess.SpawnError) -> ChildProcess.Output {
        try ChildProcess.run(path: path, arguments: arguments, stdin: stdin)
    }
}
