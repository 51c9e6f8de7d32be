import Spawn

/// The iptables programs of a fake host: which are installed, what `iptables-save` prints, and a
/// record of every run (with its stdin, the `iptables-restore` script). Runs are steps of the
/// fake kernel (`<host> program <name>`), so they can be made to fail.
public final class FakePrograms: ProgramRunner, @unchecked Sendable {
    /// One program run.
    public struct Run: Hashable, Sendable {
        public var name: String
        public var arguments: [String]
        public var stdin: String
    }

    let kernel: FakeKernel
    let label: String
    /// The programs found (`iptables-save`, …); none by default, as on a host without iptables.
    public let installed: Set<String>
    private var recorded: [Run] = []
    private var saves: [String: String] = [:]

    init(kernel: FakeKernel, label: String, installed: Set<String>) {
        self.kernel = kernel
        self.label = label
        self.installed = installed
    }

    /// Every run so far.
    public var runs: [Run] { kernel.locked { recorded } }

    /// Sets what `name` (`iptables-save`, `ip6tables-save`) prints.
    public func setOutput(of name: String, _ text: String) {
        kernel.locked { saves[name] = text }
    }

    public func locate(_ names: [String]) -> [String?] { names.map { installed.contains($0) ? "/fake/sbin/" + $0 : nil } }

    public func run(path: String, arguments: [String], stdin: [UInt8]) throws(ChildProcess.SpawnError) -> ChildProcess.Output {
        let name = String(path.split(separator: "/").last ?? "")
        guard installed.contains(name) else {
            throw ChildProcess.SpawnError(errno: 2, goDescription: "fork/exec \(path): no such file or directory")
        }
        if kernel.step("\(label) program \(name)") != nil {
            return ChildProcess.Output(termination: .exited(1), stderr: Array("\(name): injected fault\n".utf8))
        }
        return kernel.locked {
            recorded.append(Run(name: name, arguments: arguments, stdin: String(decoding: stdin, as: UTF8.self)))
            guard name.hasSuffix("-save") else { return ChildProcess.Output(termination: .exited(0)) }
            return ChildProcess.Output(termination: .exited(0), stdout: Array((saves[name] ?? Self.emptyNAT).utf8))
        }
    }

    /// What iptables-save prints for an untouched nat table.
    static let emptyNAT = """
        *nat
        :PREROUTING ACCEPT [0:0]
        :INPUT ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        COMMIT

        """
}
