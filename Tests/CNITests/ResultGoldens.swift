/// Result JSON as libcni prints it (`json.MarshalIndent(r, "", "    ")` of the versioned types),
/// for one sample result at three levels of detail and in the three shapes.
enum ResultGoldens {
    static let dns = """
            "dns": {
                "nameservers": [
                    "10.1.2.1"
                ],
                "domain": "example.com",
                "search": [
                    "svc.example.com"
                ],
                "options": [
                    "ndots:5"
                ]
            }
        """

    /// Interfaces of the full sample; `extras` adds the 1.0.0+ interface fields.
    static func interfaces(extras: Bool) -> String {
        """
            "interfaces": [
                {
                    "name": "cni0",
                    "mac": "0a:58:0a:01:02:01"
                },
                {
                    "name": "veth1234abcd",
                    "mac": "ee:11:22:33:44:55"
                },
                {
                    "name": "eth0",
                    "mac": "0a:58:0a:01:02:03",\(extras ? "\n            \"mtu\": 1400," : "")
                    "sandbox": "/var/run/netns/ctr"\(extras ? ",\n            \"socketPath\": \"/run/vhost.sock\",\n            \"pciID\": \"0000:04:00.5\"" : "")
                }
            ],
        """
    }

    static let routes = """
            "routes": [
                {
                    "dst": "0.0.0.0/0",
                    "gw": "10.1.2.1"
                },
                {
                    "dst": "10.9.0.0/16",
                    "mtu": 1300,
                    "advmss": 1260,
                    "priority": 100,
                    "table": 0,
                    "scope": 253
                },
                {
                    "dst": "::/0",
                    "gw": "2001:db8::1"
                }
            ],
        """

    static func version(_ family: String, _ on: Bool) -> String {
        on ? "\n            \"version\": \"\(family)\"," : ""
    }

    /// The full sample in the 1.x shape (`extras`) or the 0.3/0.4 shape.
    static func full(_ v: String, extras: Bool, versions: Bool) -> String {
        """
        {
            "cniVersion": "\(v)",
        \(interfaces(extras: extras))
            "ips": [
                {\(version("4", versions))
                    "interface": 2,
                    "address": "10.1.2.3/24",
                    "gateway": "10.1.2.1"
                },
                {\(version("4", versions))
                    "interface": 2,
                    "address": "10.1.3.3/24"
                },
                {\(version("6", versions))
                    "interface": 2,
                    "address": "2001:db8::3/64",
                    "gateway": "2001:db8::1"
                }
            ],
        \(routes)
        \(dns)
        }
        """
    }

    /// What survives a trip through 0.1.0/0.2.0, in the 0.3+ shapes.
    static func reduced(_ v: String, versions: Bool) -> String {
        """
        {
            "cniVersion": "\(v)",
            "ips": [
                {\(version("4", versions))
                    "address": "10.1.2.3/24",
                    "gateway": "10.1.2.1"
                },
                {\(version("6", versions))
                    "address": "2001:db8::3/64",
                    "gateway": "2001:db8::1"
                }
            ],
            "routes": [
                {
                    "dst": "0.0.0.0/0",
                    "gw": "10.1.2.1"
                },
                {
                    "dst": "10.9.0.0/16"
                },
                {
                    "dst": "::/0",
                    "gw": "2001:db8::1"
                }
            ],
        \(dns)
        }
        """
    }

    /// The 0.1.0/0.2.0 shape.
    static func legacy(_ v: String) -> String {
        """
        {
            "cniVersion": "\(v)",
            "ip4": {
                "ip": "10.1.2.3/24",
                "gateway": "10.1.2.1",
                "routes": [
                    {
                        "dst": "0.0.0.0/0",
                        "gw": "10.1.2.1"
                    },
                    {
                        "dst": "10.9.0.0/16"
                    }
                ]
            },
            "ip6": {
                "ip": "2001:db8::3/64",
                "gateway": "2001:db8::1",
                "routes": [
                    {
                        "dst": "::/0",
                        "gw": "2001:db8::1"
                    }
                ]
            },
        \(dns)
        }
        """
    }

    enum Detail { case full, noInterfaceExtras, legacy }

    static func detail(of version: String) -> Detail {
        switch version {
        case "1.0.0", "1.1.0": return .full
        case "0.3.0", "0.3.1", "0.4.0": return .noInterfaceExtras
        default: return .legacy
        }
    }

    /// The golden for a result that started at `detail`, printed in `version`.
    static func golden(_ detail: Detail, printedIn version: String) -> String {
        switch (detail, ResultGoldens.detail(of: version)) {
        case (_, .legacy): return legacy(version)
        case (.legacy, let shape): return reduced(version, versions: shape == .noInterfaceExtras)
        case (.full, .full): return full(version, extras: true, versions: false)
        case (_, .full): return full(version, extras: false, versions: false)
        case (_, .noInterfaceExtras): return full(version, extras: false, versions: true)
        }
    }
}
