import CNITestSupport
import Foundation
import Testing

/// Many suites run only where what they need exists (root, Debian's reference plugins, dnsmasq,
/// the ifb link type…) and are otherwise reported as skipped. On the machines the test command
/// prepares (scripts/deps.sh installs all of it), a missing prerequisite is a failure named here,
/// so that no side-by-side or kernel check can vanish from a run unnoticed.
@Suite struct SuitePrerequisitesTests {
    /// Debian's binaries that side-by-side tests run (`Binaries.referenceDirectory`).
    static let references = [
        "bridge", "ptp", "loopback", "host-local", "static", "dhcp", "macvlan", "ipvlan", "vlan", "host-device",
        "portmap", "firewall", "tuning", "bandwidth", "sbr", "vrf",
    ]
    /// Programs that kernel and interop tests drive.
    static let programs = ["/usr/sbin/dnsmasq", "/usr/sbin/iptables-legacy", "/usr/bin/systemd-analyze", "/usr/sbin/firewalld"]

    @Test func runAsRootForKernelTests() {
        #expect(isPrivileged, "kernel tests need root: they were all skipped")
    }

    @Test(arguments: references) func referencePluginIsInstalled(_ name: String) throws {
        _ = try Binaries.requireReference(name)
    }

    @Test(arguments: programs) func programIsInstalled(_ path: String) {
        #expect(FileManager.default.isExecutableFile(atPath: path), "\(path) is missing (scripts/deps.sh installs it): the tests that need it were skipped")
    }

    @Test func ifbLinksForBandwidth() {
        #expect(KernelFeature.ifb.isAvailable, "this kernel cannot make ifb links: BandwidthTests were skipped")
    }
}
