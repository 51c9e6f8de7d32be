import CNITestSupport
import Foundation

/// A throwaway node for the portmap tests: a "host" namespace with a dual-stack bridge network, and
/// containers wired into it by our bridge + host-local, each with its prevResult
/// (`CNI_IFACE_BIN=/usr/lib/cni` runs the same tests over Debian's bridge; our host-local stays first
/// on CNI_PATH). Everything lives in the namespaces and a temporary directory, deleted by `close()`.
final class PortMapNetwork {
    let host: TestNamespace
    var containers: [TestNamespace] = []
    var results: [String] = []
    let dataDir: String
    let network: String
    let interfaceBin: String
    private var servers: [Process] = []
    private var closed = false

    static let subnet4 = "10.66.0", subnet6 = "fd00:66::"
    /// The host's addresses on the bridge (the gateways).
    static let gateway4 = "10.66.0.1", gateway6 = "fd00:66::1"

    init(containers count: Int, network: String = "pmnet") throws {
        self.network = network
        let configured = ProcessInfo.processInfo.environment["CNI_IFACE_BIN"] ?? ""
        interfaceBin = configured.isEmpty ? Binaries.directory : configured
        host = try TestNamespace("pm")
        dataDir = NSTemporaryDirectory() + "swcni-pm-" + UUID().uuidString
        do {
            // No DAD in the throwaway host, so the bridge's IPv6 gateway is usable at once.
            for key in ["net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"] {
                try host.check(["sysctl", "-qw", key])
            }
            for i in 0..<count {
                let ns = try TestNamespace("pmc")
                containers.append(ns)
                let out = try interfacePlugin("ADD", ns, id: "ctr\(i)")
                guard out.succeeded else { throw TestFailure("bridge ADD failed: \(out.stdout)\(out.stderr)") }
                results.append(out.stdout)
            }
        } catch {
            close()
            throw error
        }
    }

    /// The bridge network's config, with masquerading as on a real node (hairpin mode: with
    /// br_netfilter loaded, a DNATed packet back to the port it came from is bridged out of that
    /// same port).
    var bridgeConfig: String {
        #"""
        {"cniVersion":"1.0.0","name":"\#(network)","type":"bridge","bridge":"cnipm0","isGateway":true,"ipMasq":true,"hairpinMode":true,
         "ipam":{"type":"host-local","ranges":[[{"subnet":"\#(Self.subnet4).0/24"}],[{"subnet":"\#(Self.subnet6)/64"}]],"dataDir":"\#(dataDir)"}}
        """#
    }

    @discardableResult
    func interfacePlugin(_ verb: String, _ ns: TestNamespace, id: String) throws -> CommandOutput {
        try PluginRunner(binary: interfaceBin + "/bridge", host: host, cniPath: Binaries.directory + ":" + interfaceBin)
            .run(verb, config: bridgeConfig, netns: ns.path, containerID: id)
    }

    /// A portmap config chained after the bridge for container `i`.
    func portmapConfig(_ i: Int, mappings: String?, extra: String = "", prev: Bool = true, version: String = "1.0.0") -> String {
        var text = #"{"cniVersion":"\#(version)","name":"\#(network)","type":"portmap","capabilities":{"portMappings":true}"#
        if let mappings { text += #","runtimeConfig":{"portMappings":\#(mappings)}"# }
        if prev { text += #","prevResult":\#(results[i])"# }
        return text + extra + "}"
    }

    /// Runs a portmap binary (ours by default) for container `i`.
    @discardableResult
    func portmap(
        _ verb: String, _ i: Int, config: String, binary: String = Binaries.path("portmap"), extra: [String: String] = [:]
    ) throws -> CommandOutput {
        try PluginRunner(binary: binary, host: host, cniPath: Binaries.directory)
            .run(verb, config: config, netns: containers[i].path, containerID: "ctr\(i)", extra: extra)
    }

    /// The container's address of a family, from its prevResult.
    func address(_ i: Int, v6: Bool = false) -> String {
        let ips = jsonObject(results[i])?["ips"] as? [[String: Any]] ?? []
        let cidr = ips.compactMap { $0["address"] as? String }.first { $0.contains(":") == v6 } ?? ""
        return String(cidr.split(separator: "/").first ?? "")
    }

    // MARK: traffic

    /// A TCP server answering "<greeting> <peer>" on each port of `tcp`, and a UDP echo answering
    /// "echo <data> <peer>" on each port of `udp`, in container `i` (both families).
    func serve(_ i: Int, tcp: [Int], udp: [Int], greeting: String = "hello") throws {
        let script = #"""
            import socket, sys, threading
            GREETING = sys.argv[1]
            def peer(a): return a[0][7:] if a[0].startswith("::ffff:") else a[0]
            def tcp(port):
                s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                s.bind(("::", port)); s.listen(64)
                def serve():
                    while True:
                        c, a = s.accept(); c.sendall(("%s %s\n" % (GREETING, peer(a))).encode()); c.close()
                return serve
            def udp(port):
                s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                s.bind(("::", port))
                def serve():
                    while True:
                        d, a = s.recvfrom(2048); s.sendto(b"echo " + d + b" " + peer(a).encode(), a)
                return serve
            # Every socket is bound before "ready".
            servers = [(tcp if kind == "t" else udp)(int(port)) for kind, port in (spec.split(":") for spec in sys.argv[2:])]
            for serve in servers:
                threading.Thread(target=serve, daemon=True).start()
            print("ready", flush=True)
            threading.Event().wait()
            """#
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        p.arguments = ["--net=\(containers[i].path)", "--", "/usr/bin/python3", "-c", script, greeting]
            + tcp.map { "t:\($0)" } + udp.map { "u:\($0)" }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        servers.append(p)
        _ = out.fileHandleForReading.availableData  // "ready": every socket is bound
    }

    /// Connects from `ns` to `address:port` over TCP and returns the server's line, or the error.
    func tcp(from ns: TestNamespace, _ address: String, _ port: Int) throws -> String {
        try client(ns, """
            s = socket.create_connection((\(quoted(address)), \(port)), timeout=3)
            print(s.recv(200).decode().strip())
            """)
    }

    /// Sends "ping" from `ns` to `address:port` over UDP and returns the answer, or the error.
    func udp(from ns: TestNamespace, _ address: String, _ port: Int) throws -> String {
        try client(ns, """
            s = socket.socket(socket.AF_INET6 if ":" in \(quoted(address)) else socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(3); s.sendto(b"ping", (\(quoted(address)), \(port)))
            print(s.recvfrom(200)[0].decode())
            """)
    }

    private func quoted(_ s: String) -> String { "\"\(s)\"" }

    private func client(_ ns: TestNamespace, _ body: String) throws -> String {
        let script = "import socket\ntry:\n" + body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
            + "\nexcept Exception as e:\n    print('error:', type(e).__name__)\n"
        return try ns.run(["/usr/bin/python3", "-c", script]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func close() {
        guard !closed else { return }
        closed = true
        for p in servers where p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        servers.removeAll()
        for (i, ns) in containers.enumerated() { _ = try? interfacePlugin("DEL", ns, id: "ctr\(i)") }
        containers.forEach { $0.delete() }
        host.delete()
        try? FileManager.default.removeItem(atPath: dataDir)
    }

    deinit { close() }
}

/// Makes a PortMapNetwork, runs `body`, and closes it whether `body` throws or not.
func withPortMapNetwork<T>(containers: Int, _ body: (PortMapNetwork) throws -> T) throws -> T {
    let net = try PortMapNetwork(containers: containers)
    defer { net.close() }
    return try body(net)
}
