/// A JSON document that does not read as the Go type it is meant for: a value of the wrong JSON
/// type (code 6, decoding failure), or a value of the right type that is not valid for its field
/// (code 7, invalid network config: a bad CIDR, an MTU out of range). The message names the
/// member by its path as written (`network config: "ipam.ranges.0.0.subnet" …`).
public struct GoReadError: Error, Sendable, Hashable, CustomStringConvertible, CNIErrorConvertible {
    public enum Kind: Sendable, Hashable {
        /// The JSON type cannot be stored in the Go type (Go's `UnmarshalTypeError`).
        case type
        /// The value has the right type but is not acceptable.
        case value
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Code 6 for a type error, 7 for a bad value.
    public var cniError: CNIError {
        CNIError(kind == .type ? .decodingFailure : .invalidNetworkConfig, message)
    }
}
