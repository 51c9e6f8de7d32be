/// `dhcp daemon`'s flags, parsed as Go's `flag` package parses the reference's: `-name value`,
/// `-name=value` or `--name…`; a bare boolean flag means true; parsing stops at the first
/// argument that is not a flag or after `--`.
public struct DaemonOptions: Sendable, Equatable {
    /// `-pidfile`: where to write the daemon's PID (must be absolute).
    public var pidfile = ""
    /// `-hostprefix`: prefix for the socket, state and netns paths (a daemon in a container
    /// reaching the host's files under a mount).
    public var hostPrefix = ""
    /// `-socketpath`: the socket the plugin calls (default /run/cni/dhcp.sock).
    public var socketPath = ""
    /// `-broadcast`: set the BROADCAST flag on DHCPDISCOVER and DHCPREQUEST.
    public var broadcast = false
    /// `-timeout`: how long to wait for each answer from the server.
    public var timeout: Duration = .seconds(10)
    /// `-resendmax`: the longest pause between attempts when the server does not answer.
    public var resendMax: Duration = .seconds(62)
    /// `-resendtimeout`: how long to keep trying to get a lease before giving up.
    public var resendTimeout: Duration = .seconds(208)
    /// `-statedir` (ours): where leases are kept so a restarted daemon takes them over.
    public var stateDir = "/run/cni/dhcp"

    public init() {}

    /// A flag problem: the message Go prints; `help` for -h/-help (exit 0 after the usage).
    public struct Failure: Error, Equatable {
        public var message: String
        public var help: Bool
    }

    static let flags: [(name: String, kind: String, help: String)] = [
        ("broadcast", "", "broadcast DHCP leases"),
        ("hostprefix", "string", "optional prefix to host root"),
        ("pidfile", "string", "optional path to write daemon PID to"),
        ("resendmax", "duration", "optional dhcp client max resend delay between requests (default 1m2s)"),
        ("resendtimeout", "duration", "optional dhcp client resend timeout, no more retries after this timeout (default 3m28s)"),
        ("socketpath", "string", "optional dhcp server socketpath"),
        ("statedir", "string", "where leases are kept across daemon restarts (default \"/run/cni/dhcp\")"),
        ("timeout", "duration", "optional dhcp client timeout duration for each request (default 10s)"),
    ]

    /// The usage text Go's flag package prints.
    public static var usage: String {
        var text = "Usage of daemon:\n"
        for flag in flags {
            text += "  -\(flag.name)" + (flag.kind.isEmpty ? "" : " \(flag.kind)") + "\n    \t\(flag.help)\n"
        }
        return text
    }

    public init(arguments: [String]) throws(Failure) {
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            guard arg.count > 1, arg.hasPrefix("-") else { break }
            var name = Substring(arg.dropFirst())
            if name.hasPrefix("-") {
                name = name.dropFirst()
                if name.isEmpty { break }  // "--" ends the flags
            }
            guard !name.hasPrefix("-"), !name.hasPrefix("=") else { throw Failure(message: "bad flag syntax: \(arg)", help: false) }
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = name[..<eq]
            }
            let key = String(name)
            if key == "h" || key == "help" { throw Failure(message: "", help: true) }
            guard let flag = Self.flags.first(where: { $0.name == key }) else {
                throw Failure(message: "flag provided but not defined: -\(key)", help: false)
            }
            if flag.kind.isEmpty {
                guard let b = Self.goBool(value ?? "true") else {
                    throw Failure(message: "invalid boolean value \"\(value ?? "")\" for -\(key): parse error", help: false)
                }
                broadcast = b
                i += 1
                continue
            }
            if value == nil {
                guard i + 1 < arguments.count else { throw Failure(message: "flag needs an argument: -\(key)", help: false) }
                i += 1
                value = arguments[i]
            }
            let text = value!
            switch key {
            case "hostprefix": hostPrefix = text
            case "pidfile": pidfile = text
            case "socketpath": socketPath = text
            case "statedir": stateDir = text
            default:
                guard let d = Self.goDuration(text) else {
                    throw Failure(message: "invalid value \"\(text)\" for flag -\(key): parse error", help: false)
                }
                switch key {
                case "timeout": timeout = d
                case "resendmax": resendMax = d
                default: resendTimeout = d
                }
            }
            i += 1
        }
        if socketPath.isEmpty { socketPath = DHCPConfig.defaultSocketPath }
    }

    /// `strconv.ParseBool`.
    static func goBool(_ s: String) -> Bool? {
        switch s {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: return nil
        }
    }

    /// `time.ParseDuration`: a signed sequence of decimal numbers with units (ns, us, µs, ms,
    /// s, m, h), such as "300ms", "1m30s" or "1.5h"; "0" alone needs no unit.
    static func goDuration(_ text: String) -> Duration? {
        var s = Substring(text)
        var negative = false
        if let c = s.first, c == "-" || c == "+" {
            negative = c == "-"
            s = s.dropFirst()
        }
        if s == "0" { return .zero }
        guard !s.isEmpty else { return nil }
        var total = 0.0
        while !s.isEmpty {
            let number = s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", let value = Double(number) else { return nil }
            s = s.dropFirst(number.count)
            let unit = s.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            s = s.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1e-9
            case "us", "µs", "μs": scale = 1e-6
            case "ms": scale = 1e-3
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: return nil
            }
            total += value * scale
        }
        let nanoseconds = Int64((negative ? -total : total) * 1e9)
        return .nanoseconds(nanoseconds)
    }
}
