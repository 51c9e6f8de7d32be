import Glibc
import SystemPackage

/// A client connection to a D-Bus message bus over its unix socket, speaking the wire protocol
/// itself: no libdbus, nothing loaded at start-up, and the handshake pipelined so that the first
/// method call costs one round trip (authentication, `BEGIN`, `Hello` and the call are written at
/// once, as sd-bus does).
///
///     let bus = try DBusConnection.systemBus()
///     let reply = try bus.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
///                              interface: "org.freedesktop.DBus", member: "GetNameOwner", [.string(name)])
///
/// Synchronous; not thread-safe.
public final class DBusConnection {
    private let fd: Int32
    private var serial: UInt32 = 0
    private var authenticated = false
    private var pending: [UInt8] = []
    private var received: [UInt8] = []
    /// How long to wait for a reply (firewalld answers in milliseconds; D-Bus's default is 25 s).
    public var timeoutMilliseconds: Int32 = 25_000

    /// The system bus: `DBUS_SYSTEM_BUS_ADDRESS` when set, else the well-known socket.
    public static func systemBus(address: String? = getenv("DBUS_SYSTEM_BUS_ADDRESS").map { String(cString: $0) })
        throws(DBusError) -> DBusConnection
    {
        try DBusConnection(address: address ?? "unix:path=/var/run/dbus/system_bus_socket")
    }

    /// Connects to the first `unix:` entry of a D-Bus address (`unix:path=…` or `unix:abstract=…`).
    public init(address: String) throws(DBusError) {
        guard let socketAddress = DBusAddress.unixSocket(in: address) else {
            throw DBusError(.unreachable, "no unix socket in D-Bus address \"\(address)\"")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DBusError(.unreachable, "socket", errno: Errno(rawValue: Glibc.errno)) }
        var sa = sockaddr_un()
        sa.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = socketAddress.bytes
        let capacity = MemoryLayout.size(ofValue: sa.sun_path)
        guard pathBytes.count < capacity else {
            close(fd)
            throw DBusError(.unreachable, "D-Bus socket path too long")
        }
        withUnsafeMutableBytes(of: &sa.sun_path) { raw in
            for (i, b) in pathBytes.enumerated() { raw[i] = b }
        }
        // An abstract name's length counts exactly; a path's includes its NUL.
        let length = MemoryLayout<sa_family_t>.size + pathBytes.count + (socketAddress.abstract ? 0 : 1)
        let rc = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(length)) }
        }
        guard rc == 0 else {
            let e = Errno(rawValue: Glibc.errno)
            close(fd)
            throw DBusError(.unreachable, "connect to \(socketAddress.description)", errno: e)
        }
        self.fd = fd
        // EXTERNAL authentication with our uid, in hex of its decimal digits; then straight on.
        let uid = String(getuid()).utf8.map { String($0, radix: 16) }.joined()
        pending = [0] + Array("AUTH EXTERNAL \(uid)\r\nBEGIN\r\n".utf8)
        pending += DBusMessage.call(
            serial: nextSerial(), destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
            interface: "org.freedesktop.DBus", member: "Hello", []
        ).encoded()
    }

    deinit { close(fd) }

    private func nextSerial() -> UInt32 {
        serial &+= 1
        return serial
    }

    /// Calls a method and returns the reply's body; a D-Bus error reply throws `.remote` with
    /// its name and message.
    public func call(
        destination: String, path: String, interface: String, member: String, _ arguments: [DBusValue] = []
    ) throws(DBusError) -> [DBusValue] {
        let message = DBusMessage.call(
            serial: nextSerial(), destination: destination, path: path, interface: interface, member: member, arguments)
        pending += message.encoded()
        try flush()
        if !authenticated { try readAuthentication() }
        while true {
            let reply = try readMessage()
            guard reply.replySerial == message.serial else { continue }  // Hello's reply, signals
            switch reply.kind {
            case .methodReturn: return reply.body
            case .error:
                throw DBusError(
                    .remote, reply.body.first?.stringValue ?? "", name: reply.errorName ?? "unknown error")
            default: continue
            }
        }
    }

    // MARK: I/O

    private func flush() throws(DBusError) {
        var offset = 0
        while offset < pending.count {
            let n = pending[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                let e = Errno(rawValue: Glibc.errno)
                if e == .interrupted { continue }
                throw DBusError(.protocolError, "write to the bus", errno: e)
            }
            offset += n
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Reads more bytes into `received`, waiting at most the timeout.
    private func fill() throws(DBusError) {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let n = poll(&pfd, 1, timeoutMilliseconds)
            if n > 0 { break }
            if n == 0 { throw DBusError(.protocolError, "no reply from the bus within \(timeoutMilliseconds) ms") }
            let e = Errno(rawValue: Glibc.errno)
            if e != .interrupted { throw DBusError(.protocolError, "poll the bus", errno: e) }
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { throw DBusError(.protocolError, "read from the bus", errno: Errno(rawValue: Glibc.errno)) }
        if n == 0 { throw DBusError(.protocolError, "the bus closed the connection") }
        received += buffer[0..<n]
    }

    /// The server's answer to AUTH: `OK <guid>` or a refusal.
    private func readAuthentication() throws(DBusError) {
        while true {
            if let end = received.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: received[..<end], as: UTF8.self)
                received.removeSubrange(...end)
                guard line.hasPrefix("OK") else {
                    throw DBusError(.authentication, "the bus refused EXTERNAL authentication: \(line)")
                }
                authenticated = true
                return
            }
            try fill()
        }
    }

    private func readMessage() throws(DBusError) -> DBusMessage {
        while true {
            if let length = try DBusMessage.length(of: received[...]), received.count >= length {
                let message = try DBusMessage(decoding: received[0..<length])
                received.removeSubrange(0..<length)
                return message
            }
            try fill()
        }
    }
}

/// The socket of a D-Bus address string (`unix:path=/run/dbus/system_bus_socket;…`).
struct DBusAddress: CustomStringConvertible {
    var bytes: [UInt8]
    var abstract: Bool

    var description: String { (abstract ? "@" : "") + String(decoding: bytes, as: UTF8.self) }

    /// The first `unix:` entry with `path=` or `abstract=`, its value unescaped (`%xx`).
    static func unixSocket(in address: String) -> DBusAddress? {
        for entry in address.split(separator: ";") where entry.hasPrefix("unix:") {
            for pair in entry.dropFirst(5).split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, kv[0] == "path" || kv[0] == "abstract" else { continue }
                return DBusAddress(bytes: unescape(kv[1]), abstract: kv[0] == "abstract")
            }
        }
        return nil
    }

    private static func unescape(_ text: Substring) -> [UInt8] {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%"), bytes.count >= 2,
                let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16)
            {
                out.append(v)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return out
    }
}
