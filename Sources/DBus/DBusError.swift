import SystemPackage

/// A failed D-Bus exchange: the bus could not be reached, refused us, spoke something else, or
/// the called service answered with an error (`name` is its D-Bus error name, `message` its text).
public struct DBusError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Hashable {
        /// No bus at the address (no socket, nobody listening): the service is not there.
        case unreachable
        /// The bus refused our authentication.
        case authentication
        /// Bytes that are not D-Bus, or a reply that never came.
        case protocolError
        /// The called method answered with an error.
        case remote
    }

    public var kind: Kind
    public var message: String
    /// For `.remote`: the error's name (`org.freedesktop.DBus.Error.NameHasNoOwner`).
    public var name: String?
    public var errno: Errno?

    public init(_ kind: Kind, _ message: String, name: String? = nil, errno: Errno? = nil) {
        self.kind = kind
        self.message = message
        self.name = name
        self.errno = errno
    }

    public var description: String {
        var text = message
        if let name { text = "\(name): \(text)" }
        if let errno { text += ": \(errno)" }
        return text
    }
}
