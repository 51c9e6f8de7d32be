import Foundation
import Glibc

/// A long-running helper of a test (a DHCP server, a daemon), started so that it holds nothing
/// of the test process and stays out of Foundation's child bookkeeping:
/// - it is spawned directly (posix_spawn), not with `Process`, whose child monitor handles one
///   exit at a time and would otherwise sit in a blocking wait for this child while the short
///   commands other tests run are never reaped;
/// - it closes every descriptor above stderr before it becomes the program (a child inherits
///   whatever is open in the test process, among them pipes of commands other tests are running,
///   which it would keep open for as long as it lives);
/// - its signal mask is cleared and SIGTERM/SIGINT/SIGPIPE/SIGHUP reset, so SIGTERM stops it
///   whatever the test process's threads block.
public final class Background: @unchecked Sendable {
    public let pid: pid_t
    private var exited = false

    static let launcher = "import os, sys\nos.closerange(3, os.sysconf('SC_OPEN_MAX'))\nos.execvp(sys.argv[1], sys.argv[1:])\n"

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `argv` with stdout and stderr appended to `log` (or discarded).
    public static func start(_ argv: [String], log: String? = nil) throws -> Background {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let out = log ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let args = ["/usr/bin/python3", "-c", launcher] + argv
        var cArgs = args.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, "/usr/bin/python3", &actions, &attributes, &cArgs, environ)
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EINVAL) }
        return Background(pid: pid)
    }

    /// True while the process has not ended.
    public var isRunning: Bool {
        if exited { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid || (r < 0 && errno == ECHILD) { exited = true }
        return !exited
    }

    /// Sends `signal` and waits (up to 5 s, then SIGKILL) for the process to end.
    public func stop(signal: Int32 = SIGTERM) {
        guard isRunning else { return }
        kill(pid, signal)
        for _ in 0..<500 {
            if !isRunning { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        exited = true
    }

    deinit { stop(signal: SIGKILL) }
}
