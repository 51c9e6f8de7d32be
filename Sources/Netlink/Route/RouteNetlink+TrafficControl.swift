extension RouteNetlink {
    /// Adds a qdisc; fails with `EEXIST` when its attachment point is taken. Equivalent to
    /// `tc qdisc add dev <dev> root handle 1: htb default <minor>` or `tc qdisc add dev <dev> ingress`.
    public func addQdisc(_ qdisc: Qdisc) throws {
        try execute(.newQdisc(qdisc))
    }

    /// Removes a qdisc (and its classes and filters). Equivalent to
    /// `tc qdisc del dev <dev> root|ingress [handle <h>]`.
    public func deleteQdisc(_ qdisc: Qdisc) throws {
        try execute(.deleteQdisc(interfaceIndex: qdisc.interfaceIndex, handle: qdisc.handle, parent: qdisc.parent))
    }

    /// The qdiscs of one device. Equivalent to `tc qdisc show dev <dev>`.
    public func qdiscs(interfaceIndex index: Int32) throws -> [Qdisc] {
        try dump(.dumpQdiscs(interfaceIndex: index), Qdisc.init(message:)).filter { $0.interfaceIndex == index }
    }

    /// Adds an HTB class. Equivalent to
    /// `tc class add dev <dev> parent <p> classid <c> htb rate <r> ceil <c> burst <b> cburst <cb>`.
    public func addClass(_ htb: HTBClass) throws {
        try execute(.newClass(htb))
    }

    /// The HTB classes of one device (classes of other kinds are left out).
    /// Equivalent to `tc class show dev <dev>`.
    public func classes(interfaceIndex index: Int32) throws -> [HTBClass] {
        try dump(.dumpClasses(interfaceIndex: index), HTBClass.init(message:)).compactMap { $0 }.filter { $0.interfaceIndex == index }
    }

    /// Adds a `u32` filter. Equivalent to `tc filter add dev <dev> parent <p> protocol <proto> prio <n>
    /// u32 match ... flowid <class> [action mirred egress redirect dev <target>]`.
    public func addFilter(_ filter: U32Filter) throws {
        try execute(.newFilter(filter))
    }

    /// The `u32` filters under `parent` on one device (other kinds and hash tables left out).
    /// Equivalent to `tc filter show dev <dev> parent <parent>`.
    public func filters(interfaceIndex index: Int32, parent: TCHandle) throws -> [U32Filter] {
        try dump(.dumpFilters(interfaceIndex: index, parent: parent), U32Filter.init(message:)).compactMap { $0 }
    }
}
