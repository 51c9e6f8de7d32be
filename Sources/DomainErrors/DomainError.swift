/// The one shape of the errors a module defines for its own job (a plugin's `BridgeError`,
/// LinuxNet's `InterfaceError`, Firewall's `FirewallError`, …): a message naming the object,
/// the lower-level error it explains, and its ``ErrorKind``, from which the CNI layer alone
/// derives the code a runtime sees.
///
/// Lower-level errors (`NetlinkError` and `NFTError` with their errno and the kernel's extended
/// ack, `Errno`, `SysctlError`, `FileError`) are not domain errors: they travel as a ``cause``,
/// whole, and are never flattened into text before the message is printed.
///
/// A module declares its errors as a ``CodedError`` over an enum of its own reasons (what its
/// callers and tests match on, ``ErrorCode``), classifying each reason once, where it is defined;
/// an error with more to carry (an errno, a path) adopts this protocol directly.
public protocol DomainError: Error, CustomStringConvertible {
    /// The classification the CNI code is derived from.
    var kind: ErrorKind { get }
    /// What failed, naming the object (`could not add bridge "cni0"`).
    var message: String { get }
    /// The error this one explains, when there is one.
    var cause: (any Error)? { get }
}

extension DomainError {
    public var cause: (any Error)? { nil }

    /// `message`, then `: ` and the cause's own description when there is a cause.
    public var description: String {
        guard let cause else { return message }
        return "\(message): \(cause)"
    }
}
