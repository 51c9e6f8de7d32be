import CNetlinkShim

/// A traffic-control handle (`major:minor`, 16 bits each), as `tc` writes it in hex: `1:`, `1:30`,
/// `ffff:`. Qdiscs have a minor of 0; classes and flow IDs name their qdisc's major.
public struct TCHandle: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(major: UInt16, minor: UInt16) { rawValue = UInt32(major) << 16 | UInt32(minor) }

    public var major: UInt16 { UInt16(rawValue >> 16) }
    public var minor: UInt16 { UInt16(rawValue & 0xffff) }

    /// No handle (the kernel picks one). The corresponding C constant is `TC_H_UNSPEC`.
    public static let unspecified = TCHandle(rawValue: 0)
    /// The device's root (egress) attachment point. The corresponding C constant is `TC_H_ROOT`.
    public static let root = TCHandle(rawValue: u32(TC_H_ROOT))
    /// The ingress attachment point (`ffff:fff1`). The corresponding C constant is `TC_H_INGRESS`.
    public static let ingress = TCHandle(rawValue: u32(TC_H_INGRESS))

    /// `1:30`, `ffff:`, `root`, `ingress`.
    public var description: String {
        switch self {
        case .root: return "root"
        case .ingress: return "ingress"
        default: return String(major, radix: 16) + ":" + (minor == 0 ? "" : String(minor, radix: 16))
        }
    }
}

/// A queueing discipline on a device (`RTM_NEWQDISC`), as `tc qdisc show` lists it; also the
/// input of `RouteNetlink.addQdisc(_:)`.
public struct Qdisc: Hashable, Sendable {
    /// The device (`tcm_ifindex`).
    public var interfaceIndex: Int32
    /// `handle` (`tcm_handle`).
    public var handle: TCHandle
    /// `root`, `ingress` or a class (`tcm_parent`).
    public var parent: TCHandle
    /// The discipline and its settings.
    public var kind: QdiscKind

    public init(interfaceIndex: Int32, handle: TCHandle, parent: TCHandle, kind: QdiscKind) {
        self.interfaceIndex = interfaceIndex
        self.handle = handle
        self.parent = parent
        self.kind = kind
    }
}

/// A qdisc's kind (`TCA_KIND`) and the settings modelled here.
public enum QdiscKind: Hashable, Sendable {
    /// `htb default <class>`: hierarchical token buckets, shaping by class.
    case htb(HTBQdiscOptions)
    /// `ingress`: the attachment point for filters on received traffic.
    case ingress
    /// `tbf rate <r> burst <b> limit <l>`: one token bucket (decoded only).
    case tbf(TBFOptions)
    /// Any other kind, by name (`tbf`, `noqueue`, `pfifo_fast`, …); settings not decoded.
    case other(String)

    /// The kernel's name for the kind.
    public var name: String {
        switch self {
        case .htb: return "htb"
        case .ingress: return "ingress"
        case .tbf: return "tbf"
        case .other(let name): return name
        }
    }
}

/// An HTB qdisc's global settings (`struct tc_htb_glob`, `TCA_HTB_INIT`).
public struct HTBQdiscOptions: Hashable, Sendable {
    /// Minor number of the class unclassified traffic goes to (`default`; `tc` reads it in hex).
    public var defaultClass: UInt32
    /// `r2q`: divides a class's rate to get its quantum (10 by default).
    public var rateToQuantum: UInt32
    /// The HTB API version: 3 when creating; the kernel reports its own (0x30011) in dumps.
    public var version: UInt32

    public init(defaultClass: UInt32, rateToQuantum: UInt32 = 10, version: UInt32 = 3) {
        self.defaultClass = defaultClass
        self.rateToQuantum = rateToQuantum
        self.version = version
    }
}

/// A TBF qdisc's settings (`struct tc_tbf_qopt`, `TCA_TBF_PARMS`; `TCA_TBF_RATE64` above 32 bits).
public struct TBFOptions: Hashable, Sendable {
    /// Bytes per second.
    public var rate: UInt64
    /// Bucket size in scheduler ticks.
    public var buffer: UInt32
    /// Queue limit in bytes.
    public var limit: UInt32

    public init(rate: UInt64, buffer: UInt32, limit: UInt32) {
        self.rate = rate
        self.buffer = buffer
        self.limit = limit
    }
}

/// An HTB class (`RTM_NEWTCLASS`, kind `htb`), as `tc class show` lists it; also the input of
/// `RouteNetlink.addClass(_:)`. Rates are in bytes per second (`tc`'s `rate 8mbit` is 1 000 000);
/// the bursts are kept as the kernel takes them, in scheduler ticks (``PacketSchedulerClock``).
public struct HTBClass: Hashable, Sendable {
    public var interfaceIndex: Int32
    /// `classid` (`tcm_handle`).
    public var handle: TCHandle
    /// `parent` (`tcm_parent`): the qdisc or a parent class.
    public var parent: TCHandle
    /// Guaranteed rate, bytes/s (`rate`; `TCA_HTB_RATE64` above 2^32 - 1).
    public var rate: UInt64
    /// Rate the class may borrow up to, bytes/s (`ceil`).
    public var ceil: UInt64
    /// Bucket size at `rate`, in ticks (`burst`, as `tc` converts it).
    public var buffer: UInt32
    /// Bucket size at `ceil`, in ticks (`cburst`).
    public var ceilBuffer: UInt32
    /// Bytes served per round (`quantum`); 0 lets the kernel derive it from `r2q`.
    public var quantum: UInt32
    /// `prio`.
    public var priority: UInt32

    public init(
        interfaceIndex: Int32, handle: TCHandle, parent: TCHandle, rate: UInt64, ceil: UInt64, buffer: UInt32,
        ceilBuffer: UInt32, quantum: UInt32 = 0, priority: UInt32 = 0
    ) {
        self.interfaceIndex = interfaceIndex
        self.handle = handle
        self.parent = parent
        self.rate = rate
        self.ceil = ceil
        self.buffer = buffer
        self.ceilBuffer = ceilBuffer
        self.quantum = quantum
        self.priority = priority
    }
}

/// A `u32` classifier (`RTM_NEWTFILTER`, kind `u32`), as `tc filter show` lists it; also the input
/// of `RouteNetlink.addFilter(_:)`. Matches 32-bit words of the packet against keys, then sends
/// the packet to ``classID`` and/or runs its ``redirect`` action.
public struct U32Filter: Hashable, Sendable {
    public var interfaceIndex: Int32
    /// The qdisc or class it hangs off (`parent 1:`, `parent ffff:`).
    public var parent: TCHandle
    /// `prio`/`pref`; filters of one priority share one protocol.
    public var priority: UInt16
    /// `protocol`: the EtherType matched, host order (``EtherType``).
    public var protocolType: UInt16
    /// `flowid`/`classid` (`TCA_U32_CLASSID`).
    public var classID: TCHandle?
    /// `match ...` keys; all must match. One all-zero key matches everything (`match u32 0 0`).
    public var keys: [U32Key]
    /// `TC_U32_TERMINAL`: a match ends the classification (set by `tc` for every key match).
    public var terminal: Bool
    /// `action mirred egress redirect dev <ifindex>` (`TCA_U32_ACT`): the device that matching
    /// packets are handed to, as if sent from it.
    public var redirect: Int32?
    /// Actions found on a decoded filter, in order (the encoded filter carries ``redirect`` only).
    public var actions: [TCAction]
    /// The handle the kernel gave it (`800::800`), decoded only.
    public var handle: UInt32

    public init(
        interfaceIndex: Int32, parent: TCHandle, priority: UInt16, protocolType: UInt16, classID: TCHandle? = nil,
        keys: [U32Key] = [U32Key()], terminal: Bool = true, redirect: Int32? = nil
    ) {
        self.interfaceIndex = interfaceIndex
        self.parent = parent
        self.priority = priority
        self.protocolType = protocolType
        self.classID = classID
        self.keys = keys
        self.terminal = terminal
        self.redirect = redirect
        self.actions = []
        self.handle = 0
    }
}

/// One `u32` key (`struct tc_u32_key`): `(word at offset) & mask == value`, the word read in
/// network order. ``mask`` and ``value`` hold the numbers as written (`0xff000000` for /8).
public struct U32Key: Hashable, Sendable {
    public var mask: UInt32
    public var value: UInt32
    /// Byte offset from the network header (IPv4 destination: 16; IPv6 destination: 24).
    public var offset: Int32
    public var offsetMask: Int32

    public init(mask: UInt32 = 0, value: UInt32 = 0, offset: Int32 = 0, offsetMask: Int32 = 0) {
        self.mask = mask
        self.value = value
        self.offset = offset
        self.offsetMask = offsetMask
    }
}

/// A tc action attached to a filter, as decoded.
public enum TCAction: Hashable, Sendable {
    /// `mirred`: redirect or mirror to a device.
    case mirred(MirredAction)
    /// Any other action kind, by name.
    case other(String)
}

/// A `mirred` action's parameters (`struct tc_mirred`).
public struct MirredAction: Hashable, Sendable {
    /// `TCA_EGRESS_REDIR` (1), `TCA_EGRESS_MIRROR` (2), `TCA_INGRESS_REDIR` (3), `TCA_INGRESS_MIRROR` (4).
    public var direction: Int32
    /// The target device.
    public var interfaceIndex: UInt32
    /// The verdict after the action (`TC_ACT_STOLEN` = 4 for a redirect, `TC_ACT_PIPE` = 3 …).
    public var verdict: Int32

    public init(direction: Int32, interfaceIndex: UInt32, verdict: Int32) {
        self.direction = direction
        self.interfaceIndex = interfaceIndex
        self.verdict = verdict
    }

    /// `mirred egress redirect dev <index>` (`stolen`).
    public var isEgressRedirect: Bool { direction == Int32(TCA_EGRESS_REDIR) && verdict == Int32(TC_ACT_STOLEN) }
}

/// EtherTypes a filter's `protocol` names (host order).
public enum EtherType {
    /// `protocol all`. The corresponding C constant is `ETH_P_ALL`.
    public static let all = UInt16(ETH_P_ALL)
    /// `protocol ip`. The corresponding C constant is `ETH_P_IP`.
    public static let ipv4 = UInt16(ETH_P_IP)
    /// `protocol ipv6`. The corresponding C constant is `ETH_P_IPV6`.
    public static let ipv6 = UInt16(ETH_P_IPV6)
}
