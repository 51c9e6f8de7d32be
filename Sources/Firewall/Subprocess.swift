import Glibc
import SystemPackage

/// What a finished child process printed and how it exited.
struct SubprocessResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    var succeeded: Bool { status == 0 }
}

/// Runs a program with posix_spawn (no shell, no Foundation), feeding `input` on stdin and collecting
/// stdout and stderr concurrently through poll(2), so neither side can block on a full pipe.
///
/// The child inherits the calling thread's network namespace (the spawn clones the calling thread),
/// which is how iptables-restore ends up working on the namespace the caller is in.
enum Subprocess {
    static func run(_ path: String, _ arguments: [String], input: [UInt8] = []) throws(FirewallError) -> SubprocessResult {
        let what = ([path] + arguments).joined(separator: " ")
        // Socket pairs rather than pipes: writing to a child that already exited then fails with EPIPE
        // (send with MSG_NOSIGNAL) instead of killing us with SIGPIPE, and SOCK_CLOEXEC needs no _GNU_SOURCE
        // (pipe2 does). The child's ends are dup'ed onto 0, 1 and 2, which clears close-on-exec for them.
        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, kind, 0, &stdinPipe) == 0, socketpair(AF_UNIX, kind, 0, &stdoutPipe) == 0,
            socketpair(AF_UNIX, kind, 0, &stderrPipe) == 0
        else {
            let e = Errno(rawValue: errno)
            for fd in stdinPipe + stdoutPipe + stderrPipe where fd >= 0 { close(fd) }
            throw FirewallError(.spawn, "create pipes for \(what)", errno: e)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard spawned == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw FirewallError(.spawn, "start \(what)", errno: Errno(rawValue: spawned))
        }

        let (out, err) = pump(input: input, stdin: stdinPipe[1], stdout: stdoutPipe[0], stderr: stderrPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw FirewallError(.spawn, "wait for \(what)", errno: Errno(rawValue: errno)) }
        }
        // WIFEXITED / WEXITSTATUS; a signal shows as 128 + signal, as in a shell.
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return SubprocessResult(
            status: exit, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// Writes `input` to the child's stdin and reads its stdout and stderr until both close.
    private static func pump(input: [UInt8], stdin: Int32, stdout: Int32, stderr: Int32) -> ([UInt8], [UInt8]) {
        var out: [UInt8] = [], err: [UInt8] = []
        var written = 0
        var inFD = stdin, outFD = stdout, errFD = stderr
        if input.isEmpty {
            close(inFD)
            inFD = -1
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while inFD >= 0 || outFD >= 0 || errFD >= 0 {
            var fds = [
                pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0),
                pollfd(fd: outFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: errFD, events: Int16(POLLIN), revents: 0),
            ]
            // poll ignores negative fds.
            if poll(&fds, 3, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            if inFD >= 0, fds[0].revents != 0 {
                let n = input.withUnsafeBytes { send(inFD, $0.baseAddress! + written, $0.count - written, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
                if n > 0 { written += n }
                if n < 0 && errno != EINTR && errno != EAGAIN || written == input.count {
                    close(inFD)
                    inFD = -1
                }
            }
            for (index, target) in [(1, 0), (2, 1)] where fds[index].revents != 0 {
                let fd = index == 1 ? outFD : errFD
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if target == 0 { out += chunk[0..<n] } else { err += chunk[0..<n] }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(fd)
                    if index == 1 { outFD = -1 } else { errFD = -1 }
                }
            }
        }
        return (out, err)
    }
}
