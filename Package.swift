// swift-tools-version:6.0
// swift-cni: the CNI reference plugins (bridge, ptp, loopback, host-local, portmap) and cnitool, in Swift.
import PackageDescription

// Plugins are exec'd once per pod operation, so start-up time is part of every ADD and DEL.
// Every plugin is linked into one multi-call executable, `swift-cni`, installed once and linked
// under each plugin's name (Sources/README.md). Release executables link the Swift runtime,
// libstdc++ and libnftnl statically (scripts/static-link holds linker scripts that redirect -lstdc++
// to the archive and make -lm as-needed), are not position-independent, export no symbols and carry
// no symbol tables, link libgcc statically and only the shared libraries they use (libm's functions
// are CStartup's: exact rounding, the rest loaded on first call): each of these measurably shortens
// the dynamic loader's work at every exec (see README, "Start-up"). Only libc and libmnl stay
// shared. scripts/static-link must come first on the library path: nothing may add a system
// directory before it (hence no pkgConfig for libmnl, whose only effect would be that).
let staticLinkDir = Context.packageDirectory + "/scripts/static-link"
// SWIFT_CNI_SYMBOLS=1 keeps the symbol table, for profiling (scripts/build-release.sh --symbols);
// not the DWARF, whose newer forms valgrind 3.19 cannot read.
let strip = ["-Xlinker", Context.environment["SWIFT_CNI_SYMBOLS"] == nil ? "--strip-all" : "--strip-debug"]
let releaseLinkFlags = [
    "-Xclang-linker", "-no-pie", "-Xclang-linker", "-static-libgcc", "-Xlinker", "--no-export-dynamic",
    "-Xlinker", "--as-needed", "-L", staticLinkDir,
    // The functions the plugins run, first and together (scripts/hot-functions.py made the list).
    "-Xlinker", "--section-ordering-file=\(staticLinkDir)/hot-functions.txt",
] + strip
let executableLinking: [LinkerSetting] = [
    .unsafeFlags(["-static-stdlib"] + releaseLinkFlags, .when(configuration: .release))
]
// cnitool links swift-argument-parser, which imports FoundationEssentials; its static archive only
// links when every module was compiled for the static stdlib, which only `--static-swift-stdlib`
// does (scripts/build-release.sh passes it). A plain `swift build -c release` links cnitool dynamically.
let toolLinking: [LinkerSetting] = [
    .unsafeFlags(releaseLinkFlags, .when(configuration: .release))
]

// Plugin code uses neither Regex nor Swift concurrency: without the implicit imports of
// _StringProcessing and _Concurrency the executable does not carry those libraries (-2 MB).
let lean: [SwiftSetting] = [
    .unsafeFlags([
        "-Xfrontend", "-disable-implicit-string-processing-module-import",
        "-Xfrontend", "-disable-implicit-concurrency-module-import",
    ])
]

let system: Target.Dependency = .product(name: "SystemPackage", package: "swift-system")

/// The plugins, one library each under Sources/CNIPlugins; every one is linked into `swift-cni`.
/// A new plugin is one more line here, and one line in its sources (Sources/README.md).
let pluginLibraries: [Target] = [
    .target(name: "Loopback", dependencies: ["PluginKit", "DomainErrors"], path: "Sources/CNIPlugins/Loopback", swiftSettings: lean),
    .target(name: "HostLocal", dependencies: ["CNI", "DomainErrors", "NetAddress", "Posix", system], path: "Sources/CNIPlugins/HostLocal", swiftSettings: lean),
    .target(name: "Bridge", dependencies: ["PluginKit", "Firewall", "DomainErrors"], path: "Sources/CNIPlugins/Bridge", swiftSettings: lean),
    .target(name: "PTP", dependencies: ["PluginKit", "Firewall", "DomainErrors"], path: "Sources/CNIPlugins/PTP", swiftSettings: lean),
    .target(name: "PortMap", dependencies: ["PluginKit", "Firewall", "DomainErrors"], path: "Sources/CNIPlugins/PortMap", exclude: ["README.md"],
            swiftSettings: lean),
    .target(name: "Macvlan", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/Macvlan", swiftSettings: lean),
    .target(name: "HostDevice", dependencies: ["PluginKit", "Posix"], path: "Sources/CNIPlugins/HostDevice", swiftSettings: lean),
    .target(name: "Tap", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/Tap", swiftSettings: lean),
    .target(name: "Dummy", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/Dummy", swiftSettings: lean),
    .target(name: "VLAN", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/VLAN", swiftSettings: lean),
    .target(name: "IPVLAN", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/IPVLAN", swiftSettings: lean),
    .target(name: "FirewallPlugin", dependencies: ["PluginKit", "Firewall", "DBus", "DomainErrors", "NetAddress"], path: "Sources/CNIPlugins/FirewallPlugin",
            exclude: ["README.md"], swiftSettings: lean),
    .target(name: "Static", dependencies: ["CNI", "DomainErrors", "NetAddress"], path: "Sources/CNIPlugins/Static", swiftSettings: lean),
    .target(name: "Flannel", dependencies: ["CNI", "DomainErrors", "NetAddress", "Posix"], path: "Sources/CNIPlugins/Flannel", swiftSettings: lean),
    .target(name: "DHCP", dependencies: ["CNI", "DomainErrors", "LinuxNet", "Netlink", "NetAddress", "Posix", "CNetlinkShim", system],
            path: "Sources/CNIPlugins/DHCP", swiftSettings: lean),
    .target(name: "Tuning", dependencies: ["PluginKit", "Posix", system], path: "Sources/CNIPlugins/Tuning", swiftSettings: lean),
    .target(name: "SBR", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/SBR", swiftSettings: lean),
    .target(name: "Bandwidth", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/Bandwidth", swiftSettings: lean),
    .target(name: "VRF", dependencies: ["PluginKit"], path: "Sources/CNIPlugins/VRF", swiftSettings: lean),
]

let package = Package(
    name: "swift-cni",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "swift-cni", targets: ["swift-cni"]),
        .executable(name: "cnitool", targets: ["cnitool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C: kernel headers, macros Swift cannot import, _GNU_SOURCE calls.
        .target(name: "CNetlinkShim"),
        // The multi-call binary's argv, taken from glibc instead of the runtime's /proc/self/maps
        // walk; libm's functions without loading libm at every exec.
        .target(name: "CStartup"),
        .systemLibrary(name: "CLibmnl", providers: [.apt(["libmnl-dev"])]),
        // libnftnl is linked statically into release executables (its archive is in libnftnl-dev),
        // so that the plugins that never touch nftables do not load it at every exec.
        .systemLibrary(name: "CLibnftnl"),
        // Value types shared by every layer: IP addresses, prefixes, MAC addresses, SHA-512 names.
        .target(name: "NetAddress", swiftSettings: lean),
        // The one shape of every module's own errors (`DomainError`) and the kinds CNI codes come from.
        .target(name: "DomainErrors", swiftSettings: lean),
        // Files on descriptors (openat, linkat, flock, whole-file reads and writes, directory walks)
        // and errno text as Go words it: the one POSIX file layer of plugins, runtime and tools.
        .target(name: "Posix", dependencies: [system], swiftSettings: lean),
        // Child processes (posix_spawn, stdin fed, stdout and stderr captured): delegated plugins,
        // iptables-save/restore, the runtime's plugin runs. The shim only for pipe2.
        .target(name: "Spawn", dependencies: ["CNetlinkShim", "Posix", system], swiftSettings: lean),

        // rtnetlink over libmnl.
        .target(name: "Netlink", dependencies: ["CNetlinkShim", "CLibmnl", "NetAddress", system], swiftSettings: lean),
        // Namespaces, veth pairs, addresses/routes from a config, sysctls, forwarding.
        .target(name: "LinuxNet", dependencies: ["Netlink", "CNetlinkShim", "DomainErrors", "NetAddress", "Posix", system], swiftSettings: lean),
        // nftables over libnftnl (one batch per operation), on Netlink's shared socket.
        .target(
            name: "NFTables", dependencies: ["CLibnftnl", "Netlink", "CNetlinkShim", "NetAddress", system],
            swiftSettings: lean,
            linkerSettings: [
                .linkedLibrary("nftnl", .when(configuration: .debug)),
                .unsafeFlags(["-Xlinker", "-l:libnftnl.a"], .when(configuration: .release)),
            ]),
        // Masquerade and port-mapping rule sets: nftables backend and iptables-restore backend.
        // CNI (no netlink, cheap) so that its errors carry their CNI codes themselves.
        .target(
            name: "Firewall", dependencies: ["NFTables", "Netlink", "CNI", "DomainErrors", "NetAddress", "Posix", "Spawn", system],
            swiftSettings: lean),
        // A D-Bus client speaking the wire protocol over the bus's unix socket (no libdbus):
        // only the firewall plugin links it, for firewalld.
        .target(name: "DBus", dependencies: [system], swiftSettings: lean),

        // CNI spec types, JSON, PluginMain, delegation, the multi-call binary's plugin table. No
        // netlink (the shim only for the table's section bounds).
        .target(name: "CNI", dependencies: ["CNetlinkShim", "DomainErrors", "NetAddress", "Posix", "Spawn", system], swiftSettings: lean),
        // The runtime side (libcni's job): config loading, chains, result cache, GC, STATUS.
        .target(name: "CNIRuntime", dependencies: ["CNI", "NetAddress", "Posix", system], swiftSettings: lean),
        // Glue shared by the interface plugins (CNI results applied through LinuxNet, masquerade).
        .target(name: "PluginKit", dependencies: ["CNI", "DomainErrors", "LinuxNet", "Netlink", "NetAddress", system], swiftSettings: lean),

        // One executable holds every plugin library (each registers itself in its table).
        .executableTarget(
            name: "swift-cni", dependencies: ["CStartup"] + pluginLibraries.map { .target(name: $0.name) },
            swiftSettings: lean, linkerSettings: executableLinking),
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
        .testTarget(name: "StartupTests", dependencies: ["CStartup"]),
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
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets", "Posix"], exclude: ["corpus", "regressions"]),
    ] + pluginLibraries,
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
