/// The deliberate differences rows name, each quoting the document that explains it.
extension Deliberate {
    /// A config the plugin refuses gets the spec's code (4, 6, 7) where the reference says 999.
    static let codes = Deliberate(
        name: "codes", readme: "A config the plugin refuses gets the spec's code where the reference answers 999",
        covers: ["ADD"], outcomes: ["error 999 → error 4", "error 999 → error 6", "error 999 → error 7"])

    /// The teardown rule: DEL goes on where the reference's stops at an option. Ours' DEL then
    /// runs (host-local takes its lock file, as the reference's does when its DEL runs).
    static let teardown = Deliberate(
        name: "DEL rule", readme: "DEL and GC fail only on what every verb checks first",
        covers: ["DEL", "after DEL/*"], outcomes: ["error 999 → ok"])

    static let stringBooleans = outcome(
        "string booleans", "Every boolean option of every plugin also takes the strings `\"true\"` and `\"false\"`")

    static let mtuRange = outcome("MTU range", "bridge's and ptp's `mtu` is 0 (the kernel's default) or 68–65535")

    static let portRange = outcome("port range", "portmap's ports (1–65535) are checked up front")

    static let hostIP = outcome("hostIP", "a portmap `hostIP` that is not an address is code 7")

    /// Debian's bridge leaves the veth pair behind when IPAM fails; ours rolls it back.
    static let bridgeRollback = Deliberate(
        name: "rollback", readme: "A failed ADD undoes everything it did (veth, lease, rules)",
        covers: ["after ADD/host.links", "after ADD/container.links"])

    /// Debian's portmap leaves the chains it made before an iptables failure, even after DEL.
    static let portmapRollback = Deliberate(
        name: "rollback", readme: "All or nothing: a failed ADD leaves no rule behind",
        document: "Sources/CNIPlugins/PortMap/README.md", covers: ["after ADD/host.nat4", "after DEL/host.nat4"])

    static let portmapProtocolDefault = Deliberate(
        name: "protocol default", readme: "empty or absent means `tcp`", document: "Sources/CNIPlugins/PortMap/README.md",
        covers: ["ADD", "after ADD/host.nat4", "after DEL/host.nat4"])

    static let resultConversion = Deliberate(
        name: "result conversion", readme: "Results in 0.2.0 and 0.3.x are converted properly", covers: ["result"])
}

extension [Deliberate] {
    /// A config ours refuses with a spec code (the reference: 999), whose DEL still cleans up
    /// (the reference's fails).
    static var refused: [Deliberate] { [.codes, .teardown] }
}
