import CNI
import Glibc
import NetAddress
import PluginKit

/// The host-device plugin's options, read as the reference's `NetConf` reads them: the device by
/// `device` (name), `hwaddr`, `kernelpath` or `pciBusID` (or `runtimeConfig.deviceID`, a PCI or
/// auxiliary-bus device), and `useInterfaceNetwork`. Its untagged `DPDKMode` field is read too
/// (under any case of that name), as Go reads it; a `pciBusID` decides it from the bound driver.
public struct HostDeviceConfig: Sendable, Hashable {
    static let fields = NetworkConfig.fields + [
        "device", "hwaddr", "DPDKMode", "kernelpath", "pciBusID", "runtimeConfig", "useInterfaceNetwork",
    ]

    /// How the device is selected, in the reference's order of precedence.
    public enum Selector: Sendable, Hashable {
        case name(String)
        case mac(MACAddress)
        case kernelPath(String)
        case pci(String)
        case auxiliary(String)
    }

    public var selector: Selector
    /// The device is bound to a userspace (DPDK) driver: it is not moved, IPAM's result is not applied.
    public var dpdkMode: Bool
    /// `useInterfaceNetwork`: the device's addresses and routes on the node go with it.
    public var useInterfaceNetwork: Bool

    /// Where sysfs lists PCI and auxiliary-bus devices (replaceable in tests).
    public struct SysFS: Sendable, Hashable {
        public var pci = "/sys/bus/pci/devices"
        public var auxiliary = "/sys/bus/auxiliary/devices"
        public init() {}
    }

    /// Drivers that take a device away from the kernel's network stack (DPDK).
    static let userspaceDrivers = ["vfio-pci", "uio_pci_generic", "igb_uio"]

    public init(_ config: NetworkConfig, sysfs: SysFS = SysFS()) throws {
        let o = config.object(Self.fields)
        let device = try o["device"].string() ?? ""
        let hwaddr = try o["hwaddr"].string() ?? ""
        let kernelPath = try o["kernelpath"].string() ?? ""
        var pci = try o["pciBusID"].string() ?? ""
        var auxiliary = ""
        dpdkMode = try o["DPDKMode"].bool() ?? false
        useInterfaceNetwork = try o["useInterfaceNetwork"].bool() ?? false
        let deviceID = try o["runtimeConfig"].object(["deviceID"])["deviceID"].string() ?? ""
        if !deviceID.isEmpty {
            if Self.exists(sysfs.pci + "/" + deviceID) {
                pci = deviceID
            } else if Self.exists(sysfs.auxiliary + "/" + deviceID) {
                pci = ""
                auxiliary = deviceID
            } else {
                throw PluginError(.invalidConfig, "runtime config DeviceID \(deviceID) not found or unsupported")
            }
        }
        if !device.isEmpty {
            selector = .name(device)
        } else if !hwaddr.isEmpty {
            guard let mac = MACAddress(hwaddr) else {
                throw PluginError(.invalidConfig, "failed to parse MAC address \"\(hwaddr)\": invalid MAC address")
            }
            selector = .mac(mac)
        } else if !kernelPath.isEmpty {
            guard kernelPath.hasPrefix("/sys/devices/"), !kernelPath.split(separator: "/").contains("..") else {
                throw PluginError(.invalidConfig, "kernel device path \"\(kernelPath)\" must be absolute and begin with /sys/devices/")
            }
            selector = .kernelPath(kernelPath)
        } else if !pci.isEmpty {
            selector = .pci(pci)
        } else if !auxiliary.isEmpty {
            selector = .auxiliary(auxiliary)
        } else {
            throw PluginError(.invalidConfig, #"specify either "device", "hwaddr", "kernelpath" or "pciBusID""#)
        }
        if !pci.isEmpty {
            guard !pci.contains("/") else { throw PluginError(.invalidConfig, "invalid PCI address \"\(pci)\"") }
            dpdkMode = try Self.hasUserspaceDriver(sysfs.pci + "/" + pci)
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Whether the PCI device at `path` is bound to a DPDK driver (the basename of `driver`).
    static func hasUserspaceDriver(_ path: String) throws(PluginError) -> Bool {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path + "/driver", &buffer, buffer.count - 1)
        guard count >= 0 else {
            throw PluginError(.internal, "error with host device: lstat \(path)/driver: \(String(cString: strerror(errno)))")
        }
        let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let driver = target.split(separator: "/").last.map(String.init) ?? target
        return userspaceDrivers.contains(driver)
    }
}
