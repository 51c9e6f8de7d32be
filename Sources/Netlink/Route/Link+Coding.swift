import CNetlinkShim
import NetAddress

extension Link {
    /// Decodes an `RTM_NEWLINK` message (an answer to `RTM_GETLINK`).
    public init(message: NetlinkMessage) throws(NetlinkDecodingError) {
        let payload = message.payload
        guard payload.count >= MemoryLayout<ifinfomsg>.size else {
            throw NetlinkDecodingError("ifinfomsg truncated (\(payload.count) bytes)", messageType: message.type)
        }
        let attributes = try AttributeList(parsing: payload, from: netlinkAlign(MemoryLayout<ifinfomsg>.size))
        self.init(
            index: payload.integer(Int32.self, at: 4)!,
            name: attributes[ty(IFLA_IFNAME)]?.string ?? "",
            flags: InterfaceFlags(rawValue: payload.integer(UInt32.self, at: 8)!),
            operState: OperState(rawValue: attributes[ty(IFLA_OPERSTATE)]?.u8 ?? 0),
            mtu: attributes[ty(IFLA_MTU)]?.u32 ?? 0,
            mac: attributes[ty(IFLA_ADDRESS)].flatMap { MACAddress(bytes: $0.payload) },
            hardwareType: payload.integer(UInt16.self, at: 2)!
        )
        txQueueLength = attributes[ty(IFLA_TXQLEN)]?.u32
        masterIndex = attributes[ty(IFLA_MASTER)]?.s32.flatMap { $0 == 0 ? nil : $0 }
        alias = attributes[ty(IFLA_IFALIAS)].map(\.string).flatMap { $0.isEmpty ? nil : $0 }
        linkIndex = attributes[ty(IFLA_LINK)]?.s32.flatMap { $0 == 0 ? nil : $0 }
        linkNetNSID = attributes[ty(IFLA_LINK_NETNSID)]?.s32
        if let info = try attributes.nested(ty(IFLA_LINKINFO)) {
            kind = info[ty(IFLA_INFO_KIND)].map { LinkKind(name: $0.string) }
            if kind == .bridge {
                bridge = BridgeInfo(try info.nested(ty(IFLA_INFO_DATA)))
            } else if let kind {
                linkType = LinkType(kind: kind.name, data: try info.nested(ty(IFLA_INFO_DATA)))
            }
            if info[ty(IFLA_INFO_SLAVE_KIND)]?.string == "bridge", let data = try info.nested(ty(IFLA_INFO_SLAVE_DATA)) {
                bridgePort = BridgePortInfo(data)
            }
        }
        // AF_BRIDGE dumps carry the port settings in IFLA_PROTINFO instead.
        if bridgePort == nil, payload[0] == u8(AF_BRIDGE), let protinfo = try attributes.nested(ty(IFLA_PROTINFO)) {
            bridgePort = BridgePortInfo(protinfo)
        }
    }

    /// The link as an `RTM_NEWLINK` message carrying every field this type decodes (used for
    /// round-trip tests and fake replies).
    public var message: NetlinkMessage {
        let bytes = MessageBuilder.build(type: ty(RTM_NEWLINK), flags: 0) { b in
            b.append(header: ifinfomsg(
                ifi_family: 0, __ifi_pad: 0, ifi_type: hardwareType, ifi_index: index,
                ifi_flags: flags.rawValue, ifi_change: 0))
            b.put(ty(IFLA_IFNAME), string: name)
            b.put(ty(IFLA_MTU), u32: mtu)
            b.put(ty(IFLA_OPERSTATE), u8: operState.rawValue)
            if let mac { b.put(ty(IFLA_ADDRESS), bytes: mac.bytes) }
            if let txQueueLength { b.put(ty(IFLA_TXQLEN), u32: txQueueLength) }
            if let masterIndex { b.put(ty(IFLA_MASTER), u32: UInt32(bitPattern: masterIndex)) }
            if let alias { b.put(ty(IFLA_IFALIAS), string: alias) }
            if let linkIndex { b.put(ty(IFLA_LINK), u32: UInt32(bitPattern: linkIndex)) }
            if let linkNetNSID { b.put(ty(IFLA_LINK_NETNSID), u32: UInt32(bitPattern: linkNetNSID)) }
            if kind != nil || bridgePort != nil {
                b.nest(ty(IFLA_LINKINFO)) { info in
                    if let kind { info.put(ty(IFLA_INFO_KIND), string: kind.name) }
                    if let bridge { info.nest(ty(IFLA_INFO_DATA)) { bridge.encode(into: &$0) } }
                    linkType?.encodeData(into: &info)
                    if let bridgePort {
                        info.put(ty(IFLA_INFO_SLAVE_KIND), string: "bridge")
                        info.nest(ty(IFLA_INFO_SLAVE_DATA)) { bridgePort.encode(into: &$0) }
                    }
                }
            }
        }
        return try! NetlinkMessage.split(bytes)[0]
    }
}

extension BridgeInfo {
    init(_ data: AttributeList?) {
        self.init(
            vlanFiltering: (data?[ty(IFLA_BR_VLAN_FILTERING)]?.u8 ?? 0) != 0,
            defaultPVID: data?[ty(IFLA_BR_VLAN_DEFAULT_PVID)]?.u16)
    }

    func encode(into b: inout MessageBuilder) {
        b.put(ty(IFLA_BR_VLAN_FILTERING), u8: vlanFiltering ? 1 : 0)
        if let defaultPVID { b.put(ty(IFLA_BR_VLAN_DEFAULT_PVID), u16: defaultPVID) }
    }
}

extension BridgePortInfo {
    init(_ data: AttributeList) {
        self.init(
            state: data[ty(IFLA_BRPORT_STATE)]?.u8 ?? 0,
            hairpin: (data[ty(IFLA_BRPORT_MODE)]?.u8 ?? 0) != 0,
            isolated: (data[ty(IFLA_BRPORT_ISOLATED)]?.u8 ?? 0) != 0,
            learning: (data[ty(IFLA_BRPORT_LEARNING)]?.u8 ?? 0) != 0)
    }

    func encode(into b: inout MessageBuilder) {
        b.put(ty(IFLA_BRPORT_STATE), u8: state)
        b.put(ty(IFLA_BRPORT_MODE), u8: hairpin ? 1 : 0)
        b.put(ty(IFLA_BRPORT_LEARNING), u8: learning ? 1 : 0)
        b.put(ty(IFLA_BRPORT_ISOLATED), u8: isolated ? 1 : 0)
    }
}
