import CNetlinkShim
import NetAddress
import Netlink
import SystemPackage

/// Deletes stale UDP conntrack entries over ctnetlink, in-process. UDP has no connection teardown,
/// so an entry made before a port was (re)published keeps steering that flow to the old
/// destination, or to none, until it times out (plugins#123, #1190).
///
/// One dump per family, filtered by protocol and port in the kernel (since Linux 5.8; older kernels
/// send every entry) and by everything again here, then one delete per matching entry, identified by its
/// original tuple. Equivalent to `conntrack -D -f ipv4 -p udp --dport 8080` (ADD) and
/// `conntrack -D -f ipv4 -p udp --reply-src 10.88.0.2` (DEL).
struct Conntrack {
    /// Which entries to delete: UDP, plus every given condition.
    struct Selector: Sendable, Hashable {
        var family: IPFamily
        /// Original destination ports (the host ports); nil: any.
        var destinationPorts: [ClosedRange<UInt16>]?
        /// Reply source (the container a DNAT sent the flow to); nil: any.
        var replySource: IPAddress?

        func matches(_ entry: Entry) -> Bool {
            guard entry.proto == Conntrack.udp else { return false }
            if let ports = destinationPorts {
                guard let port = entry.destinationPort, ports.contains(where: { $0.contains(port) }) else { return false }
            }
            if let replySource, entry.replySource != replySource { return false }
            return true
        }
    }

    /// What the filter reads from a dumped entry, and what deleting it takes.
    struct Entry {
        /// CTA_TUPLE_ORIG's content, sent back to delete the entry.
        var originalTuple: [UInt8]
        var zone: [UInt8]?
        var proto: UInt8?
        var destinationPort: UInt16?
        var replySource: IPAddress?
    }

    let connection: NetlinkConnection

    /// IPPROTO_UDP.
    static let udp: UInt8 = 17

    /// Works over `transport`: a netfilter ``SocketTransport`` opened in the namespace to clean, or a fake.
    init(transport: any NetlinkTransport) {
        connection = NetlinkConnection(transport: transport)
    }

    /// Deletes the entries `selector` picks; returns how many were deleted.
    @discardableResult
    func deleteUDP(_ selector: Selector) throws -> Int {
        var entries: [Entry]
        do {
            entries = try dump(selector, kernelFilter: true)
        } catch let error as NetlinkError where error.errno == .invalidArgument || error.errno == .notSupported {
            entries = try dump(selector, kernelFilter: false)
        }
        var deleted = 0
        for entry in entries where selector.matches(entry) {
            do {
                try connection.execute(deleteRequest(entry, family: selector.family))
                deleted += 1
            } catch let error as NetlinkError where error.errno == .noSuchFileOrDirectory {
                continue  // it timed out or was deleted meanwhile
            }
        }
        return deleted
    }

    // MARK: messages

    private static let getType = UInt16(NFNL_SUBSYS_CTNETLINK) << 8 | UInt16(IPCTNL_MSG_CT_GET.rawValue)
    private static let deleteType = UInt16(NFNL_SUBSYS_CTNETLINK) << 8 | UInt16(IPCTNL_MSG_CT_DELETE.rawValue)
    private static let nested = UInt16(NLA_F_NESTED)

    private func header(_ family: IPFamily) -> nfgenmsg {
        nfgenmsg(nfgen_family: UInt8(family == .v4 ? AF_INET : AF_INET6), version: UInt8(NFNETLINK_V0), res_id: 0)
    }

    /// The dump, with the selector as a kernel filter (CTA_FILTER) when asked.
    private func dump(_ s: Selector, kernelFilter: Bool) throws -> [Entry] {
        let singlePort = s.destinationPorts.flatMap { $0.count == 1 && $0[0].count == 1 ? $0[0].lowerBound : nil }
        let bytes = MessageBuilder.build(type: Self.getType, flags: UInt16(NLM_F_REQUEST | NLM_F_DUMP)) { m in
            m.append(header: header(s.family))
            guard kernelFilter else { return }
            m.nest(UInt16(CTA_TUPLE_ORIG.rawValue)) { t in
                t.nest(UInt16(CTA_TUPLE_PROTO.rawValue)) { p in
                    p.put(UInt16(CTA_PROTO_NUM.rawValue), u8: Conntrack.udp)
                    if let port = singlePort { p.put(UInt16(CTA_PROTO_DST_PORT.rawValue), bytes: [UInt8(port >> 8), UInt8(port & 0xff)]) }
                }
            }
            m.nest(UInt16(CTA_FILTER.rawValue)) { f in
                // The kernel's CTA_FILTER_FLAG bits (nf_internals.h): PROTO_NUM 1<<3, PROTO_DST_PORT 1<<5.
                // Addresses are not filtered in the kernel: its IPv6 address match is inverted
                // (ctnetlink_filter_match_tuple tests `!ipv6_addr_cmp`), so the reply source is
                // compared here.
                f.put(UInt16(CTA_FILTER_ORIG_FLAGS.rawValue), u32: 1 << 3 | (singlePort == nil ? 0 : 1 << 5))
            }
        }
        let replies = try connection.dump(NetlinkRequest(operation: "dump conntrack entries", bytes: bytes))
        var entries: [Entry] = []
        let newType = UInt16(NFNL_SUBSYS_CTNETLINK) << 8 | UInt16(IPCTNL_MSG_CT_NEW.rawValue)
        for message in replies where message.type == newType {
            if let entry = Self.entry(message) { entries.append(entry) }
        }
        return entries
    }

    /// The fields the selector reads, from one IPCTNL_MSG_CT_NEW message; nil when malformed.
    private static func entry(_ message: NetlinkMessage) -> Entry? {
        guard let attributes = try? AttributeList(parsing: message.payload, from: 4),
            let original = attributes[UInt16(CTA_TUPLE_ORIG.rawValue)],
            let originalTuple = try? original.nested()
        else { return nil }
        var entry = Entry(originalTuple: original.payload, zone: attributes[UInt16(CTA_ZONE.rawValue)]?.payload)
        if let proto = (try? originalTuple.nested(UInt16(CTA_TUPLE_PROTO.rawValue))) ?? nil {
            entry.proto = proto[UInt16(CTA_PROTO_NUM.rawValue)]?.u8
            if let port = proto[UInt16(CTA_PROTO_DST_PORT.rawValue)], port.payload.count == 2 {
                entry.destinationPort = UInt16(port.payload[0]) << 8 | UInt16(port.payload[1])
            }
        }
        let reply = (try? attributes.nested(UInt16(CTA_TUPLE_REPLY.rawValue))) ?? nil
        if let ip = (try? reply?.nested(UInt16(CTA_TUPLE_IP.rawValue))) ?? nil {
            let source = ip[UInt16(CTA_IP_V4_SRC.rawValue)] ?? ip[UInt16(CTA_IP_V6_SRC.rawValue)]
            entry.replySource = source?.ipAddress
        }
        return entry
    }

    private func deleteRequest(_ entry: Entry, family: IPFamily) -> NetlinkRequest {
        let bytes = MessageBuilder.build(type: Self.deleteType, flags: UInt16(NLM_F_REQUEST | NLM_F_ACK)) { m in
            m.append(header: header(family))
            m.put(UInt16(CTA_TUPLE_ORIG.rawValue) | Self.nested, bytes: entry.originalTuple)
            if let zone = entry.zone { m.put(UInt16(CTA_ZONE.rawValue), bytes: zone) }
        }
        return NetlinkRequest(operation: "delete conntrack entry", bytes: bytes)
    }
}
