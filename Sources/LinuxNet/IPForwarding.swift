import NetAddress

/// IP forwarding switches (what `isGateway` and ptp need), as the reference's `ip.EnableForward`.
public enum IPForwarding {
    /// The sysctl that turns forwarding on for `family`.
    public static func key(for family: IPFamily) -> String {
        family == .v4 ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding"
    }

    /// Turns forwarding on for each family in `families`, inside `stack`'s namespace, writing
    /// only the values that are not already 1 (one visit for all of them).
    /// Equivalent to `sysctl -w net.ipv4.ip_forward=1` / `net.ipv6.conf.all.forwarding=1`.
    public static func enable(_ families: Set<IPFamily>, in stack: NetworkStack) throws {
        guard !families.isEmpty else { return }
        try stack.sysctls { sysctls in try enable(families, sysctls) }
    }

    /// ``enable(_:in:)`` for a namespace without a stack (the kernel's sysctls, inside it).
    public static func enable(_ families: Set<IPFamily>, in namespace: NetworkNamespace) throws {
        guard !families.isEmpty else { return }
        try namespace.perform { () throws in try enable(families, KernelSysctls()) }
    }

    private static func enable(_ families: Set<IPFamily>, _ sysctls: any SysctlAccess) throws {
        for family in IPFamily.allCases where families.contains(family) {
            try sysctls.set(key(for: family), to: "1")
        }
    }
}
