import Bandwidth
import Bridge
import CNI
import DHCP
import Flannel
import FirewallPlugin
import HostDevice
import HostLocal
import IPVLAN
import Macvlan
import PTP
import PortMap
import SBR
import Static
import Tap
import Tuning
import VLAN
import VRF

/// A config as a runtime sends it on stdin, read by the envelope (strict, and lenient as DEL and
/// GC read it), as a network list, and by every plugin's reader. Input: the config bytes, then
/// optionally a NUL and CNI_ARGS (host-local's `IP=`, macvlan's `MAC=`, ...). A reader may refuse
/// anything, but only with a config code: 1 (version), 6 (a JSON type), 7 (a value), or 4 for a bad
/// CNI_ARGS pair.
enum ConfigFuzz {
    static let configCodes: Set<CNIError.Code> = [.incompatibleCNIVersion, .decodingFailure, .invalidNetworkConfig]

    static func run(_ input: [UInt8]) {
        var bytes = input
        var args = CNIArgs("")
        if let nul = input.firstIndex(of: 0) {
            bytes = Array(input[..<nul])
            args = CNIArgs(String(decoding: input[(nul + 1)...], as: UTF8.self))
        }
        _ = try? NetworkConfigList(bytes: bytes)
        _ = try? NetworkConfig(bytes: bytes, lenient: true)
        let config: NetworkConfig
        do {
            config = try NetworkConfig(bytes: bytes)
        } catch {
            checkCode(error, "envelope")
            return
        }
        for version in ["0.1.0", "0.4.0", "1.1.0"] {
            // prevResult, if any, in the versions a chain converts it to.
            _ = try? config.prevResult?.converted(to: version).printed(version: version)
        }
        read("bridge") { _ = try BridgeConfig(config, args: args) }
        read("ptp") { _ = try PTPConfig(config) }
        read("portmap") { _ = try PortMapConfig(config) }
        read("host-local") { _ = try HostLocalConfig(config, args: args) }
        read("macvlan") { _ = try MacvlanConfig(config, args: args) }
        read("ipvlan") { _ = try IPVLANConfig(config) }
        read("vlan") { _ = try VLANConfig(config) }
        read("tap") { _ = try TapConfig(config, args: args) }
        // A PCI or auxiliary device is looked up in sysfs while reading: not there, an internal error.
        read("host-device", also: [.internal]) { _ = try HostDeviceConfig(config, sysfs: absentSysFS) }
        read("firewall") { _ = try FirewallConfig(config) }
        read("static") { _ = try StaticConfig(config, args: args) }
        read("dhcp") { _ = try DHCPConfig(config) }
        read("flannel") { _ = try FlannelConfig(config) }
        read("tuning") { _ = try TuningConfig(config, cniArgs: args) }
        read("sbr") { _ = try SBRConfig(config) }
        read("bandwidth") { _ = try BandwidthConfig(config) }
        read("vrf") { _ = try VRFConfig(config) }
        // DEL and GC read leniently: never refused.
        _ = TuningConfig(lenient: config)
        _ = SBRConfig(lenient: config)
        _ = BandwidthConfig(lenient: config)
        // flannel's subnet file (written by flanneld, read on every ADD): the config bytes as one.
        _ = try? SubnetEnv(text: String(decoding: bytes, as: UTF8.self), path: "/run/flannel/subnet.env")
    }

    /// host-device looks PCI and auxiliary devices up in sysfs: nowhere, here.
    static let absentSysFS: HostDeviceConfig.SysFS = {
        var s = HostDeviceConfig.SysFS()
        s.pci = "/nonexistent/swift-cni-fuzz/pci"
        s.auxiliary = "/nonexistent/swift-cni-fuzz/auxiliary"
        return s
    }()

    static func read(_ plugin: String, also: Set<CNIError.Code> = [], _ body: () throws -> Void) {
        do { try body() } catch { checkCode(error, plugin, also: also.union([.invalidEnvironmentVariables])) }
    }

    static func checkCode(_ error: any Error, _ reader: String, also: Set<CNIError.Code> = []) {
        let cni = CNIError(error)
        fuzzCheck(configCodes.union(also).contains(cni.code), "\(reader) refused a config with code \(cni.code): \(cni.msg)")
        _ = cni.json(cniVersion: "1.1.0")
    }
}
