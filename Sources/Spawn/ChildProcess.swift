import CNetlinkShim
import Glibc
import Posix
import SystemPackage

/// One run of a child process with posix_spawn (no shell, no Foundation): stdin fed from memory,
/// stdout and stderr captured, all three pumped through one poll loop so neither side can block
/// the other on a full pipe. Delegated plugins (CNI's `ExecPluginInvoker`, which the runtime
/// uses too) run through it, and so do the firewall's iptables-save/iptables-restore and the
/// tests' commands.
///
/// The child inherits the calling thread's network namespace (the spawn clones the calling
/// thread), nothing of ours but stdin, stdout and stderr, default signal handling and an empty
/// signal mask. A child that exits without reading its stdin is no error, and never raises
/// SIGPIPE in this process.
public enum ChildProcess {
    /// How the child ended.
    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)

        /// The exit status as a shell reports it: the code, or 128 + the signal.
        public var status: Int32 {
            switch self {
            case .exited(let code): return code
            case .signaled(let sig): return 128 + sig
            }
        }

        /// As Go's `exec.ExitError` prints it: `exit status 1`, `signal: killed`.
        public var goDescription: String {
            switch self {
            case .exited(let code): return "exit status \(code)"
            case .signaled(let sig):
                guard let text = strsignal(sig) else { return "signal: \(sig)" }
                return "signal: " + lowercasedFirst(String(cString: text))
            }
        }
    }

    public struct Output: Sendable {
        public var termination: Termination
        public var stdout: [UInt8]
        public var stderr: [UInt8]

        public init(termination: Termination, stdout: [UInt8] = [], stderr: [UInt8] = []) {
            self.termination = termination
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// A failure before the child ran (`posix_spawn` reports exec errors, ETXTBSY included).
    public struct SpawnError: Error, Sendable {
        public var errno: Int32
        /// As Go words it: `fork/exec /path: permission denied`.
        public var goDescription: String

        public init(errno: Int32, goDescription: String) {
            self.errno = errno
            self.goDescription = goDescription
        }
    }

    /// Runs `path` with `arguments` (argv[0] is `path`), `input` on stdin, and `environment`
    /// (`K=V` entries; nil: this process's), and waits for it.
    public static func run(
        path: String, arguments: [String] = [], stdin input: [UInt8] = [], environment: [String]? = nil
    ) throws(SpawnError) -> Output {
        var inPipe: [Int32] = [-1, -1]
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        func closeAll() {
            for fd in inPipe + outPipe + errPipe where fd >= 0 { close(fd) }
        }
        // Close-on-exec from the start (pipe2, not pipe + fcntl): a child spawned at the same moment
        // from another thread (bridge DEL runs iptables-restore beside IPAM's exec) must never
        // inherit our ends, or our reads would wait for that child's exit. The child's own ends
        // lose the flag when dup2'ed onto 0, 1 and 2.
        func cloexecPipe(_ fds: inout [Int32]) -> Bool { cni_pipe2(&fds, O_CLOEXEC) == 0 }
        guard cloexecPipe(&inPipe), cloexecPipe(&outPipe), cloexecPipe(&errPipe) else {
            let e = errno
            closeAll()
            throw SpawnError(errno: e, goDescription: "pipe: \(Errno(rawValue: e).goDescription)")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        // The child starts with default signal handling and no blocked signals, whatever the
        // caller (a runtime that ignores SIGPIPE, this thread's mask below) has set.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attr, &emptyMask)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var pid: pid_t = 0
        let rc = withCStrings([path] + arguments) { argv in
            guard let environment else { return posix_spawn(&pid, path, &actions, &attr, argv, environ) }
            return withCStrings(environment) { envp in posix_spawn(&pid, path, &actions, &attr, argv, envp) }
        }
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        inPipe[0] = -1
        outPipe[1] = -1
        errPipe[1] = -1
        guard rc == 0 else {
            closeAll()
            throw SpawnError(errno: rc, goDescription: "fork/exec \(path): \(Errno(rawValue: rc).goDescription)")
        }

        let (stdout, stderr) = pump(input: input, to: inPipe[1], from: outPipe[0], errPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let termSignal = status & 0x7F
        let termination: Termination = termSignal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(termSignal)
        return Output(termination: termination, stdout: stdout, stderr: stderr)
    }

    /// Writes `input` and reads both outputs until all three pipes are done. Closes the fds.
    private static func pump(input: [UInt8], to inFD: Int32, from outFD: Int32, _ errFD: Int32) -> ([UInt8], [UInt8]) {
        // A child that exits without reading stdin makes our write raise SIGPIPE. The signal goes
        // to this thread, so block it here (not process-wide) and discard it afterwards.
        var pipeSet = sigset_t()
        sigemptyset(&pipeSet)
        sigaddset(&pipeSet, SIGPIPE)
        var oldMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSet, &oldMask)
        defer {
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&pipeSet, nil, &zero) > 0 {}
            pthread_sigmask(SIG_SETMASK, &oldMask, nil)
        }

        var fds = [inFD, outFD, errFD]
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var collected: [[UInt8]] = [[], [], []]
        var written = 0
        if input.isEmpty {
            close(fds[0])
            fds[0] = -1
        }
        // Only read(2) writes it, and only what it wrote is copied out: not zero-filled.
        var buffer = [UInt8](unsafeUninitializedCapacity: 65536) { _, count in count = 65536 }
        while fds.contains(where: { $0 >= 0 }) {
            var polls = fds.enumerated().filter { $0.element >= 0 }.map { (i, fd) in
                pollfd(fd: fd, events: Int16(i == 0 ? POLLOUT : POLLIN), revents: 0)
            }
            if poll(&polls, nfds_t(polls.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for p in polls where p.revents != 0 {
                let slot = fds.firstIndex(of: p.fd)!
                if slot == 0 {
                    let n = input.withUnsafeBytes { write(p.fd, $0.baseAddress! + written, $0.count - written) }
                    if n > 0 { written += n }
                    if written == input.count || (n < 0 && errno != EAGAIN && errno != EINTR) {
                        close(p.fd)  // all written, or the child stopped reading (EPIPE)
                        fds[0] = -1
                    }
                } else {
                    let n = read(p.fd, &buffer, buffer.count)
                    if n > 0 {
                        collected[slot].append(contentsOf: buffer[0..<n])
                    } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                        close(p.fd)
                        fds[slot] = -1
                    }
                }
            }
        }
        for fd in fds where fd >= 0 { close(fd) }
        return (collected[1], collected[2])
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for p in pointers { free(p) } }
        return body(pointers)
    }

    private static func lowercasedFirst(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.lowercased() + s.dropFirst()
    }
}
