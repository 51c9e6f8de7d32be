import CNI
import CNITestSupport
import Foundation
import Glibc
import NetAddress
import Testing

@testable import DHCP

/// The plugin ↔ daemon protocol against the reference's Go binaries, without any network:
/// Debian's dhcp plugin calling a server made of our RPC code, our plugin calling Debian's
/// daemon, and our daemon serving Debian's plugin. Go's net/rpc and gob on one side, ours on
/// the other, both ways.
@Suite(.serialized) struct DHCPProtocolTests {
    static let reference = Binaries.referenceDirectory + "/dhcp"
    static var referenceAvailable: Bool { FileManager.default.isExecutableFile(atPath: reference) }

    /// A temporary directory for sockets (short paths: sun_path holds 108 bytes).
    final class Dir: @unchecked Sendable {
        let path = "/tmp/swcni-dhcp-\(UInt32.random(in: 0...UInt32.max))"
        init() { mkdir(path, 0o700) }
        deinit { _ = try? FileManager.default.removeItem(atPath: path) }
    }

    static func config(_ socket: String, version: String = "1.0.0", extra: String = "") -> String {
        #"{"cniVersion":"\#(version)","name":"dnet","type":"macvlan"\#(extra),"ipam":{"type":"dhcp","daemonSocketPath":"\#(socket)"}}"#
    }

    static func run(_ binary: String, _ command: String, _ config: String, netns: String = "/var/run/netns/none", args: String? = nil) throws -> CommandOutput {
        try PluginRunner(binary: binary, cniPath: "/opt/cni/bin").run(command, config: config, netns: netns, containerID: "ctr1", args: args)
    }

    /// Serves one connection on `path` with our RPC code: `answer` decides the reply.
    static func serveOnce(_ path: String, _ answer: @escaping @Sendable (String, CNIMessages.Request) -> (GobValue, GobType, String?)) throws -> Thread {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        #expect(bound == 0 && listen(fd, 1) == 0)
        let thread = Thread {
            let connection = accept(fd, nil, nil)
            close(fd)
            guard connection >= 0 else { return }
            let rpc = RPCConnection(descriptor: connection)
            guard (try? rpc.acceptHandshake()) == true, let request = try? rpc.readRequest() else { return }
            let (reply, type, error) = answer(request.method, CNIMessages.Request(request.args))
            try? rpc.respond(method: request.method, seq: request.seq, reply: reply, as: type, error: error)
        }
        thread.start()
        return thread
    }

    @Test(.enabled(if: referenceAvailable)) func referencePluginTalksToOurServer() throws {
        let dir = Dir()
        let socket = dir.path + "/d.sock"
        let seen = Box()
        var result = CNIResult(cniVersion: "")
        result.ips = [.init(address: IPNetwork("10.77.0.20/24")!, gateway: IPAddress("10.77.0.1"))]
        result.routes = [.init(dst: IPNetwork("0.0.0.0/0")!, gw: IPAddress("10.77.0.1")), .init(dst: IPNetwork("10.99.0.0/16")!, gw: IPAddress("0.0.0.0"), scope: 253)]
        let reply = CNIMessages.gob(result)
        _ = try Self.serveOnce(socket) { method, request in
            seen.set(method, request)
            return (reply, CNIMessages.resultType, nil)
        }
        let out = try Self.run(Self.reference, "ADD", Self.config(socket), netns: "relative/ns", args: "IgnoreUnknown=1;K8S_POD_NAME=web")
        #expect(out.succeeded, "\(out.stdout)\(out.stderr)")
        // Debian's libcni (1.1) has no route scope: the rest comes through.
        #expect(jsonObject(out.stdout)?["ips"] as? [[String: String]] == [["address": "10.77.0.20/24", "gateway": "10.77.0.1"]])
        #expect((jsonObject(out.stdout)?["routes"] as? [[String: String]])?.last == ["dst": "10.99.0.0/16", "gw": "0.0.0.0"])
        #expect(jsonObject(out.stdout)?["cniVersion"] as? String == "1.0.0")
        let (method, request) = try #require(seen.get())
        #expect(method == "DHCP.Allocate" && request.containerID == "ctr1" && request.ifName == "eth0")
        #expect(request.netns == FileManager.default.currentDirectoryPath + "/relative/ns")
        #expect(request.args == "IgnoreUnknown=1;K8S_POD_NAME=web" && request.path == "/opt/cni/bin")
        #expect(String(decoding: request.stdin, as: UTF8.self) == Self.config(socket))

        // A server error comes through as the plugin's message.
        unlink(socket)
        _ = try Self.serveOnce(socket) { _, _ in (.none, CNIMessages.emptyType, "no DHCP lease for eth0") }
        let failed = try Self.run(Self.reference, "DEL", Self.config(socket))
        #expect(jsonObject(failed.stdout)?["msg"] as? String == "error calling DHCP.Release: no DHCP lease for eth0")
    }

    @Test(.enabled(if: referenceAvailable)) func ourPluginTalksToTheReferenceDaemon() throws {
        let dir = Dir()
        let socket = dir.path + "/ref.sock"
        let daemon = try Background.start([Self.reference, "daemon", "-socketpath", socket])
        defer { daemon.stop() }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: socket) { Thread.sleep(forTimeInterval: 0.01) }
        let ours = Binaries.path("dhcp")
        // DEL of an attachment it has no lease for: an empty reply.
        let del = try Self.run(ours, "DEL", Self.config(socket))
        #expect(del.succeeded, "\(del.stdout)\(del.stderr)")
        // ADD into a namespace that does not exist: the Go daemon's error, passed on.
        let add = try Self.run(ours, "ADD", Self.config(socket), netns: "/var/run/netns/swcni-none")
        #expect(jsonObject(add.stdout)?["code"] as? Int == 999)
        #expect((jsonObject(add.stdout)?["msg"] as? String)?.hasPrefix("error calling DHCP.Allocate: ") == true)
        // GC: the reference daemon has no such call, so nothing is collected; STATUS: reachable.
        #expect(try Self.run(ours, "GC", Self.config(socket, version: "1.1.0")).succeeded)
        #expect(try Self.run(ours, "STATUS", Self.config(socket, version: "1.1.0")).succeeded)
    }

    @Test(.enabled(if: referenceAvailable)) func referencePluginTalksToOurDaemon() throws {
        let dir = Dir()
        let socket = dir.path + "/d.sock"
        let daemon = try Background.start([Binaries.path("dhcp"), "daemon", "-socketpath", socket, "-statedir", dir.path + "/state", "-pidfile", dir.path + "/pid"])
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: socket) { Thread.sleep(forTimeInterval: 0.01) }
        #expect(try String(contentsOfFile: dir.path + "/pid", encoding: .utf8) == String(daemon.pid))
        let del = try Self.run(Self.reference, "DEL", Self.config(socket))
        #expect(del.succeeded, "\(del.stdout)\(del.stderr)")
        let add = try Self.run(Self.reference, "ADD", Self.config(socket), netns: "/var/run/netns/swcni-none")
        #expect((jsonObject(add.stdout)?["msg"] as? String)?.contains("network namespace /var/run/netns/swcni-none is gone") == true, "\(add.stdout)")
        // SIGTERM: the daemon removes its socket and pidfile.
        daemon.stop()
        #expect(!FileManager.default.fileExists(atPath: socket) && !FileManager.default.fileExists(atPath: dir.path + "/pid"))
    }

    @Test func ourPluginWithoutADaemon() throws {
        let dir = Dir()
        let socket = dir.path + "/none.sock"
        let ours = Binaries.path("dhcp")
        let add = try Self.run(ours, "ADD", Self.config(socket))
        #expect(jsonObject(add.stdout)?["code"] as? Int == 11)
        #expect(jsonObject(add.stdout)?["msg"] as? String == "error dialing DHCP daemon: dial unix \(socket): connect: no such file or directory")
        let status = try Self.run(ours, "STATUS", Self.config(socket, version: "1.1.0"))
        #expect(jsonObject(status.stdout)?["code"] as? Int == 50)
        // A bad option is the config's fault, found before the daemon is called.
        let bad = try Self.run(ours, "ADD", Self.config(socket).replacingOccurrences(of: #""type":"dhcp""#, with: #""type":"dhcp","request":[{"option":"nope"}]"#))
        #expect(jsonObject(bad.stdout)?["code"] as? Int == 7)
    }

    @Test func daemonRefusesBadFlagsAndALiveSocket() throws {
        let dir = Dir()
        let bad = try Command.run([Binaries.path("dhcp"), "daemon", "-nope"])
        #expect(bad.status == 2 && bad.stderr.hasPrefix("flag provided but not defined: -nope\nUsage of daemon:\n"))
        let relative = try Command.run([Binaries.path("dhcp"), "daemon", "-pidfile", "p", "-socketpath", dir.path + "/x.sock"])
        #expect(relative.status == 1 && relative.stderr.contains(#"Error writing pidfile "p": path not absolute"#))
        // A socket someone listens on is not taken; a stale one is replaced.
        let socket = dir.path + "/d.sock"
        let first = try Background.start([Binaries.path("dhcp"), "daemon", "-socketpath", socket, "-statedir", dir.path + "/state"])
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: socket) { Thread.sleep(forTimeInterval: 0.01) }
        let second = try Command.run([Binaries.path("dhcp"), "daemon", "-socketpath", socket, "-statedir", dir.path + "/state"])
        #expect(second.status == 1 && second.stderr.contains("a daemon is listening there"))
        first.stop(signal: SIGKILL)
        #expect(FileManager.default.fileExists(atPath: socket))  // left behind by the killed daemon
        let third = try Background.start([Binaries.path("dhcp"), "daemon", "-socketpath", socket, "-statedir", dir.path + "/state"])
        defer { third.stop() }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(try Self.run(Binaries.path("dhcp"), "STATUS", Self.config(socket, version: "1.1.0")).succeeded)
    }

    /// As systemd starts it (conf/systemd): the socket made by the socket unit arrives as fd 3
    /// with LISTEN_PID/LISTEN_FDS; the daemon serves on it and leaves it in place when it stops.
    @Test func socketActivation() throws {
        let dir = Dir()
        let socket = dir.path + "/activated.sock"
        let activate = """
            import os, socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(sys.argv[1]); s.listen(16)
            os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
            os.environ["LISTEN_PID"] = str(os.getpid()); os.environ["LISTEN_FDS"] = "1"
            os.execv(sys.argv[2], [sys.argv[2], "daemon", "-statedir", sys.argv[3], "-socketpath", sys.argv[4]])
            """
        let daemon = try Background.start(
            ["python3", "-c", activate, socket, Binaries.path("dhcp"), dir.path + "/state", dir.path + "/unused.sock"], log: dir.path + "/log")
        for _ in 0..<300 where !((try? String(contentsOfFile: dir.path + "/log", encoding: .utf8))?.contains("listening") ?? false) {
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(try Self.run(Binaries.path("dhcp"), "STATUS", Self.config(socket, version: "1.1.0")).succeeded)
        #expect(try Self.run(Binaries.path("dhcp"), "DEL", Self.config(socket)).succeeded)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/unused.sock"))
        daemon.stop()
        #expect(FileManager.default.fileExists(atPath: socket))  // systemd's to remove
    }

    /// The unit files, checked by systemd itself with the plugin path pointing at this build.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"))) func systemdUnitsVerify() throws {
        let dir = Dir()
        let units = Binaries.packageRoot + "/conf/systemd"
        let service = try String(contentsOfFile: units + "/cni-dhcp.service", encoding: .utf8)
        #expect(service.contains("ExecStart=/usr/libexec/cni/dhcp daemon\n"))
        try service.replacingOccurrences(of: "/usr/libexec/cni/dhcp", with: Binaries.path("dhcp"))
            .write(toFile: dir.path + "/cni-dhcp.service", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: units + "/cni-dhcp.socket", toPath: dir.path + "/cni-dhcp.socket")
        let socketUnit = try String(contentsOfFile: units + "/cni-dhcp.socket", encoding: .utf8)
        #expect(socketUnit.contains("ListenStream=/run/cni/dhcp.sock\n"))
        let out = try Command.run(["/usr/bin/systemd-analyze", "verify", "--man=no", dir.path + "/cni-dhcp.service", dir.path + "/cni-dhcp.socket"])
        #expect(out.succeeded, "\(out.stdout)\(out.stderr)")
    }

    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var value: (String, CNIMessages.Request)?
        func set(_ m: String, _ r: CNIMessages.Request) { lock.withLock { value = (m, r) } }
        func get() -> (String, CNIMessages.Request)? {
            for _ in 0..<100 {
                if let v = lock.withLock({ value }) { return v }
                Thread.sleep(forTimeInterval: 0.01)
            }
            return nil
        }
    }
}
