import DomainErrors

/// A JSON document that does not read as the Go type it is meant for: a value of the wrong JSON
/// type (a decoding failure, code 6), or a value of the right type that is not valid for its
/// field (an invalid network config, code 7: a bad CIDR, an MTU out of range). The message names
/// the member by its path as written (`network config: "ipam.ranges.0.0.subnet" …`).
public struct GoReadError: DomainError, Sendable, Hashable {
    public enum Code: Sendable, Hashable {
        /// The JSON type cannot be stored in the Go type (Go's `UnmarshalTypeError`).
        case type
        /// The value has the right type but is not acceptable.
        case value
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var kind: ErrorKind { code == .type ? .decoding : .invalidConfig }
}
