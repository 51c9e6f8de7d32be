import CNetlinkShim

// The kernel headers import with a mix of types (`Int`, `Int32`, and wrapper structs such as
// `rtattr_type_t` for named C enums). These helpers turn any of them into the width the wire wants,
// so call sites read `ty(IFLA_IFNAME)` instead of a different cast per constant.

/// An attribute or message type (16 bits on the wire).
@inline(__always) func ty<T: BinaryInteger>(_ value: T) -> UInt16 { UInt16(truncatingIfNeeded: value) }
/// An attribute type from a named C enum (`rtattr_type_t`, `nlmsgerr_attrs`, ...).
@inline(__always) func ty<T: RawRepresentable>(_ value: T) -> UInt16 where T.RawValue: BinaryInteger {
    UInt16(truncatingIfNeeded: value.rawValue)
}
/// An 8-bit header field (family, scope, protocol, table, type).
@inline(__always) func u8<T: BinaryInteger>(_ value: T) -> UInt8 { UInt8(truncatingIfNeeded: value) }
@inline(__always) func u8<T: RawRepresentable>(_ value: T) -> UInt8 where T.RawValue: BinaryInteger {
    UInt8(truncatingIfNeeded: value.rawValue)
}
/// A 32-bit flag or value.
@inline(__always) func u32<T: BinaryInteger>(_ value: T) -> UInt32 { UInt32(truncatingIfNeeded: value) }

/// Request flags used by the builders (`NLM_F_*`).
enum RequestFlags {
    static let request = ty(NLM_F_REQUEST)
    static let ack = ty(NLM_F_ACK)
    static let dump = ty(NLM_F_DUMP)
    static let create = ty(NLM_F_CREATE)
    static let exclusive = ty(NLM_F_EXCL)
    static let replace = ty(NLM_F_REPLACE)
    /// A request that changes state and wants the kernel's verdict.
    static let change = request | ack
    /// `ip link add`, `ip addr add`, `ip route add`: fail with EEXIST when the object exists.
    static let createExclusive = request | ack | create | exclusive
    static let dumpRequest = request | dump
}
