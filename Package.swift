// swift-tools-version:6.0
// swift-cni: the CNI reference plugins (bridge, ptp, loopback, host-local, portmap) and cnitool, in Swift.
import PackageDescription

// Plugins are exec'd once per pod operation, so start-up time is part of every ADD and DEL.
// Release executables link the Swift runtime and libstdc++ statically (scripts/static-link holds a
// linker script that redirects -lstdc++ to the archive), are not position-independent, export no
// symbols and carry no symbol tables: each of these measurably shortens the dynamic loader's work at
// every exec (see README, "Start-up"). libc, libm, libgcc_s, libmnl and (where used) libnftnl stay shared.
let staticLinkDir = Context.packageDirectory + "/scripts/static-link"
let releaseLinkFlags = [
    "-Xclang-linker", "-no-pie", "-Xlinker", "--no-export-dynamic", "-Xlinker", "--strip-all",
    "-L", staticLinkDir,
]
let executableLinking: [LinkerSetting] = [
    .unsafeFlags(["-static-stdlib"] + releaseLinkFlags, .when(configuration: .release))
]
// cnitool links swift-argument-parser, which imports FoundationEssentials; its static archive only
// links when every module was compiled for the static stdlib, which only `--static-swift-stdlib`
// does (scripts/build-release.sh passes it). A plain `swift build -c release` links cnitool dynamically.
let toolLinking: [LinkerSetting] = [
    .unsafeFlags(releaseLinkFlags, .when(configuration: .release))
]

let system: Target.Dependency = .product(name: "SystemPackage", package: "swift-system")

let package = Package(
    name: "swift-cni",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "bridge", targets: ["bridge"]),
        .executable(name: "ptp", targets: ["ptp"]),
        .executable(name: "loopback", targets: ["loopback"]),
        .executable(name: "host-local", targets: ["host-local"]),
        .executable(name: "portmap", targets: ["portmap"]),
        .executable(name: "macvlan", targets: ["macvlan"]),
        .executable(name: "ipvlan", targets: ["ipvlan"]),
        .executable(name: "vlan", targets: ["vlan"]),
        .executable(name: "dummy", targets: ["dummy"]),
        .executable(name: "tap", targets: ["tap"]),
        .executable(name: "host-device", targets: ["host-device"]),
        .executable(name: "firewall", targets: ["firewall"]),
        .executable(name: "static", targets: ["static"]),
        .executable(name: "flannel", targets: ["flannel"]),
        .executable(name: "dhcp", targets: ["dhcp"]),
        .executable(name: "tuning", targets: ["tuning"]),
        .executable(name: "sbr", targets: ["sbr"]),
        .executable(name: "bandwidth", targets: ["bandwidth"]),
        .executable(name: "vrf", targets: ["vrf"]),
        .executable(name: "cnitool", targets: ["cnitool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C: kernel headers, macros Swift cannot import, _GNU_SOURCE calls.
        .target(name: "CNetlinkShim"),
        .systemLibrary(name: "CLibmnl", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        .systemLibrary(name: "CLibnftnl", pkgConfig: "libnftnl", providers: [.apt(["libnftnl-dev"])]),
        // SHA-512 from the system's libcrypto, linked statically: the shared libcrypto.so.3
        // costs ~2.3 ms of constructors at every exec (measured), the static low-level API ~0.
        .target(
            name: "CCryptoShim",
            linkerSettings: [.unsafeFlags(["-Xlinker", "-l:libcrypto.a"])]
        ),

        // Value types shared by every layer: IP addresses, prefixes, MAC addresses, SHA-512 names.
        .target(name: "NetAddress", dependencies: ["CCryptoShim"]),
        // The one shape of every module's own errors (`DomainError`) and the kinds CNI codes come from.
        .target(name: "DomainErrors"),
        // Files on descriptors (openat, linkat, flock, whole-file reads and writes, directory walks)
        // and errno text as Go words it: the one POSIX file layer of plugins, runtime and tools.
        .target(name: "Posix", dependencies: [system]),
        // Child processes (posix_spawn, stdin fed, stdout and stderr captured): delegated plugins,
        // iptables-save/restore, the runtime's plugin runs. The shim only for pipe2.
        .target(name: "Spawn", dependencies: ["CNetlinkShim", "Posix", system]),

        // rtnetlink over libmnl.
        .target(name: "Netlink", dependencies: ["CNetlinkShim", "CLibmnl", "NetAddress", system]),
        // Namespaces, veth pairs, addresses/routes from a config, sysctls, forwarding.
        .target(name: "LinuxNet", dependencies: ["Netlink", "CNetlinkShim", "DomainErrors", "NetAddress", "Posix", system]),
        // nftables over libnftnl (one batch per operation).
        .target(name: "NFTables", dependencies: ["CLibnftnl", "Netlink", "CNetlinkShim", "NetAddress", system]),
        // Masquerade and port-mapping rule sets: nftables backend and iptables-restore backend.
        // CNI (no netlink, cheap) so that its errors carry their CNI codes themselves.
        .target(
            name: "Firewall", dependencies: ["NFTables", "Netlink", "CNI", "DomainErrors", "NetAddress", "Posix", "Spawn", system]),
        // A D-Bus client speaking the wire protocol over the bus's unix socket (no libdbus):
        // only the firewall plugin links it, for firewalld.
        .target(name: "DBus", dependencies: [system]),

        // CNI spec types, JSON, PluginMain, delegation. No netlink.
        .target(name: "CNI", dependencies: ["DomainErrors", "NetAddress", "Posix", "Spawn", system]),
        // The runtime side (libcni's job): config loading, chains, result cache, GC, STATUS.
        .target(name: "CNIRuntime", dependencies: ["CNI", "NetAddress", "Posix", system]),
        // Glue shared by the interface plugins (CNI results applied through LinuxNet, masquerade).
        // (No Firewall here: loopback links PluginKit and must not load libnftnl at every exec.)
        .target(name: "PluginKit", dependencies: ["CNI", "DomainErrors", "LinuxNet", "Netlink", "NetAddress", system]),

        // One library per plugin, so each binary carries only its own code.
        .target(name: "Loopback", dependencies: ["PluginKit", "DomainErrors"], path: "Sources/CNIPlugins/Loopback"),
        .target(name: "HostLocal", dependencies: ["CNI", "DomainErrors", "NetAddress", "Posix", system], path: "Sources/CNIPlugins/HostLocal"),
        .target(name: "Bridge", dependencies: ["PluginKit", "Firewall", "DomainErrors"], path: "Sources/CNIPlugins/Bridge"),
        .target(name: "PTP", dependencies: ["PluginKit", "Firewall", "DomainErrors"], path: "Sources/CNIPlugins/PTP"),
        .target(name: "PortMap", dependencies: ["PluginKit", "Firewall", "DomainErrors"], path: "Sources/CNIPlugins/PortMap", exclude: ["README.md"]),
        .target(name: "Macvlan", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/Macvlan"),
        .target(name: "HostDevice", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/HostDevice"),
        .target(name: "Tap", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/Tap"),
        .target(name: "Dummy", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/Dummy"),
        .target(name: "VLAN", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/VLAN"),
        .target(name: "IPVLAN", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/IPVLAN"),
        .target(
            name: "FirewallPlugin", dependencies: ["PluginKit", "Firewall", "DBus", "DomainErrors"], path: "Sources/CNIPlugins/FirewallPlugin",
            exclude: ["README.md"]),
        .target(name: "Static", dependencies: ["CNI", "DomainErrors", "NetAddress"], path: "Sources/CNIPlugins/Static"),
        .target(name: "Flannel", dependencies: ["CNI", "DomainErrors", "NetAddress", "Posix"], path: "Sources/CNIPlugins/Flannel"),
        .target(
            name: "DHCP", dependencies: ["CNI", "DomainErrors", "LinuxNet", "Netlink", "NetAddress", "Posix", "CNetlinkShim", system],
            path: "Sources/CNIPlugins/DHCP"),
        .target(name: "Tuning", dependencies: ["PluginKit", "Posix", system], path: "Sources/CNIPlugins/Tuning"),
        .target(name: "SBR", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/SBR"),
        .target(name: "Bandwidth", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/Bandwidth"),
        .target(name: "VRF", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/VRF"),

        .executableTarget(name: "loopback", dependencies: ["Loopback"], linkerSettings: executableLinking),
        .executableTarget(name: "host-local", dependencies: ["HostLocal"], linkerSettings: executableLinking),
        .executableTarget(name: "bridge", dependencies: ["Bridge"], linkerSettings: executableLinking),
        .executableTarget(name: "ptp", dependencies: ["PTP"], linkerSettings: executableLinking),
        .executableTarget(name: "portmap", dependencies: ["PortMap"], linkerSettings: executableLinking),
        .executableTarget(name: "macvlan", dependencies: ["Macvlan"], linkerSettings: executableLinking),
        .executableTarget(name: "host-device", dependencies: ["HostDevice"], linkerSettings: executableLinking),
        .executableTarget(name: "tap", dependencies: ["Tap"], linkerSettings: executableLinking),
        .executableTarget(name: "dummy", dependencies: ["Dummy"], linkerSettings: executableLinking),
        .executableTarget(name: "vlan", dependencies: ["VLAN"], linkerSettings: executableLinking),
        .executableTarget(name: "ipvlan", dependencies: ["IPVLAN"], linkerSettings: executableLinking),
        .executableTarget(name: "firewall", dependencies: ["FirewallPlugin"], linkerSettings: executableLinking),
        .executableTarget(name: "static", dependencies: ["Static"], linkerSettings: executableLinking),
        .executableTarget(name: "flannel", dependencies: ["Flannel"], linkerSettings: executableLinking),
        .executableTarget(name: "dhcp", dependencies: ["DHCP"], linkerSettings: executableLinking),
        .executableTarget(name: "tuning", dependencies: ["Tuning"], linkerSettings: executableLinking),
        .executableTarget(name: "sbr", dependencies: ["SBR"], linkerSettings: executableLinking),
        .executableTarget(name: "bandwidth", dependencies: ["Bandwidth"], linkerSettings: executableLinking),
        .executableTarget(name: "vrf", dependencies: ["VRF"], linkerSettings: executableLinking),
        .executableTarget(
            name: "cnitool",
            dependencies: [
                "CNIRuntime", "CNI", "LinuxNet", "Posix",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: toolLinking
        ),

        // Helpers only tests import: throwaway namespaces, running built binaries, fakes.
        .target(
            name: "CNITestSupport",
            dependencies: [
                "CNetlinkShim", "CLibnftnl", "CNI", "Firewall", "LinuxNet", "NetAddress", "Netlink", "PluginKit", "Spawn", system,
            ],
            path: "Tests/CNITestSupport"),

        .testTarget(name: "NetAddressTests", dependencies: ["NetAddress"]),
        .testTarget(name: "PosixTests", dependencies: ["Posix"]),
        .testTarget(name: "CNITests", dependencies: ["CNI", "CNITestSupport"]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "LinuxNet", "CNITestSupport"]),
        .testTarget(name: "LinuxNetTests", dependencies: ["LinuxNet", "Netlink", "CNITestSupport"]),
        .testTarget(name: "FirewallTests", dependencies: ["Firewall", "NFTables", "LinuxNet", "CNI", "Spawn", "CNITestSupport"]),
        .testTarget(name: "HostLocalTests", dependencies: ["HostLocal", "CNI", "CNITestSupport"]),
        .testTarget(name: "IPAMTests", dependencies: ["Static", "DHCP", "CNI", "NetAddress", "CNITestSupport"]),
        .testTarget(name: "FlannelTests", dependencies: ["Flannel", "CNI", "NetAddress", "CNITestSupport"]),
        .testTarget(name: "CNIRuntimeTests", dependencies: ["CNIRuntime", "CNI", "CNITestSupport"]),
        .testTarget(
            name: "PluginTests",
            dependencies: [
                "Loopback", "Bridge", "PTP", "PortMap", "Macvlan", "IPVLAN", "VLAN", "Tap", "HostDevice", "Tuning", "SBR",
                "Bandwidth", "VRF", "PluginKit", "DomainErrors", "Netlink", "CNITestSupport",
            ]),
        .testTarget(name: "FirewallPluginTests", dependencies: ["FirewallPlugin", "Firewall", "NFTables", "DBus", "PluginKit", "CNI", "CNITestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["CNI", "CNITestSupport"]),

        // Fuzz targets (scripts/fuzz.sh runs them under libFuzzer); the tests replay the
        // committed corpus and every input that once failed.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "CNI", "Netlink", "NFTables", "NetAddress", "HostLocal", "Bridge", "PTP", "PortMap", "Macvlan", "IPVLAN",
                "VLAN", "Tap", "HostDevice", "FirewallPlugin", "Static", "Flannel", "DHCP", "Tuning", "SBR", "Bandwidth", "VRF", system,
            ],
            path: "Tests/FuzzTargets"),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"], exclude: ["corpus", "regressions"]),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer executable exists only for scripts/fuzz.sh (SWCNI_FUZZ=1, built with
// `--sanitize=fuzzer`, which supplies main): an ordinary build has no main for it.
if Context.environment["SWCNI_FUZZ"] == "1" {
    package.products.append(.executable(name: "swift-cni-fuzz", targets: ["swift-cni-fuzz"]))
    package.targets.append(
        .executableTarget(
            name: "swift-cni-fuzz", dependencies: ["FuzzTargets"], path: "Tests/Fuzz/Driver",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
