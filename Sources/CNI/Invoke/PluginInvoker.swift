/// Runs a plugin executable: the seam between delegation logic and processes, so tests can
/// substitute a fake (as libcni's `invoke.Exec` interface exists "so tests can provide a fake").
/// ``ExecPluginInvoker`` is the real one.
public protocol PluginInvoker: Sendable {
    /// Runs the executable at `path` with `stdin` on its standard input, in the invoker's base
    /// environment with `environment` set on top (these keys win). Returns what it printed on
    /// stdout when it exits 0; otherwise throws the error it reported, read as libcni reads it
    /// (see ``PluginFailure``).
    func invoke(path: String, stdin: [UInt8], environment: [String: String]) throws(CNIError) -> [UInt8]
}

/// How libcni turns a failed plugin run into an error (`RawExec.pluginErr`): the error object the
/// plugin printed on stdout, or, when there is none, a message built from its stderr and exit.
public enum PluginFailure {
    /// The error for a plugin that exited unsuccessfully. `reason` is how it ended, as Go's
    /// `exec.ExitError` words it (`exit status 1`, `signal: killed`).
    ///
    /// - stdout empty, stderr empty: `netplugin failed with no error message: <reason>`
    /// - stdout empty: `netplugin failed: "<stderr>": <reason>`
    /// - stdout an error object: that error, code and all
    /// - stdout anything else: `netplugin failed but error parsing its diagnostic message "<stdout>": <why>`
    ///
    /// Messages this side makes up carry code 999; a plugin's own error keeps its code.
    public static func error(stdout: [UInt8], stderr: [UInt8], reason: String) -> CNIError {
        guard !stdout.isEmpty else {
            if stderr.isEmpty {
                return CNIError(.internal, "netplugin failed with no error message: \(reason)")
            }
            return CNIError(.internal, "netplugin failed: \(goQuote(bytes: stderr)): \(reason)")
        }
        do {
            return try CNIError(json: JSONParser.parse(stdout))
        } catch {
            let why: String
            if let cni = error as? CNIError { why = cni.msg } else { why = "\(error)" }
            return CNIError(
                .internal, "netplugin failed but error parsing its diagnostic message \(goQuote(bytes: stdout)): \(why)")
        }
    }
}
