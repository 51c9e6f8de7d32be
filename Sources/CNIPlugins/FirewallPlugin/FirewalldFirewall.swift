import CNI
import DBus
import NetAddress

/// firewalld over D-Bus, as the reference: each container address (`10.88.0.2/32`) is added as a
/// source of the zone (`firewalldZone`, default `trusted`) in firewalld's runtime configuration.
/// firewalld then writes its own rules; it keeps no record of who added a source.
///
/// The bus is spoken to by ``DBusConnection`` (the wire protocol over the unix socket, no
/// library); only this plugin links it.
public struct FirewalldFirewall: ContainerFirewall {
    public var kind: FirewallRulesBackend { .firewalld }
    /// The bus address (nil: `DBUS_SYSTEM_BUS_ADDRESS` or the system bus's socket).
    public var address: String?
    /// One connection for the whole plugin run: the "is firewalld there" question and the calls
    /// that follow share it (one connect and handshake instead of two).
    private let session = Session()

    static let name = "org.fedoraproject.FirewallD1"
    static let path = "/org/fedoraproject/FirewallD1"
    static let zoneInterface = "org.fedoraproject.FirewallD1.zone"

    public init(address: String? = nil) {
        self.address = address
    }

    private func connect() throws(DBusError) -> DBusConnection {
        if let open = session.connection { return open }
        let bus: DBusConnection
        if let address { bus = try DBusConnection(address: address) } else { bus = try DBusConnection.systemBus() }
        session.connection = bus
        return bus
    }

    /// The run's connection (plugins are single-threaded; the box only makes the struct Sendable).
    private final class Session: @unchecked Sendable {
        var connection: DBusConnection?
    }

    /// Whether firewalld owns its name on the bus (the reference's test: `GetNameOwner`).
    public func isRunning() -> Bool {
        guard let bus = try? connect() else { return false }
        return (try? bus.call(
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member: "GetNameOwner", [.string(Self.name)])) != nil
    }

    public func isPresent() -> Bool { isRunning() }

    public func checkUsable() throws(FirewallPluginError) {
        guard isRunning() else {
            throw FirewallPluginError(.unavailable, "firewalld backend unavailable: \(Self.name) is not on the system bus")
        }
    }

    /// The source text of an address: `10.88.0.2/32`, `fd00::2/128` (the reference's ipString).
    static func source(_ address: IPAddress) -> String { IPNetwork(host: address).description }

    private func sources(_ a: FirewallAttachment) -> [String] {
        IPFamily.allCases.flatMap { a.hosts($0) }.map(Self.source)
    }

    private func zoneCall(_ bus: DBusConnection, _ member: String, zone: String, _ source: String) throws(DBusError) -> [DBusValue] {
        try bus.call(destination: Self.name, path: Self.path, interface: Self.zoneInterface, member: member,
                     [.string(zone), .string(source)])
    }

    /// Adds every address; one already in the zone is fine (`ZONE_ALREADY_SET`, as the
    /// reference). A failure removes the sources this call added.
    public func add(_ a: FirewallAttachment) throws(FirewallPluginError) {
        var added: [String] = []
        do {
            let bus = try connect()
            for source in sources(a) {
                do {
                    _ = try zoneCall(bus, "addSource", zone: a.zone, source)
                    added.append(source)
                } catch where error.message.containsText("ZONE_ALREADY_SET") {
                    continue
                }
            }
        } catch {
            session.connection = nil
            if let bus = try? connect() {
                for source in added { _ = try? zoneCall(bus, "removeSource", zone: a.zone, source) }
            }
            throw FirewallPluginError("failed to add the container addresses of \(a.label) to zone \(a.zone)", error)
        }
    }

    /// Removes every address from the zone. No firewalld means nothing to remove (its runtime
    /// configuration went with it); a source not in the zone is already removed.
    public func remove(_ a: FirewallAttachment) throws(FirewallPluginError) {
        let sources = sources(a)
        guard !sources.isEmpty, let bus = try? connect() else { return }
        for source in sources {
            do {
                _ = try zoneCall(bus, "removeSource", zone: a.zone, source)
            } catch where error.kind == .remote && Self.meansGone(error) {
                continue
            } catch {
                throw FirewallPluginError("failed to remove \(source) of \(a.label) from zone \(a.zone)", error)
            }
        }
    }

    /// A removal that found nothing to remove: the source is not in the zone, or firewalld is
    /// not on the bus.
    static func meansGone(_ error: DBusError) -> Bool {
        error.message.containsText("UNKNOWN_SOURCE") || error.message.containsText("NOT_ENABLED")
            || error.name == "org.freedesktop.DBus.Error.ServiceUnknown"
            || error.name == "org.freedesktop.DBus.Error.NameHasNoOwner"
    }

    /// Each address must be a source of the zone (`querySource` answers true).
    public func check(_ a: FirewallAttachment) throws(FirewallPluginError) {
        do {
            let bus = try connect()
            for source in sources(a) where try zoneCall(bus, "querySource", zone: a.zone, source).first?.boolValue != true {
                throw FirewallPluginError(.checkFailed, "failed to find the address \(source) in \(a.zone) zone")
            }
        } catch let error as FirewallPluginError {
            throw error
        } catch let error as DBusError {
            throw FirewallPluginError("check zone \(a.zone) for \(a.label)", error)
        } catch {
            throw FirewallPluginError(.firewalld, "\(error)")
        }
    }

    /// Nothing: a zone's sources name no container.
    public func gc(network: String, keeping valid: [ValidAttachment]) throws(FirewallPluginError) {}
}
