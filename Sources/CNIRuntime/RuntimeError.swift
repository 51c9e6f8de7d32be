import CNI

/// Why a runtime operation failed, worded as libcni words it so logs and scripts written against
/// upstream cnitool keep matching: `plugin type="ptp" failed (add): <plugin's message>`,
/// `no net configuration with name "x" in /etc/cni/net.d`, and so on.
///
/// When a plugin reported the failure, its CNI error (code, msg, details) is kept in ``cause``,
/// so a runtime can act on the code (11: try again later; 50/51 from STATUS).
public struct RuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The full message (several lines only for GC, which joins one error per failure).
    public var message: String
    /// The plugin's own error, when a plugin reported one.
    public var cause: CNIError?

    public init(_ message: String, cause: CNIError? = nil) {
        self.message = message
        self.cause = cause
    }

    public var description: String { message }

    /// A plugin's error, unwrapped (CHECK and STATUS report it as is, like libcni).
    static func plugin(_ error: CNIError) -> RuntimeError {
        RuntimeError(error.description, cause: error)
    }

    /// `<prefix>: <self>`, as Go's `fmt.Errorf("…: %w", err)`.
    func wrapped(_ prefix: String) -> RuntimeError {
        RuntimeError("\(prefix): \(message)", cause: cause)
    }

    /// Several errors as one, one per line (Go's `errors.Join`); nil when there are none.
    static func joined(_ errors: [RuntimeError]) -> RuntimeError? {
        guard !errors.isEmpty else { return nil }
        if errors.count == 1 { return errors[0] }
        return RuntimeError(errors.map(\.message).joined(separator: "\n"), cause: errors.first?.cause)
    }
}
