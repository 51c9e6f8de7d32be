import LinuxNet
import SystemPackage

/// The sysctls of a fake namespace, as a plugin reads and writes them from inside it. A key
/// exists where Linux has it: the global forwarding switches, `net/ipv{4,6}/conf/{all,default}/*`,
/// and `net/ipv{4,6}/conf/<if>/*` only while the interface `<if>` exists there; any other key is
/// `ENOENT`. Unwritten keys read as Linux's defaults for the few the plugins touch, else "0".
struct FakeSysctls: SysctlAccess {
    let kernel: FakeKernel
    let namespace: FakeNamespace

    func read(_ key: String) throws(SysctlError) -> String {
        try check(key, .read)
        return kernel.locked { namespace.sysctlValues[key] ?? Self.defaultValue(key) }
    }

    func write(_ key: String, _ value: String) throws(SysctlError) {
        try check(key, .write)
        kernel.locked { namespace.sysctlValues[key] = value }
    }

    private func check(_ key: String, _ operation: SysctlError.Operation) throws(SysctlError) {
        if let errno = kernel.step("\(namespace.name) sysctl \(operation.rawValue)") {
            throw SysctlError(key: key, operation: operation, cause: errno)
        }
        guard exists(key) else { throw SysctlError(key: key, operation: operation, cause: .noSuchFileOrDirectory) }
    }

    private func exists(_ key: String) -> Bool {
        let parts = key.split(separator: "/").map(String.init)
        guard parts.count >= 3, parts[0] == "net", !parts.contains(".."), !parts.contains(".") else { return false }
        if key == "net/ipv4/ip_forward" { return true }
        guard parts.count == 5, parts[1] == "ipv4" || parts[1] == "ipv6", parts[2] == "conf" else {
            return kernel.locked { namespace.sysctlValues[key] != nil }
        }
        return parts[3] == "all" || parts[3] == "default" || kernel.locked { namespace.link(named: parts[3]) != nil }
    }

    static func defaultValue(_ key: String) -> String {
        switch key.split(separator: "/").last {
        case "accept_dad", "accept_ra": return "1"
        default: return "0"
        }
    }
}

extension FakeKernel {
    /// Sets a sysctl of `namespace` as the test's starting point (the key need not exist yet).
    public func setSysctl(_ key: String, to value: String, in namespace: FakeNamespace) {
        locked { namespace.sysctlValues[key] = value }
    }
}
