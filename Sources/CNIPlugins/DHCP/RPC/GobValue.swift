/// A gob type (Go's `encoding/gob`), as far as the DHCP daemon's RPC needs them: the
/// predeclared scalars, slices and structs. Go's pointers are transparent in gob (a `*int` is
/// sent as an `int`), so they need no case of their own.
indirect enum GobType: Hashable, Sendable {
    case bool, int, uint, float, bytes, string
    case slice(GobType)
    /// A struct: its Go name (informative only; gob matches fields by name) and its exported
    /// fields in declaration order.
    case structure(String, [GobField])

    /// The predeclared type ids (`encoding/gob/type.go`).
    var predeclaredID: Int? {
        switch self {
        case .bool: return 1
        case .int: return 2
        case .uint: return 3
        case .float: return 4
        case .bytes: return 5
        case .string: return 6
        case .slice, .structure: return nil
        }
    }
}

/// One field of a ``GobType/structure(_:_:)``.
struct GobField: Hashable, Sendable {
    var name: String
    var type: GobType
    init(_ name: String, _ type: GobType) {
        self.name = name
        self.type = type
    }
}

/// A decoded (or to-be-encoded) gob value. Strings and byte slices share one case, as they
/// share their encoding; a struct holds the fields that were sent (gob leaves out zero values,
/// so a missing field reads as its zero value).
enum GobValue: Hashable, Sendable {
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(Double)
    case bytes([UInt8])
    case list([GobValue])
    case structure([String: GobValue])
    case map([GobValue: GobValue])
    /// A nil interface, or a value of a type this package does not interpret (skipped).
    case none

    static func string(_ s: String) -> GobValue { .bytes(Array(s.utf8)) }

    /// A struct field; `.none` when it was not sent.
    subscript(field: String) -> GobValue {
        if case .structure(let fields) = self { return fields[field] ?? .none }
        return .none
    }

    var stringValue: String {
        if case .bytes(let b) = self { return String(decoding: b, as: UTF8.self) }
        return ""
    }

    var bytesValue: [UInt8] {
        if case .bytes(let b) = self { return b }
        return []
    }

    var intValue: Int64 {
        switch self {
        case .int(let i): return i
        case .uint(let u): return Int64(truncatingIfNeeded: u)
        default: return 0
        }
    }

    var uintValue: UInt64 {
        switch self {
        case .uint(let u): return u
        case .int(let i): return UInt64(truncatingIfNeeded: i)
        default: return 0
        }
    }

    var listValue: [GobValue] {
        if case .list(let l) = self { return l }
        return []
    }

    var isPresent: Bool {
        if case .none = self { return false }
        return true
    }
}

/// A gob stream that does not decode (truncated, an unknown type id, a value too large).
struct GobError: Error, Equatable, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { "gob: " + message }
}
