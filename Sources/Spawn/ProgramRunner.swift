import Glibc

/// Finds and runs helper programs (iptables-save, iptables-restore): the seam between code that
/// drives a program and the processes, so that a plugin's programs are injected like its other
/// host resources. ``ChildProcessRunner`` is the real one; tests record the runs instead.
public protocol ProgramRunner: Sendable {
    /// Where each of the programs `names` is installed (nil for one that is not), in order.
    func locate(_ names: [String]) -> [String?]
    /// Runs the program at `path` with `arguments` and `stdin`, waits for it, and returns how it
    /// ended and what it printed. Throws when it could not be started.
    func run(path: String, arguments: [String], stdin: [UInt8]) throws(ChildProcess.SpawnError) -> ChildProcess.Output
}

/// Programs of this machine, spawned with ``ChildProcess`` from the calling thread (so they work
/// on its network namespace).
public struct ChildProcessRunner: ProgramRunner {
    /// The search path; nil: this process's `PATH`, read when programs are looked up.
    public var path: String?

    public init(path: String? = nil) {
        self.path = path
    }

    /// The first executable file of each name on the search path, then in the usual sbin and bin
    /// directories (runtimes often exec plugins with a minimal `PATH`). The directories are
    /// walked once for all names, and only until every name is found: a plugin looks its
    /// programs up at every exec.
    public func locate(_ names: [String]) -> [String?] {
        var found = [String?](repeating: nil, count: names.count)
        var missing = names.count
        func search(_ directory: String) {
            guard !directory.isEmpty else { return }
            for i in names.indices where found[i] == nil {
                let candidate = directory + "/" + names[i]
                if access(candidate, X_OK) == 0 {
                    found[i] = candidate
                    missing -= 1
                }
            }
        }
        let path = self.path ?? getenv("PATH").map { String(cString: $0) } ?? ""
        var start = path.startIndex
        while missing > 0 && start < path.endIndex {
            let end = path.utf8[start...].firstIndex(of: UInt8(ascii: ":")) ?? path.endIndex
            search(String(path[start..<end]))
            start = end < path.endIndex ? path.index(after: end) : end
        }
        for directory in ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin"] where missing > 0 {
            search(directory)
        }
        return found
    }

    public func run(path: String, arguments: [String], stdin: [UInt8]) throws(ChildProcess.SpawnError) -> ChildProcess.Output {
        try ChildProcess.run(path: path, arguments: arguments, stdin: stdin)
    }
}
