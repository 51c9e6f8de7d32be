import CNI
import Spawn
import SystemPackage

/// What a finished child process printed and how it exited.
struct SubprocessResult: Sendable {
    /// The exit code, or 128 + the signal, as a shell reports it.
    var status: Int32
    var stdout: String
    var stderr: String
    var succeeded: Bool { status == 0 }
}

/// iptables-save and iptables-restore runs through the host's ``Spawn/ProgramRunner`` (for the
/// real one, Spawn's `ChildProcess`: posix_spawn with stdin fed and both outputs read through one
/// poll loop), with a failure to start as a firewall error. The child works on the calling
/// thread's network namespace.
enum Subprocess {
    static func run(
        _ programs: any ProgramRunner, _ path: String, _ arguments: [String], input: [UInt8] = []
    ) throws(FirewallError) -> SubprocessResult {
        let output: ChildProcess.Output
        do {
            output = try programs.run(path: path, arguments: arguments, stdin: input)
        } catch {
            let what = ([path] + arguments).joined(separator: " ")
            throw FirewallError(.spawn, "start \(what)", detail: error.goDescription, errno: Errno(rawValue: error.errno))
        }
        return SubprocessResult(
            status: output.termination.status, stdout: String(decoding: output.stdout, as: UTF8.self),
            stderr: String(decoding: output.stderr, as: UTF8.self))
    }
}
