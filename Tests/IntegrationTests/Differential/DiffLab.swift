import CNITestSupport
import Foundation

/// One side of one differential case: the reference's or ours. Each side gets its own "host"
/// namespace (the plugin runs there), its own container namespace and its own state directory,
/// which every plugin run sees as `/var/lib` through a private mount namespace: host-local's
/// default `/var/lib/cni/networks` and the tables' `/var/lib/cni/dd` both land in the lab, so a
/// config whose `dataDir` is misread still never touches the machine's `/var/lib/cni`, and lease
/// locations can be compared as paths.
struct DiffSide: Sendable {
    enum Kind: String, Sendable { case reference, ours }

    let kind: Kind
    let plugin: DiffPlugin
    /// Named namespaces (nil when the plugin needs none: it then runs in an anonymous one).
    let host: String?
    let container: String?
    let stateDir: String

    var binary: String {
        kind == .reference ? Binaries.referenceDirectory + "/" + plugin.binary : Binaries.path(plugin.binary)
    }
    var cniPath: String { kind == .reference ? Binaries.referenceDirectory : Binaries.directory }
    /// What the plugin is told in CNI_NETNS. Plugins that need no container get a path that
    /// does not exist (an IPAM plugin is never meant to open it).
    var netnsPath: String { container.map { "/var/run/netns/" + $0 } ?? "/var/run/netns/swcni-df-none" }

    /// Runs one verb with `config` on stdin, in the host namespace, behind the private `/var/lib`.
    func run(_ verb: String, config: [UInt8], cniArgs: String?) throws -> CommandOutput {
        var env = [
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": verb, "CNI_CONTAINERID": DiffLab.containerID,
            "CNI_NETNS": netnsPath, "CNI_IFNAME": "eth0", "CNI_PATH": cniPath,
        ]
        if let cniArgs { env["CNI_ARGS"] = cniArgs }
        let enter = host.map { #"exec nsenter --net="/var/run/netns/\#($0)" -- "$1""# } ?? #"exec "$1""#
        // unshare(1) makes the new mount namespace's mounts private, so the bind stays in it.
        let argv = ["unshare", "--mount"] + (host == nil ? ["--net"] : []) + [
            "--", "/bin/sh", "-c", #"mount --bind "$0" /var/lib && "# + enter, stateDir + "/varlib", binary,
        ]
        return try Command.run(argv, environment: env, stdin: config)
    }

    /// The kernel, firewall and file state this side's plugin could have changed.
    func capture() throws -> [String: [String]] {
        var sections: [String: [String]] = [:]
        if host != nil || container != nil {
            let scripts = [
                ["/bin/sh", "-c", DiffLab.captureScript, "capture", host ?? "", container ?? "", plugin.filterTables ? "filter" : ""],
                plugin.capture.isEmpty ? [] : ["/bin/sh", "-c", plugin.capture, "capture", host ?? "", container ?? ""],
            ]
            for argv in scripts where !argv.isEmpty {
                let out = try Command.run(argv)
                var current = ""
                for line in out.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix("@@") {
                        current = String(line.dropFirst(2))
                        sections[current, default: []] = []
                    } else if !current.isEmpty {
                        sections[current, default: []].append(String(line))
                    }
                }
            }
        }
        sections["files"] = files()
        return sections
    }

    /// Every file under the lab's `/var/lib`, with its content: lease files, `last_reserved_ip.*`,
    /// `lock`. Our host-local's attachment cache (`.swift-cni`, documented in the README) is left
    /// out: the reference has none by design.
    func files() -> [String] {
        let root = stateDir + "/varlib"
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var lines: [String] = []
        while let relative = walker.nextObject() as? String {
            if relative == ".swift-cni" || relative.hasSuffix("/.swift-cni") {
                walker.skipDescendants()
                continue
            }
            let path = root + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            let content = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
            lines.append("/var/lib/\(relative) = \(DiffLab.escaped(content))")
        }
        return lines.sorted()
    }
}

/// Makes the namespaces and state directories of one case (both sides), and removes them all
/// afterwards, whatever happened.
enum DiffLab {
    static let containerID = "ctr-diff"

    static func with<T>(_ plugin: DiffPlugin, _ body: (DiffSide, DiffSide) throws -> T) throws -> T {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        var names: [String] = []
        func side(_ kind: DiffSide.Kind) -> DiffSide {
            let letter = kind == .reference ? "r" : "o"
            let host = plugin.namespaces == .none ? nil : "swcni-df-\(tag)-\(letter)h"
            let container = plugin.namespaces == .hostAndContainer ? "swcni-df-\(tag)-\(letter)c" : nil
            names += [host, container].compactMap { $0 }
            return DiffSide(
                kind: kind, plugin: plugin, host: host, container: container,
                stateDir: NSTemporaryDirectory() + "swcni-df-\(tag)-\(letter)")
        }
        let sides = (side(.reference), side(.ours))
        defer {
            if !names.isEmpty {
                _ = try? Command.run(["ip", "-force", "-batch", "-"], stdin: Array(names.map { "netns del \($0)\n" }.joined().utf8))
            }
            for s in [sides.0, sides.1] { try? FileManager.default.removeItem(atPath: s.stateDir) }
        }
        for s in [sides.0, sides.1] {
            try FileManager.default.createDirectory(atPath: s.stateDir + "/varlib", withIntermediateDirectories: true)
            for (relative, content) in plugin.files {
                let path = s.stateDir + "/varlib/" + relative
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(content.utf8).write(to: URL(fileURLWithPath: path))
            }
        }
        if !names.isEmpty {
            // One exec for all namespaces of the case; `lo` stays down (loopback's job, and the same
            // on both sides for the others).
            try Command.check(["ip", "-batch", "-"], stdin: Array(names.map { "netns add \($0)\n" }.joined().utf8))
            for s in [sides.0, sides.1] where !plugin.prepare.isEmpty {
                try Command.check(["/bin/sh", "-c", plugin.prepare, "prepare", s.host ?? "", s.container ?? ""])
            }
        }
        return try body(sides.0, sides.1)
    }

    /// Prints the state of the host ($1) and container ($2) namespaces in `@@section` blocks: links
    /// and addresses (`ip -j -d addr`) and IPv4 routes in one `ip -batch`, IPv6 routes, the nat
    /// tables of both families (and the filter tables when $3 is `filter`), nftables tables other
    /// than iptables-nft's own, forwarding and route_localnet. Few execs: it runs four times per case.
    static let captureScript = #"""
        H="$1"; C="$2"; F="$3"
        show() {  # $1 section prefix, $2 namespace: addresses with link details, then routes per family
            echo "@@$1.ip"; printf 'addr show\nroute show\n' | ip -n "$2" -j -d -batch -
            echo "@@$1.routes6"; ip -n "$2" -j -6 route show
        }
        if [ -n "$H" ]; then
            show host "$H"
            nsenter --net="/var/run/netns/$H" /bin/sh -c '
                echo @@host.nat4; iptables-save -t nat 2>&1
                echo @@host.nat6; ip6tables-save -t nat 2>&1
                if [ "$0" = filter ]; then
                    echo @@host.filter4; iptables-save -t filter 2>&1
                    echo @@host.filter6; ip6tables-save -t filter 2>&1
                fi
                echo @@host.nft
                nft -s list tables 2>&1 | while read -r _ family name; do
                    case "$family $name" in
                        "ip nat"|"ip6 nat"|"ip filter"|"ip6 filter"|"ip mangle"|"ip6 mangle"|"ip raw"|"ip6 raw") ;;
                        *) nft -s list table "$family" "$name" 2>&1 ;;
                    esac
                done
                echo @@host.sysctl
                read -r v < /proc/sys/net/ipv4/ip_forward; echo "ipv4 ip_forward $v"
                read -r v < /proc/sys/net/ipv6/conf/all/forwarding; echo "ipv6 forwarding $v"
                for f in /proc/sys/net/ipv4/conf/*/route_localnet; do
                    read -r v < "$f"; d=${f%/route_localnet}; [ "$v" = 1 ] && echo "route_localnet ${d##*/}"
                done
                true' "$F"
        fi
        if [ -n "$C" ]; then show container "$C"; fi
        """#

    /// Bytes as text: printable ASCII as is, the rest escaped (`\r`, `\n`, `\xNN`).
    static func escaped(_ bytes: [UInt8]) -> String {
        var text = ""
        for b in bytes {
            switch b {
            case 0x0d: text += "\\r"
            case 0x0a: text += "\\n"
            case 0x5c: text += "\\\\"
            case 0x20..<0x7f: text += String(UnicodeScalar(b))
            default: text += "\\x" + String(format: "%02x", b)
            }
        }
        return text
    }
}
