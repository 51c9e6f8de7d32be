import CNetlinkShim
import Glibc
import Posix
import SystemPackage

/// One stream socket of Go's `net/rpc` over HTTP (`rpc.DialHTTP`, `rpc.HandleHTTP`): an HTTP
/// CONNECT to `/_goRPC_` answered by `200 Connected to Go RPC`, then gob-encoded requests and
/// responses, each a header struct (`rpc.Request`, `rpc.Response`) followed by the body.
final class RPCConnection: GobSource {
    let descriptor: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var encoder = GobEncoder()
    private var decoder = GobDecoder()

    /// Takes ownership of `descriptor`.
    init(descriptor: Int32) { self.descriptor = descriptor }
    deinit { close(descriptor) }

    static let path = "/_goRPC_"
    static let connected = "200 Connected to Go RPC"

    /// `rpc.Request{ServiceMethod string, Seq uint64}`.
    static let requestType = GobType.structure("Request", [GobField("ServiceMethod", .string), GobField("Seq", .uint)])
    /// `rpc.Response{ServiceMethod string, Seq uint64, Error string}`.
    static let responseType = GobType.structure(
        "Response", [GobField("ServiceMethod", .string), GobField("Seq", .uint), GobField("Error", .string)])
    /// The body the server sends with an error (`invalidRequest`, an empty struct).
    static let emptyType = GobType.structure("", [])

    // MARK: Client side

    /// Connects to the unix socket at `path` and does the HTTP handshake.
    static func dial(_ path: String) throws(RPCError) -> RPCConnection {
        let connection = try connectOnly(path)
        do {
            try connection.write(Array("CONNECT \(Self.path) HTTP/1.0\n\n".utf8))
            let head = try connection.readHead()
            let status = head.first.map { $0.split(separator: " ", maxSplits: 1).dropFirst().first.map(String.init) ?? "" } ?? ""
            guard status == Self.connected else { throw RPCError(.protocol, "unexpected HTTP response: \(status)") }
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError(.protocol, "\(error)")
        }
        return connection
    }

    /// A connection to the unix socket at `path`, before any handshake.
    static func connectOnly(_ path: String) throws(RPCError) -> RPCConnection {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RPCError(.dial, "dial unix \(path): socket: \(errnoText())") }
        let connection = RPCConnection(descriptor: fd)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw RPCError(.dial, "dial unix \(path): socket path too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard status == 0 else { throw RPCError(.dial, "dial unix \(path): connect: \(errnoText())") }
        return connection
    }

    /// One call: sends the request and `args`, returns the reply body (or throws the server's
    /// error text as ``RPCError/Kind/server``).
    func call(_ method: String, args: GobValue, as argsType: GobType) throws -> GobValue {
        var out = encoder.encode(.structure(["ServiceMethod": .string(method), "Seq": .uint(0)]), as: Self.requestType)
        out += encoder.encode(args, as: argsType)
        try write(out)
        let response = try nextValue()
        let body = try nextValue()
        let error = response["Error"].stringValue
        if !error.isEmpty { throw RPCError(.server, error) }
        return body
    }

    // MARK: Server side

    /// Reads the HTTP request and answers it: the RPC handshake for `CONNECT /_goRPC_` (true),
    /// else the error Go's server gives (false; the caller closes).
    func acceptHandshake() throws -> Bool {
        let head = try readHead()
        let parts = head.first?.split(separator: " ") ?? []
        guard parts.count >= 2, parts[0] == "CONNECT" else {
            try write(Array("HTTP/1.0 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n405 must CONNECT\n".utf8))
            return false
        }
        guard parts[1] == Self.path else {
            try write(Array("HTTP/1.0 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n404 page not found\n".utf8))
            return false
        }
        try write(Array("HTTP/1.0 \(Self.connected)\n\n".utf8))
        return true
    }

    /// The next request's method and arguments; nil at the end of the stream.
    func readRequest() throws -> (method: String, seq: UInt64, args: GobValue)? {
        let header: GobValue
        do {
            header = try nextValue()
        } catch RPCError.endOfStream {
            return nil
        }
        let args = try nextValue()
        return (header["ServiceMethod"].stringValue, header["Seq"].uintValue, args)
    }

    /// Answers a request with `reply`, or with `error` and an empty body.
    func respond(method: String, seq: UInt64, reply: GobValue, as type: GobType, error: String?) throws {
        var header: [String: GobValue] = ["ServiceMethod": .string(method), "Seq": .uint(seq)]
        if let error { header["Error"] = .string(error) }
        var out = encoder.encode(.structure(header), as: Self.responseType)
        out += error == nil ? encoder.encode(reply, as: type) : encoder.encode(.structure([:]), as: Self.emptyType)
        try write(out)
    }

    /// The next value of the stream.
    private func nextValue() throws -> GobValue {
        var source = self
        return try decoder.decode(from: &source)
    }

    // MARK: Bytes

    func read(_ count: Int) throws -> [UInt8] {
        while buffer.count - position < count {
            if position > 0 {
                buffer.removeFirst(position)
                position = 0
            }
            var chunk = [UInt8](repeating: 0, count: max(4096, count))
            let n = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw RPCError(.io, "read: \(errnoText())") }
            guard n > 0 else { throw buffer.isEmpty ? RPCError.endOfStream : RPCError(.io, "unexpected EOF") }
            buffer += chunk[..<n]
        }
        defer { position += count }
        return Array(buffer[position..<position + count])
    }

    func write(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw RPCError(.io, "write: \(errnoText())") }
            done += n
        }
    }

    /// An HTTP head: lines up to the first empty one (`\n` or `\r\n` ends a line), at most 8 KiB.
    private func readHead() throws -> [Substring] {
        var text: [UInt8] = []
        while true {
            text += try read(1)
            if text.count > 8192 { throw RPCError(.protocol, "HTTP head too long") }
            if text.suffix(2) == [0x0A, 0x0A] || text.suffix(4) == [0x0D, 0x0A, 0x0D, 0x0A] { break }
        }
        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n").map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        return lines
    }
}

/// A failure of the plugin ↔ daemon protocol.
struct RPCError: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        /// The daemon's socket cannot be reached.
        case dial
        /// The server answered, with an error (its text, as `rpc.ServerError`).
        case server
        /// Not Go's net/rpc on the other end, or a stream that does not decode.
        case `protocol`
        case io
        case end
    }

    var kind: Kind
    var message: String
    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    static let endOfStream = RPCError(.end, "EOF")

    static func ~= (pattern: RPCError, error: any Error) -> Bool {
        (error as? RPCError)?.kind == pattern.kind
    }

    var description: String { message }
}

/// The text Go gives the errno (`no such file or directory`).
func errnoText(_ code: Int32 = errno) -> String { Errno(rawValue: code).goDescription }
