import CNITestSupport
import LinuxNet
import NetAddress
import Testing

@Suite struct SysctlKeyTests {
    @Test(arguments: ["kernel/hostname", "net/../kernel/hostname", "/net/ipv4/ip_forward", "net//ipv4/ip_forward",
                      "net/ipv4/conf/./forwarding", "net", "net/ipv4/conf/eth0/"])
    func keysOutsideNetOrWithTraversalAreRejected(key: String) {
        let error = #expect(throws: SysctlError.self) { try Sysctl.read(key) }
        #expect(error?.operation == .validate)
        #expect(throws: SysctlError.self) { try Sysctl.write(key, "1") }
    }

    @Test func randomVethNames() throws {
        var seen: Set<String> = []
        for _ in 0..<200 {
            let name = try RandomName.veth()
            #expect(name.count == 12 && name.hasPrefix("veth"))
            #expect(name.dropFirst(4).allSatisfy { "0123456789abcdef".contains($0) })
            seen.insert(name)
        }
        #expect(seen.count == 200)
        #expect(try RandomName.hex(byteCount: 3).count == 6)
    }
}

@Suite(.enabled(if: isPrivileged)) struct SysctlKernelTests {
    @Test func setInsideANamespaceOnly() throws {
        let hostBefore = try Sysctl.read("net/ipv4/ip_forward")  // read-only look at the machine's value
        try withTestNamespaces(1, prefix: "ln") { namespaces in
            let ns = namespaces[0]
            let namespace = try NetworkNamespace.open(path: ns.path)
            #expect(try namespace.readSysctl("net/ipv4/ip_forward") == "0")
            #expect(try namespace.setSysctl("net/ipv4/ip_forward", to: "1"))
            #expect(try !namespace.setSysctl("net/ipv4/ip_forward", to: "1"))  // already 1: no write
            #expect(try ns.sysctl("net/ipv4/ip_forward") == "1")
            try namespace.setSysctl("net/ipv6/conf/lo/disable_ipv6", to: "1")
            #expect(try ns.sysctl("net/ipv6/conf/lo/disable_ipv6") == "1")

            let missing = try #require(throws: SysctlError.self) {
                try namespace.setSysctl("net/ipv6/conf/nosuchdev/accept_ra", to: "0")
            }
            #expect(missing.isNotFound && missing.description.contains("/proc/sys/net/ipv6/conf/nosuchdev/accept_ra"))
        }
        #expect(try Sysctl.read("net/ipv4/ip_forward") == hostBefore)
    }

    @Test func forwardingPerFamily() throws {
        try withTestNamespaces(1, prefix: "ln") { namespaces in
            let ns = namespaces[0]
            let namespace = try NetworkNamespace.open(path: ns.path)
            try IPForwarding.enable([.v4], in: namespace)
            #expect(try ns.sysctl("net/ipv4/ip_forward") == "1")
            #expect(try ns.sysctl("net/ipv6/conf/all/forwarding") == "0")
            try IPForwarding.enable([.v4, .v6], in: namespace)
            #expect(try ns.sysctl("net/ipv6/conf/all/forwarding") == "1")
        }
    }
}
