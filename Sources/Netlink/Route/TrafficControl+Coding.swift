import CNetlinkShim

// Traffic-control messages (`tcmsg` + `TCA_*`), built with the attribute layout and nesting flags
// iproute2's `tc` uses, so the golden-bytes tests compare them with its bytes. The one thing left
// out is the 1 KiB rate tables `tc` adds to HTB classes (`TCA_HTB_RTAB`/`CTAB`): kernels since 3.7
// only read them to guess the link layer, which the rate specs here state (Ethernet).

extension NetlinkRequest {
    private static func tcHeader(_ index: Int32, handle: TCHandle = .unspecified, parent: TCHandle = .unspecified, info: UInt32 = 0) -> tcmsg {
        tcmsg(
            tcm_family: 0, tcm__pad1: 0, tcm__pad2: 0, tcm_ifindex: index, tcm_handle: handle.rawValue,
            tcm_parent: parent.rawValue, tcm_info: info)
    }

    /// `RTM_NEWQDISC` adding `qdisc`; fails with `EEXIST` when the attachment point is taken.
    ///
    /// ```
    /// tcmsg | TCA_KIND kind | [TCA_OPTIONS { TCA_HTB_INIT tc_htb_glob }]
    /// ```
    public static func newQdisc(_ qdisc: Qdisc) -> NetlinkRequest {
        NetlinkRequest(
            "add qdisc \(qdisc.kind.name) \(qdisc.handle) on #\(qdisc.interfaceIndex) \(qdisc.parent)", type: ty(RTM_NEWQDISC),
            flags: RequestFlags.createExclusive
        ) { b in
            b.append(header: tcHeader(qdisc.interfaceIndex, handle: qdisc.handle, parent: qdisc.parent))
            b.put(ty(TCA_KIND), string: qdisc.kind.name)
            if case .htb(let options) = qdisc.kind {
                b.nest(ty(TCA_OPTIONS), flagged: false) { o in
                    var glob: [UInt8] = []
                    for word in [options.version, options.rateToQuantum, options.defaultClass, 0, 0] { glob.appendInteger(word) }
                    o.put(ty(TCA_HTB_INIT), bytes: glob)
                }
            }
        }
    }

    /// `RTM_DELQDISC` removing the qdisc `handle` at `parent` of device `index`.
    public static func deleteQdisc(interfaceIndex index: Int32, handle: TCHandle, parent: TCHandle) -> NetlinkRequest {
        NetlinkRequest("delete qdisc \(handle) on #\(index) \(parent)", type: ty(RTM_DELQDISC), flags: RequestFlags.change) { b in
            b.append(header: tcHeader(index, handle: handle, parent: parent))
        }
    }

    /// `RTM_GETQDISC` dump (`tc qdisc show`); the kernel lists every device's, `index` only
    /// labels the request (the client filters).
    public static func dumpQdiscs(interfaceIndex index: Int32) -> NetlinkRequest {
        NetlinkRequest("dump qdiscs of #\(index)", type: ty(RTM_GETQDISC), flags: RequestFlags.dumpRequest) { b in
            b.append(header: tcHeader(index))
        }
    }

    /// `RTM_NEWTCLASS` adding an HTB class.
    ///
    /// ```
    /// tcmsg | TCA_KIND "htb" | TCA_OPTIONS { [TCA_HTB_RATE64] | [TCA_HTB_CEIL64] | TCA_HTB_PARMS tc_htb_opt }
    /// ```
    public static func newClass(_ htb: HTBClass) -> NetlinkRequest {
        NetlinkRequest(
            "add class htb \(htb.handle) on #\(htb.interfaceIndex) parent \(htb.parent) rate \(htb.rate)B/s",
            type: ty(RTM_NEWTCLASS), flags: RequestFlags.createExclusive
        ) { b in
            b.append(header: tcHeader(htb.interfaceIndex, handle: htb.handle, parent: htb.parent))
            b.put(ty(TCA_KIND), string: "htb")
            b.nest(ty(TCA_OPTIONS), flagged: false) { o in
                if htb.rate > UInt64(UInt32.max) { o.put(ty(TCA_HTB_RATE64), bytes: bytes(of: htb.rate)) }
                if htb.ceil > UInt64(UInt32.max) { o.put(ty(TCA_HTB_CEIL64), bytes: bytes(of: htb.ceil)) }
                var parms = rateSpec(htb.rate) + rateSpec(htb.ceil)
                for word in [htb.buffer, htb.ceilBuffer, htb.quantum, 0, htb.priority] { parms.appendInteger(word) }
                o.put(ty(TCA_HTB_PARMS), bytes: parms)
            }
        }
    }

    /// `RTM_GETTCLASS` dump of device `index`'s classes (`tc class show dev <dev>`).
    public static func dumpClasses(interfaceIndex index: Int32) -> NetlinkRequest {
        NetlinkRequest("dump classes of #\(index)", type: ty(RTM_GETTCLASS), flags: RequestFlags.dumpRequest) { b in
            b.append(header: tcHeader(index))
        }
    }

    /// `RTM_NEWTFILTER` adding a `u32` filter.
    ///
    /// ```
    /// tcmsg (info = prio << 16 | htons(protocol)) | TCA_KIND "u32"
    /// | TCA_OPTIONS { [TCA_U32_CLASSID] | [TCA_U32_ACT { 1 { TCA_ACT_KIND "mirred" | TCA_ACT_OPTIONS { TCA_MIRRED_PARMS } } }]
    ///                 | TCA_U32_SEL tc_u32_sel + keys }
    /// ```
    public static func newFilter(_ filter: U32Filter) -> NetlinkRequest {
        let info = UInt32(filter.priority) << 16 | UInt32(filter.protocolType.bigEndian)
        var label = "add filter u32 on #\(filter.interfaceIndex) parent \(filter.parent) prio \(filter.priority)"
        if let classID = filter.classID { label += " flowid \(classID)" }
        if let redirect = filter.redirect { label += " redirect to #\(redirect)" }
        return NetlinkRequest(label, type: ty(RTM_NEWTFILTER), flags: RequestFlags.createExclusive) { b in
            b.append(header: tcHeader(filter.interfaceIndex, parent: filter.parent, info: info))
            b.put(ty(TCA_KIND), string: "u32")
            b.nest(ty(TCA_OPTIONS), flagged: false) { o in
                if let classID = filter.classID { o.put(ty(TCA_U32_CLASSID), u32: classID.rawValue) }
                if let redirect = filter.redirect {
                    o.nest(ty(TCA_U32_ACT), flagged: false) { actions in
                        actions.nest(1, flagged: false) { action in
                            action.put(ty(TCA_ACT_KIND), string: "mirred")
                            action.nest(ty(TCA_ACT_OPTIONS)) { options in
                                var parms: [UInt8] = []
                                for word: Int32 in [0, 0, Int32(TC_ACT_STOLEN), 0, 0, Int32(TCA_EGRESS_REDIR), redirect] {
                                    parms.appendInteger(word)
                                }
                                options.put(ty(TCA_MIRRED_PARMS), bytes: parms)
                            }
                        }
                    }
                }
                o.put(ty(TCA_U32_SEL), bytes: selector(filter))
            }
        }
    }

    /// `RTM_GETTFILTER` dump of the filters under `parent` on device `index`
    /// (`tc filter show dev <dev> parent <parent>`).
    public static func dumpFilters(interfaceIndex index: Int32, parent: TCHandle) -> NetlinkRequest {
        NetlinkRequest("dump filters of #\(index) parent \(parent)", type: ty(RTM_GETTFILTER), flags: RequestFlags.dumpRequest) { b in
            b.append(header: tcHeader(index, parent: parent))
        }
    }

    /// `struct tc_ratespec` as `tc` fills it: cell_log 3 (its default MTU of 2047), Ethernet link
    /// layer, cell_align -1; a rate above 32 bits is all ones (the 64-bit attribute carries it).
    static func rateSpec(_ rate: UInt64) -> [UInt8] {
        var spec: [UInt8] = [3, u8(TC_LINKLAYER_ETHERNET)]
        spec.appendInteger(UInt16(0))  // overhead
        spec.appendInteger(Int16(-1))  // cell_align
        spec.appendInteger(UInt16(0))  // mpu
        spec.appendInteger(UInt32(min(rate, UInt64(UInt32.max))))
        return spec
    }

    /// `struct tc_u32_sel` followed by its keys (mask and value in network order).
    static func selector(_ filter: U32Filter) -> [UInt8] {
        var sel: [UInt8] = [filter.terminal ? u8(TC_U32_TERMINAL) : 0, 0, UInt8(filter.keys.count), 0]
        sel += [UInt8](repeating: 0, count: 12)  // offmask, off, offoff, hoff, hmask
        for key in filter.keys {
            sel.appendInteger(key.mask.bigEndian)
            sel.appendInteger(key.value.bigEndian)
            sel.appendInteger(key.offset)
            sel.appendInteger(key.offsetMask)
        }
        return sel
    }

    static func bytes(of value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        out.appendInteger(value)
        return out
    }
}

/// The fields every tc reply starts with.
struct TCMessageHeader {
    var interfaceIndex: Int32
    var handle: TCHandle
    var parent: TCHandle
    var info: UInt32
    var kind: String
    /// `TCA_OPTIONS`, raw: nested attributes for htb and u32, a plain struct for some kinds
    /// (`pfifo_fast`), so it is parsed only by the decoder of a known kind.
    var rawOptions: Attribute?

    init(_ message: NetlinkMessage) throws(NetlinkDecodingError) {
        let payload = message.payload
        guard payload.count >= MemoryLayout<tcmsg>.size else {
            throw NetlinkDecodingError("tcmsg truncated (\(payload.count) bytes)", messageType: message.type)
        }
        interfaceIndex = payload.integer(Int32.self, at: 4)!
        handle = TCHandle(rawValue: payload.integer(UInt32.self, at: 8)!)
        parent = TCHandle(rawValue: payload.integer(UInt32.self, at: 12)!)
        info = payload.integer(UInt32.self, at: 16)!
        let attributes = try AttributeList(parsing: payload, from: netlinkAlign(MemoryLayout<tcmsg>.size))
        kind = attributes[ty(TCA_KIND)]?.string ?? ""
        rawOptions = attributes[ty(TCA_OPTIONS)]
    }

    /// `TCA_OPTIONS` as nested attributes (for the kinds that nest them).
    func options() throws(NetlinkDecodingError) -> AttributeList? { try rawOptions?.nested() }
}

extension Qdisc {
    /// Decodes an `RTM_NEWQDISC` message.
    public init(message: NetlinkMessage) throws(NetlinkDecodingError) {
        let h = try TCMessageHeader(message)
        let kind: QdiscKind
        switch h.kind {
        case "htb":
            guard let glob = try h.options()?[ty(TCA_HTB_INIT)]?.payload, glob.count >= 12 else {
                throw NetlinkDecodingError("htb qdisc without TCA_HTB_INIT", messageType: message.type)
            }
            kind = .htb(HTBQdiscOptions(
                defaultClass: glob.integer(UInt32.self, at: 8)!, rateToQuantum: glob.integer(UInt32.self, at: 4)!,
                version: glob.integer(UInt32.self, at: 0)!))
        case "ingress": kind = .ingress
        case "tbf":
            let options = try h.options()
            guard let parms = options?[ty(TCA_TBF_PARMS)]?.payload, parms.count >= 36 else {
                throw NetlinkDecodingError("tbf qdisc without TCA_TBF_PARMS", messageType: message.type)
            }
            let rate = options?[ty(TCA_TBF_RATE64)]?.payload.integer(UInt64.self) ?? UInt64(parms.integer(UInt32.self, at: 8)!)
            kind = .tbf(TBFOptions(rate: rate, buffer: parms.integer(UInt32.self, at: 28)!, limit: parms.integer(UInt32.self, at: 24)!))
        default: kind = .other(h.kind)
        }
        self.init(interfaceIndex: h.interfaceIndex, handle: h.handle, parent: h.parent, kind: kind)
    }
}

extension HTBClass {
    /// Decodes an `RTM_NEWTCLASS` message of kind `htb`; nil for another kind.
    public init?(message: NetlinkMessage) throws(NetlinkDecodingError) {
        let h = try TCMessageHeader(message)
        guard h.kind == "htb" else { return nil }
        guard let options = try h.options(), let parms = options[ty(TCA_HTB_PARMS)]?.payload, parms.count >= 44 else {
            throw NetlinkDecodingError("htb class without TCA_HTB_PARMS", messageType: message.type)
        }
        let rate = options[ty(TCA_HTB_RATE64)]?.payload.integer(UInt64.self) ?? UInt64(parms.integer(UInt32.self, at: 8)!)
        let ceil = options[ty(TCA_HTB_CEIL64)]?.payload.integer(UInt64.self) ?? UInt64(parms.integer(UInt32.self, at: 20)!)
        self.init(
            interfaceIndex: h.interfaceIndex, handle: h.handle, parent: h.parent, rate: rate, ceil: ceil,
            buffer: parms.integer(UInt32.self, at: 24)!, ceilBuffer: parms.integer(UInt32.self, at: 28)!,
            quantum: parms.integer(UInt32.self, at: 32)!, priority: parms.integer(UInt32.self, at: 40)!)
    }
}

extension U32Filter {
    /// Decodes an `RTM_NEWTFILTER` message of kind `u32` carrying a selector; nil for other kinds
    /// and for the hash-table entries (`fh 800:`) the kernel lists beside real filters.
    public init?(message: NetlinkMessage) throws(NetlinkDecodingError) {
        let h = try TCMessageHeader(message)
        guard h.kind == "u32", let options = try h.options(), let sel = options[ty(TCA_U32_SEL)]?.payload else { return nil }
        guard sel.count >= 16, sel.count >= 16 + 16 * Int(sel[2]) else {
            throw NetlinkDecodingError("u32 selector truncated (\(sel.count) bytes)", messageType: message.type)
        }
        let keys = (0..<Int(sel[2])).map { i in
            let at = 16 + 16 * i
            return U32Key(
                mask: UInt32(bigEndian: sel.integer(UInt32.self, at: at)!), value: UInt32(bigEndian: sel.integer(UInt32.self, at: at + 4)!),
                offset: sel.integer(Int32.self, at: at + 8)!, offsetMask: sel.integer(Int32.self, at: at + 12)!)
        }
        self.init(
            interfaceIndex: h.interfaceIndex, parent: h.parent, priority: UInt16(h.info >> 16),
            protocolType: UInt16(bigEndian: UInt16(truncatingIfNeeded: h.info)),
            classID: options[ty(TCA_U32_CLASSID)]?.u32.map(TCHandle.init(rawValue:)), keys: keys,
            terminal: sel[0] & u8(TC_U32_TERMINAL) != 0)
        handle = h.handle.rawValue
        if let list = try options.nested(ty(TCA_U32_ACT)) {
            actions = try list.map { entry throws(NetlinkDecodingError) in try TCAction(entry.nested()) }
        }
        if case .mirred(let first)? = actions.first, first.isEgressRedirect { redirect = Int32(bitPattern: first.interfaceIndex) }
    }
}

extension TCAction {
    init(_ attributes: AttributeList) throws(NetlinkDecodingError) {
        let kind = attributes[ty(TCA_ACT_KIND)]?.string ?? ""
        guard kind == "mirred", let parms = try attributes.nested(ty(TCA_ACT_OPTIONS))?[ty(TCA_MIRRED_PARMS)]?.payload,
            parms.count >= 28
        else {
            self = .other(kind)
            return
        }
        self = .mirred(MirredAction(
            direction: parms.integer(Int32.self, at: 20)!, interfaceIndex: parms.integer(UInt32.self, at: 24)!,
            verdict: parms.integer(Int32.self, at: 8)!))
    }
}
