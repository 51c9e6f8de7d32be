import CNI
import Foundation
import NetAddress
import Netlink
import Testing

@testable import HostDevice
@testable import IPVLAN
@testable import Macvlan
@testable import Tap
@testable import VLAN

/// The single-interface plugins' options read from configs, without the kernel: Go's rules (key
/// case, null, integer types), the reference's defaults and refusals with their codes.
@Suite struct InterfacePluginConfigTests {
    static func config(_ type: String, _ extra: String) throws -> NetworkConfig {
        try NetworkConfig(bytes: Array((#"{"cniVersion":"1.0.0","name":"net","type":""# + type + "\"" + extra + "}").utf8))
    }

    static func code(_ body: () throws -> Void) -> Int? {
        do {
            try body()
            return nil
        } catch {
            return Int(CNIError(error).code.rawValue)
        }
    }

    @Test func macvlan() throws {
        let d = try MacvlanConfig(Self.config("macvlan", ""), args: CNIArgs(""))
        #expect(d.master == nil && d.mode == .bridge && d.mtu == 0 && d.mac == nil && !d.linkInContainer && d.broadcastQueueLength == nil)
        let c = try MacvlanConfig(
            Self.config("macvlan", #","MASTER":"eth1","Mode":"passthru","mtu":1400,"mac":"02:00:00:00:00:01","LinkInContainer":"true","bcqueuelen":10"#),
            args: CNIArgs("MAC=02:00:00:00:00:02"))
        #expect(c.master == "eth1" && c.mode == .passthru && c.mtu == 1400 && c.linkInContainer && c.broadcastQueueLength == 10)
        #expect(c.mac?.description == "02:00:00:00:00:02")  // CNI_ARGS over the config's
        let r = try MacvlanConfig(Self.config("macvlan", #","mac":"02:00:00:00:00:01","runtimeConfig":{"mac":"02:00:00:00:00:03"}"#), args: CNIArgs("MAC=02:00:00:00:00:02"))
        #expect(r.mac?.description == "02:00:00:00:00:03")  // runtimeConfig over both
        #expect(try MacvlanConfig(Self.config("macvlan", #","mode":null"#), args: CNIArgs("")).mode == .bridge)
        #expect(Self.code { _ = try MacvlanConfig(Self.config("macvlan", #","mode":"bogus""#), args: CNIArgs("")) } == 7)
        #expect(Self.code { _ = try MacvlanConfig(Self.config("macvlan", #","mac":"01:00:5e:00:00:01""#), args: CNIArgs("")) } == 7)
        #expect(Self.code { _ = try MacvlanConfig(Self.config("macvlan", #","mtu":1400.0"#), args: CNIArgs("")) } == 6)
        #expect(Self.code { _ = try MacvlanConfig(Self.config("macvlan", #","bcqueuelen":-1"#), args: CNIArgs("")) } == 6)
    }

    @Test func ipvlanAndItsChainedMaster() throws {
        let d = try IPVLANConfig(Self.config("ipvlan", ""))
        #expect(d.master == nil && d.mode == .l2 && d.mtu == nil)
        #expect(try IPVLANConfig(Self.config("ipvlan", #","mode":"l3s","mtu":1400"#)).mode == .l3s)
        #expect(Self.code { _ = try IPVLANConfig(Self.config("ipvlan", #","mode":"l4""#)) } == 7)
        #expect(Self.code { _ = try IPVLANConfig(Self.config("ipvlan", #","mtu":-1"#)) } == 7)
        let one = CNIResult(interfaces: [.init(name: "eth9")])
        #expect(try IPVLANConfig.chainedMaster(one) == "eth9")
        let two = CNIResult(interfaces: [.init(name: "a"), .init(name: "b")])
        #expect(Self.code { _ = try IPVLANConfig.chainedMaster(two) } == 7)
    }

    @Test func vlan() throws {
        let c = try VLANConfig(Self.config("vlan", #","master":"eth0","vlanId":4094,"mtu":1400,"linkInContainer":true"#))
        #expect(c.master == "eth0" && c.vlanID == 4094 && c.mtu == 1400 && c.linkInContainer)
        #expect(Self.code { _ = try VLANConfig(Self.config("vlan", #","vlanId":5"#)) } == 7)
        #expect(Self.code { _ = try VLANConfig(Self.config("vlan", #","master":"eth0","vlanId":4095"#)) } == 7)
        #expect(Self.code { _ = try VLANConfig(Self.config("vlan", #","master":"eth0","vlanId":-1"#)) } == 7)
        #expect(Self.code { _ = try VLANConfig(Self.config("vlan", #","master":"eth0","vlanId":"5""#)) } == 6)
    }

    @Test func tapFlagsFollowTheReferencesTwoPaths() throws {
        let plain = try TapConfig(Self.config("tap", ""), args: CNIArgs(""))
        #expect(plain.options == .init())
        let owned = try TapConfig(Self.config("tap", #","owner":0,"group":0"#), args: CNIArgs(""))
        #expect(owned.options.vnetHeader && owned.options.packetInfo && owned.options.owner == 0)
        let mq = try TapConfig(Self.config("tap", #","owner":1,"group":2,"multiQueue":true"#), args: CNIArgs(""))
        #expect(mq.options.vnetHeader && !mq.options.packetInfo && mq.options.multiQueue)
        let ownerOnly = try TapConfig(Self.config("tap", #","owner":1,"selinuxcontext":"x""#), args: CNIArgs(""))
        #expect(!ownerOnly.options.vnetHeader && ownerOnly.options.owner == 1 && ownerOnly.selinuxContext == "x")
        #expect(try TapConfig(Self.config("tap", #","owner":null"#), args: CNIArgs("")).owner == nil)
        #expect(Self.code { _ = try TapConfig(Self.config("tap", #","owner":-1"#), args: CNIArgs("")) } == 6)
        #expect(Self.code { _ = try TapConfig(Self.config("tap", #","args":"x""#), args: CNIArgs("")) } == 6)
    }

    /// host-device's selectors, with a fake sysfs for the PCI and auxiliary buses.
    @Test func hostDeviceSelection() throws {
        let root = NSTemporaryDirectory() + "swcni-sysfs-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        var sysfs = HostDeviceConfig.SysFS()
        sysfs.pci = root + "/pci"
        sysfs.auxiliary = root + "/aux"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/drivers/vfio-pci", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/drivers/ixgbe", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: sysfs.pci + "/0000:00:01.0/net/enp0s1", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: sysfs.pci + "/0000:00:01.0/driver", withDestinationPath: root + "/drivers/ixgbe")
        try fm.createDirectory(atPath: sysfs.pci + "/0000:00:02.0", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: sysfs.pci + "/0000:00:02.0/driver", withDestinationPath: root + "/drivers/vfio-pci")
        try fm.createDirectory(atPath: sysfs.auxiliary + "/mlx5_core.sf.4/net/en3f0pf0sf4", withIntermediateDirectories: true)
        func read(_ extra: String) throws -> HostDeviceConfig { try HostDeviceConfig(Self.config("host-device", extra), sysfs: sysfs) }

        #expect(try read(#","device":"eth1""#).selector == .name("eth1"))
        #expect(try read(#","hwaddr":"02:00:00:00:00:09""#).selector == .mac(MACAddress("02:00:00:00:00:09")!))
        #expect(try read(#","kernelpath":"/sys/devices/pci0000:00/0000:00:1f.6""#).selector == .kernelPath("/sys/devices/pci0000:00/0000:00:1f.6"))
        let pci = try read(#","pciBusID":"0000:00:01.0""#)
        #expect(pci.selector == .pci("0000:00:01.0") && !pci.dpdkMode)
        #expect(try read(#","pciBusID":"0000:00:02.0""#).dpdkMode)  // bound to vfio-pci
        #expect(try read(#","runtimeConfig":{"deviceID":"0000:00:02.0"}"#).dpdkMode)
        #expect(try read(#","runtimeConfig":{"deviceID":"mlx5_core.sf.4"}"#).selector == .auxiliary("mlx5_core.sf.4"))
        #expect(try read(#","device":"eth1","DPDKMode":true"#).dpdkMode)  // Go reads the untagged field
        #expect(try read(#","device":"eth1","useInterfaceNetwork":true"#).useInterfaceNetwork)
        #expect(Self.code { _ = try read("") } == 7)
        #expect(Self.code { _ = try read(#","kernelpath":"/proc/x""#) } == 7)
        #expect(Self.code { _ = try read(#","hwaddr":"zz""#) } == 7)
        #expect(Self.code { _ = try read(#","runtimeConfig":{"deviceID":"nope"}"#) } == 7)
        #expect(Self.code { _ = try read(#","pciBusID":"0000:00:09.0""#) } == 999)  // no driver link
        // The plugin's own walk of those directories.
        #expect(HostDevices.entries(of: sysfs.pci + "/0000:00:01.0/net") == ["enp0s1"])
    }
}
