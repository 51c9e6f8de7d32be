import Foundation

/// A TCP server in a test namespace that answers every connection with the source address it saw:
/// how masquerade tests tell whether a container's connection left with the host's address.
/// Port 7777; only ever reached from namespaces the test made.
public enum PeerEcho {
    public static let port = 7777

    static let server = """
        import socket, sys
        family = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((sys.argv[1], 7777))
        s.listen(8)
        s.settimeout(30)
        while True:
            c, peer = s.accept()
            c.sendall(peer[0].encode())
            c.close()
        """

    static let client = """
        import socket, sys
        try:
            s = socket.create_connection((sys.argv[1], 7777), timeout=float(sys.argv[2]))
            print(s.recv(100).decode())
        except OSError as e:
            print("failed:", e)
        """

    /// Starts one server per address in `ns` and returns once all are listening; stop them with
    /// ``stop(_:)`` (in a `defer`).
    public static func start(in ns: TestNamespace, on addresses: [String]) throws -> [Process] {
        var servers: [Process] = []
        for address in addresses {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            p.arguments = ["--net=\(ns.path)", "--", "/usr/bin/python3", "-c", server, address]
            try p.run()
            servers.append(p)
        }
        do {
            try poll("echo servers listening on \(addresses) in \(ns.name)") {
                let listening = try ns.check(["ss", "-Htln"])
                return addresses.allSatisfy { listening.contains($0.contains(":") ? "[\($0)]:\(port)" : "\($0):\(port)") }
            }
        } catch {
            stop(servers)
            throw error
        }
        return servers
    }

    public static func stop(_ servers: [Process]) {
        for p in servers {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
    }

    /// Connects from `ns` to `address`:7777 and returns what the server saw as the source address,
    /// or a line starting with "failed" when no connection came through within `timeout` seconds.
    public static func connect(from ns: TestNamespace, to address: String, timeout: Double = 3) throws -> String {
        try ns.check(["/usr/bin/python3", "-c", client, address, String(timeout)])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
