import CNetlinkShim
import CNI
import Glibc
import Posix
import SystemPackage

/// `dhcp daemon`: the long-running half of the dhcp plugin. It serves the plugin's calls on a
/// unix socket (Go's net/rpc over HTTP with gob, as the reference daemon, so either side can
/// be the reference's), acquires leases from inside each container's namespace, and keeps them
/// until DEL (``Lease``).
///
/// The socket is `-socketpath` (default /run/cni/dhcp.sock) under `-hostprefix`, or the one
/// systemd passes (socket activation, `LISTEN_FDS=1`). A stale socket file left by a daemon that
/// died is replaced; a live one is not. SIGTERM and SIGINT stop the daemon (the socket file it
/// made and the pidfile are removed); leases are not released then: containers keep their
/// addresses, and the next daemon takes the leases over from `-statedir`.
public enum DHCPDaemon {
    /// Runs the daemon when the command line asks for it, as the reference's binary is started:
    /// `dhcp daemon [flags]` (argv[0] named `dhcp`), or `<multi-call binary> dhcp daemon [flags]`.
    /// Returns when it is a plugin request instead.
    public static func runIfRequested(_ arguments: [String] = CommandLine.arguments) {
        guard let first = arguments.first else { return }
        let start = first.split(separator: "/").last == "dhcp" ? 1 : 2
        guard arguments.count > start, arguments[start] == "daemon", start == 1 || arguments[1] == "dhcp" else { return }
        main(Array(arguments.dropFirst(start + 1)))
    }

    /// Runs the daemon with the arguments after `daemon`; never returns.
    public static func main(_ arguments: [String]) -> Never {
        let options: DaemonOptions
        do {
            options = try DaemonOptions(arguments: arguments)
        } catch {
            let text = (error.help ? "" : "\(error.message)\n") + DaemonOptions.usage
            try? FileDescriptor.standardError.writeAll(Array(text.utf8))
            exit(error.help ? 0 : 2)
        }
        do {
            try run(options)
        } catch {
            DaemonLog.print("\(error)")
            exit(1)
        }
        exit(0)
    }

    static func run(_ options: DaemonOptions) throws {
        // Before any thread exists, so that every thread inherits it: the signals are read
        // from a signalfd by the accept loop, never delivered to a thread at random.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)
        let signalFD = signalfd(-1, &signals, Int32(SFD_CLOEXEC))
        guard signalFD >= 0 else { throw DHCPError(.failed, "signalfd: \(errnoText())") }

        if !options.pidfile.isEmpty {
            guard options.pidfile.hasPrefix("/") else {
                throw DHCPError(.failed, "Error writing pidfile \(goQuote(options.pidfile)): path not absolute")
            }
            let text = Array(String(getpid()).utf8)
            let fd = open(options.pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0, text.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == text.count else {
                throw DHCPError(.failed, "Error writing pidfile \(goQuote(options.pidfile)): \(errnoText())")
            }
            close(fd)
        }

        let socketPath = options.hostPrefix + options.socketPath
        let listener: Listener
        do {
            listener = try Listener.open(socketPath)
        } catch {
            throw DHCPError(.failed, "Error getting listener: \(error)")
        }
        let stateDir = options.stateDir.isEmpty ? "" : options.hostPrefix + options.stateDir
        let service = DHCPService(
            settings: ClientSettings(
                broadcast: options.broadcast, timeout: options.timeout, resendMax: options.resendMax,
                resendTimeout: options.resendTimeout),
            hostPrefix: options.hostPrefix, store: LeaseStore(directory: stateDir.isEmpty ? "/nonexistent" : stateDir))
        service.resume()
        DaemonLog.print("listening on \(listener.activated ? "the socket from systemd" : socketPath)")

        while true {
            var fds = [pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
            let n = poll(&fds, 2, -1)
            if n < 0 {
                if errno == EINTR { continue }
                throw DHCPError(.failed, "poll: \(errnoText())")
            }
            if fds[1].revents != 0 { break }
            guard fds[0].revents != 0 else { continue }
            let connection = accept(listener.descriptor, nil, nil)
            if connection >= 0 { _ = fcntl(connection, F_SETFD, FD_CLOEXEC) }
            guard connection >= 0 else {
                if errno != EINTR && errno != EAGAIN && errno != ECONNABORTED { DaemonLog.print("accept: \(errnoText())") }
                continue
            }
            DaemonThread.start { serve(RPCConnection(descriptor: connection), service) }
        }
        DaemonLog.print("stopping")
        if !listener.activated { unlink(socketPath) }
        if !options.pidfile.isEmpty { unlink(options.pidfile) }
    }

    /// One plugin connection: the HTTP handshake, then its calls, in order.
    static func serve(_ connection: RPCConnection, _ service: DHCPService) {
        do {
            guard try connection.acceptHandshake() else { return }
            while let request = try connection.readRequest() {
                let answer = service.handle(request.method, request.args)
                try connection.respond(method: request.method, seq: request.seq, reply: answer.reply, as: answer.type, error: answer.error)
            }
        } catch {
            DaemonLog.print("rpc: \(error)")
        }
    }
}

/// The daemon's listening socket.
struct Listener {
    let descriptor: Int32
    /// True when systemd made it (socket activation).
    let activated: Bool

    static func open(_ path: String) throws -> Listener {
        if let fd = try activatedSocket() { return Listener(descriptor: fd, activated: true) }
        var dir = ""
        for part in path.split(separator: "/").dropLast() {
            dir += "/" + part
            if mkdir(dir, 0o700) != 0 && errno != EEXIST { throw DHCPError(.failed, "mkdir \(dir): \(errnoText())") }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DHCPError(.failed, "listen unix \(path): socket: \(errnoText())") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw DHCPError(.failed, "listen unix \(path): socket path too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        func bindIt() -> Int32 {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        if bindIt() != 0 {
            guard errno == EADDRINUSE, !isListening(path) else {
                let text = errnoText()
                close(fd)
                throw DHCPError(.failed, "listen unix \(path): bind: \(text)\(errno == EADDRINUSE ? " (a daemon is listening there)" : "")")
            }
            // Left by a daemon that is gone: nobody answers on it.
            unlink(path)
            guard bindIt() == 0 else {
                let text = errnoText()
                close(fd)
                throw DHCPError(.failed, "listen unix \(path): bind: \(text)")
            }
        }
        guard listen(fd, 128) == 0 else {
            let text = errnoText()
            close(fd)
            throw DHCPError(.failed, "listen unix \(path): listen: \(text)")
        }
        return Listener(descriptor: fd, activated: false)
    }

    /// True when something accepts connections on the socket at `path`.
    private static func isListening(_ path: String) -> Bool {
        guard let connection = try? RPCConnection.connectOnly(path) else { return false }
        _ = connection
        return true
    }

    /// systemd's socket activation (sd_listen_fds): `LISTEN_PID` is us and `LISTEN_FDS` counts
    /// the descriptors from 3. The variables are cleared so that children do not see them.
    private static func activatedSocket() throws -> Int32? {
        guard let pid = getenv("LISTEN_PID").map({ String(cString: $0) }), Int32(pid) == getpid(),
            let count = getenv("LISTEN_FDS").map({ String(cString: $0) }).flatMap(Int.init)
        else { return nil }
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
        switch count {
        case 0: return nil
        case 1:
            _ = fcntl(3, F_SETFD, FD_CLOEXEC)
            return 3
        default: throw DHCPError(.failed, "Too many (\(count)) FDs passed through socket activation")
        }
    }
}
