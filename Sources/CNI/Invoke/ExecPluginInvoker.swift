import Glibc
import Posix
import Spawn
import SystemPackage

/// Runs plugins as real processes (posix_spawn), the way libcni's `RawExec` does: the caller's
/// environment plus the given `CNI_*` variables, the config on stdin, stdout captured as the
/// result, and a retry while the executable is being replaced ("text file busy").
public struct ExecPluginInvoker: PluginInvoker {
    /// `K=V` entries the child starts from; nil means this process's environment at call time.
    public var baseEnvironment: [String]?
    /// Receives a successful plugin's stderr (libcni copies it to the runtime's stderr); on
    /// failure stderr becomes part of the error instead. nil discards it.
    public var forwardStderr: (@Sendable ([UInt8]) -> Void)?
    /// Further attempts after ETXTBSY, one second apart (libcni: 5).
    public var textFileBusyRetries: Int = 5

    /// - Parameters:
    ///   - baseEnvironment: the child's environment before overrides (nil: ours).
    ///   - forwardStderr: where a successful child's stderr goes (default: our stderr).
    public init(
        baseEnvironment: [String]? = nil,
        forwardStderr: (@Sendable ([UInt8]) -> Void)? = { try? FileDescriptor.standardError.writeAll($0) }
    ) {
        self.baseEnvironment = baseEnvironment
        self.forwardStderr = forwardStderr
    }

    public func invoke(path: String, stdin: [UInt8], environment: [String: String]) throws(CNIError) -> [UInt8] {
        let env = Self.merge(baseEnvironment ?? Self.processEnvironment(), environment)
        var attempt = 0
        while true {
            let output: ChildProcess.Output
            do {
                output = try ChildProcess.run(path: path, stdin: stdin, environment: env)
            } catch {
                if error.errno == ETXTBSY && attempt < textFileBusyRetries {
                    attempt += 1
                    sleep(1)
                    continue
                }
                throw PluginFailure.error(stdout: [], stderr: [], reason: error.goDescription)
            }
            guard output.termination == .exited(0) else {
                throw PluginFailure.error(
                    stdout: output.stdout, stderr: output.stderr, reason: output.termination.goDescription)
            }
            if !output.stderr.isEmpty { forwardStderr?(output.stderr) }
            return output.stdout
        }
    }

    /// `base` with every key of `overrides` replaced (or added at the end), order kept.
    static func merge(_ base: [String], _ overrides: [String: String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(base.count + overrides.count)
        for entry in base {
            let key = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            if overrides[String(key)] == nil { out.append(entry) }
        }
        for key in overrides.keys.sorted() { out.append("\(key)=\(overrides[key]!)") }
        return out
    }

    /// This process's environment as `K=V` entries.
    public static func processEnvironment() -> [String] {
        var out: [String] = []
        var p = environ
        while let entry = p.pointee {
            out.append(String(cString: entry))
            p += 1
        }
        return out
    }
}
