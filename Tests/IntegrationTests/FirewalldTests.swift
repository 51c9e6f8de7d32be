import CNITestSupport
import Foundation
import Testing

/// The firewalld backend against a real firewalld with its own D-Bus system bus, inside a private
/// PID + mount + network namespace (tmpfs over /run and /var/log there): the machine's bus and
/// firewall are never touched, and everything started there (dbus-daemon, firewalld, the polkitd
/// the bus activates) dies with the namespace. Ours and Debian's binary side by side.
@Suite(.enabled(if: isPrivileged), .serialized)
struct FirewalldTests {
    /// Starts dbus-daemon and firewalld, runs `steps` (shell, with $OURS, $REF, $CONF, $CONF_PUBLIC,
    /// $CONF_ISO and the helpers `run VERB BINARY CONFIG` and `sources ZONE`), prints what they print.
    static func lab(_ steps: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/firewalld") else {
            Issue.record("firewalld is not installed (scripts/deps.sh installs it): the firewalld backend was not tested")
            return ""
        }
        let prev = #"{"cniVersion":"1.0.0","interfaces":[{"name":"cnifwd0"},{"name":"eth0","sandbox":"/run/netns/x"}],"ips":[{"interface":1,"address":"10.68.0.5/16"},{"interface":1,"address":"fd00:68::5/64"}]}"#
        let conf = #"{"cniVersion":"1.0.0","name":"fwdnet","type":"firewall","prevResult":\#(prev)}"#
        let script = #"""
            set -u
            mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/log && mkdir -p /run/dbus || exit 1
            ip link set lo up
            dbus-daemon --system --fork > /dev/null 2>&1 < /dev/null || exit 1
            firewalld --nofork --nopid > /run/firewalld.out 2>&1 < /dev/null &
            FWD=$!
            for i in $(seq 1 300); do firewall-cmd --state >/dev/null 2>&1 && break; sleep 0.1; done
            echo "state: $(firewall-cmd --state 2>&1)"
            run() { echo "$3" | CNI_COMMAND=$1 CNI_CONTAINERID=ctr1 CNI_NETNS=/run/netns/x CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$2"; echo " rc=$?"; }
            sources() { echo "sources $1: $(firewall-cmd --zone=$1 --list-sources)"; }
            stop_firewalld() { kill -9 $FWD; wait $FWD 2>/dev/null; }
            \#(steps)
            """#
        let iso = conf.replacingOccurrences(of: #""type":"firewall""#, with: #""type":"firewall","ingressPolicy":"same-bridge""#)
        let pub = conf.replacingOccurrences(of: #""type":"firewall""#, with: #""type":"firewall","firewalldZone":"public""#)
        let out = try Command.run(
            [
                "timeout", "-s", "KILL", "180", "unshare", "--kill-child", "--pid", "--fork", "--mount-proc", "--mount", "--net",
                "--propagation", "private", "/bin/bash", "-c", script,
            ],
            environment: [
                "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OURS": Binaries.path("firewall"),
                "REF": Binaries.referenceDirectory + "/firewall", "CONF": conf, "CONF_PUBLIC": pub, "CONF_ISO": iso,
            ])
        #expect(out.stdout.contains("state: running"), "firewalld did not start: \(out.stdout) \(out.stderr)")
        return out.stdout
    }

    /// With firewalld on the bus and no backend configured, both pick firewalld: the addresses join
    /// the trusted zone; either side's DEL removes the other's; CHECK asks firewalld.
    @Test func defaultIsFirewalldWhenRunning() throws {
        let out = try Self.lab(#"""
            echo "== ours add"; run ADD "$OURS" "$CONF" | tail -1; sources trusted
            echo "== ours add again"; run ADD "$OURS" "$CONF" | tail -1
            echo "== ours check"; run CHECK "$OURS" "$CONF"
            echo "== ref check"; run CHECK "$REF" "$CONF"
            echo "== ref del"; run DEL "$REF" "$CONF"; sources trusted
            echo "== ours check after"; run CHECK "$OURS" "$CONF" | tail -1
            echo "== ref add"; run ADD "$REF" "$CONF" | tail -1; sources trusted
            echo "== ours del"; run DEL "$OURS" "$CONF"; sources trusted
            echo "== ours del again"; run DEL "$OURS" "$CONF"
            echo "== nft"; nft list tables
            """#)
        let steps = Self.steps(out)
        #expect(steps["ours add"]?.contains("rc=0") == true)
        #expect(steps["ours add"]?.contains("sources trusted: 10.68.0.5/32 fd00:68::5/128") == true, "\(out)")
        #expect(steps["ours add again"]?.contains("rc=0") == true, "an address already in the zone is fine")
        #expect(steps["ours check"]?.contains("rc=0") == true)
        #expect(steps["ref check"]?.contains("rc=0") == true)
        #expect(Self.sources("trusted", in: steps["ref del"]) == "", "\(out)")
        #expect(steps["ours check after"]?.contains("rc=1") == true, "CHECK sees the address gone")
        #expect(steps["ref add"]?.contains("sources trusted: 10.68.0.5/32 fd00:68::5/128") == true)
        #expect(steps["ours del"]?.contains("rc=0") == true)
        #expect(steps["ours del"]?.contains("10.68.0.5") == false, "\(out)")
        #expect(steps["ours del again"]?.contains("rc=0") == true)
        #expect(steps["nft"]?.contains("cni_plugins_firewall") == false, "no rules of ours beside firewalld's")
    }

    /// `firewalldZone`; the ingress policy's isolation beside firewalld (in nftables on this fresh
    /// node); DEL once firewalld is gone succeeds (its runtime configuration went with it).
    @Test func zoneIsolationAndFirewalldGone() throws {
        let out = try Self.lab(#"""
            echo "== public"; run ADD "$OURS" "$CONF_PUBLIC" | tail -1; sources public; sources trusted
            echo "== public del"; run DEL "$OURS" "$CONF_PUBLIC"; sources public
            echo "== iso"; run ADD "$OURS" "$CONF_ISO" | tail -1; sources trusted; nft list chain inet cni_plugins_firewall isolation_stage_2
            echo "== iso check"; run CHECK "$OURS" "$CONF_ISO"
            stop_firewalld
            echo "== gone del"; run DEL "$OURS" "$CONF_ISO"
            echo "== gone status"; echo '{"cniVersion":"1.1.0","name":"fwdnet","type":"firewall","backend":"firewalld"}' | CNI_COMMAND=STATUS CNI_PATH=/usr/lib/cni "$OURS"; echo " rc=$?"
            """#)
        let steps = Self.steps(out)
        #expect(steps["public"]?.contains("sources public: 10.68.0.5/32 fd00:68::5/128") == true, "\(out)")
        #expect(Self.sources("trusted", in: steps["public"]) == "")
        #expect(steps["public del"]?.contains("rc=0") == true && steps["public del"]?.contains("10.68.0.5") == false)
        #expect(steps["iso"]?.contains("sources trusted: 10.68.0.5/32 fd00:68::5/128") == true)
        #expect(steps["iso"]?.contains(#"oifname "cnifwd0" drop"#) == true, "\(out)")
        #expect(steps["iso check"]?.contains("rc=0") == true)
        #expect(steps["gone del"]?.contains("rc=0") == true, "\(out)")
        #expect(steps["gone status"]?.contains(#""code": 50"#) == true, "\(out)")
    }

    /// What `sources ZONE` printed in a step's output.
    static func sources(_ zone: String, in step: String?) -> String? {
        let prefix = "sources \(zone):"
        return step?.split(separator: "\n").first { $0.hasPrefix(prefix) }
            .map { $0.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces) }
    }

    /// The output after each `== name` line, by name.
    static func steps(_ out: String) -> [String: String] {
        var steps: [String: String] = [:]
        var current = ""
        for line in out.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("== ") {
                current = String(line.dropFirst(3))
                steps[current] = ""
            } else if !current.isEmpty {
                steps[current, default: ""] += line + "\n"
            }
        }
        return steps.mapValues { $0.trimmingCharacters(in: .newlines) }
    }
}
