import CNI
import Glibc
import LinuxNet
import NetAddress
import Synchronization

/// The daemon's settings every lease uses (`-broadcast`, `-timeout`, `-resendmax`, `-resendtimeout`).
struct ClientSettings: Sendable {
    var broadcast = false
    var timeout: Duration = .seconds(10)
    var resendMax: Duration = .seconds(62)
    var resendTimeout: Duration = .seconds(208)
}

/// Who a lease is for: what the daemon keeps about it besides the server's answer.
struct LeaseRecord: Sendable, Equatable {
    /// `<containerID>/<network>/<ifName>`, at most 254 bytes: sent as option 61 (type 0).
    var clientID: String
    var containerID: String
    var network: String
    var ifName: String
    /// The namespace path (with `-hostprefix`), and the namespace it named at ADD.
    var netns: String
    var identity: NamespaceKey?
    var options: DHCPOptions

    /// The reference's client ID: container ID, network name and interface, truncated to the
    /// 254 bytes option 61 leaves after its type byte.
    static func clientID(containerID: String, network: String, ifName: String) -> String {
        let id = Array("\(containerID)/\(network)/\(ifName)".utf8)
        return String(decoding: id.prefix(254), as: UTF8.self)
    }
}

/// One lease, kept alive from the time it is acquired until DEL: a thread of its own sleeps
/// until the renewal time (T1), renews with the server that granted it (unicast), rebinds with
/// any server after T2 (broadcast), and at expiry takes the interface down, as the reference
/// does. DEL stops it, which sends DHCPRELEASE. It ends by itself when the interface or its
/// namespace disappears.
final class Lease: @unchecked Sendable {
    let record: LeaseRecord
    let settings: ClientSettings
    private let state: Mutex<State>
    private let wakeup = Wakeup()
    private let finished = Latch()

    private struct State {
        var grant: DHCPExchange.Grant
        var stopping = false
        var checkRequested = false
    }

    /// Told when a lease changes (persist it) and when it ends by itself (forget it).
    struct Hooks: Sendable {
        var changed: @Sendable (Lease) -> Void
        var ended: @Sendable (Lease) -> Void
    }

    init(record: LeaseRecord, grant: DHCPExchange.Grant, settings: ClientSettings) {
        self.record = record
        self.settings = settings
        state = Mutex(State(grant: grant))
    }

    var grant: DHCPExchange.Grant { state.withLock { $0.grant } }

    /// The lease's times from the grant: expiry (lease time, default 1 h), T1 (option 58,
    /// default half of it) and T2 (option 59, default 85 %), as wall-clock seconds.
    struct Times {
        var renew: Double
        var rebind: Double
        var expire: Double

        init(_ grant: DHCPExchange.Grant) {
            let lease = Double(grant.ack.leaseTime ?? 3600)
            expire = grant.received + lease
            rebind = grant.received + Double(grant.ack.rebindingTime ?? UInt32(lease * 85 / 100))
            renew = grant.received + Double(grant.ack.renewalTime ?? UInt32(lease / 2))
        }
    }

    var times: Times { Times(grant) }

    // MARK: Acquiring

    /// INIT until the server grants a lease, retrying as the reference does (2 s pauses four
    /// times, then doubling up to `-resendmax`) until `-resendtimeout` has passed.
    static func acquire(_ record: LeaseRecord, settings: ClientSettings) throws(DHCPError) -> DHCPExchange.Grant {
        DaemonLog.print("\(record.clientID): acquiring lease")
        let deadline = Deadline.after(settings.resendTimeout)
        var backoff = Backoff(max: settings.resendMax)
        var attempts = 0
        while true {
            attempts += 1
            let failure: String
            do {
                // Up first: a packet socket bound to a down interface hears nothing until it is up.
                let (link, _) = try LeaseNetwork.open(path: record.netns, identity: record.identity, ifName: record.ifName, socket: false)
                if !link.link.isUp {
                    DaemonLog.print("Link \(goQuote(record.ifName)) down. Attempting to set up")
                    try link.netlink.setUp(link.link)
                }
                let (network, _) = try LeaseNetwork.open(path: record.netns, identity: record.identity, ifName: record.ifName, socket: true)
                let grant = try exchange(record, network, settings, wakeup: nil).acquire()
                DaemonLog.print("\(record.clientID): lease acquired, address \(grant.ack.yiaddr), expiration is \(Self.date(Times(grant).expire))")
                return grant
            } catch let error as LeaseNetwork.Failure {
                if case .gone(let text) = error { throw DHCPError(.failed, text) }
                failure = error.description
            } catch {
                failure = "\(error)"
            }
            DaemonLog.print("\(record.clientID): \(failure)")
            let pause = backoff.next()
            if deadline.remainingMilliseconds < Int(pause.components.seconds * 1000) {
                throw DHCPError(
                    .failed,
                    "no DHCP lease for \(record.ifName) in \(record.netns): \(failure) (\(attempts) attempt\(attempts == 1 ? "" : "s") within \(settings.resendTimeout))")
            }
            DaemonLog.print("retrying in \(pause)")
            _ = Wakeup().wait(until: .after(pause))
        }
    }

    static func exchange(_ record: LeaseRecord, _ network: LeaseNetwork, _ settings: ClientSettings, wakeup: Wakeup?) -> DHCPExchange {
        DHCPExchange(
            socket: network.socket!, mac: network.mac, clientID: record.clientID, options: record.options,
            broadcast: settings.broadcast, timeout: settings.timeout, wakeup: wakeup)
    }

    // MARK: Maintenance

    private enum Phase { case bound, renewing, rebinding, rebooting }

    /// Starts the maintenance thread; `rebooting` for a lease taken over after it expired.
    func start(hooks: Hooks, rebooting: Bool = false) {
        DaemonThread.start { [self] in
            maintain(hooks: hooks, phase: rebooting ? .rebooting : .bound)
            finished.open()
        }
    }

    /// CHECK (a repeated ADD): wakes the maintenance thread, which checks the interface.
    func check() {
        state.withLock { $0.checkRequested = true }
        wakeup.signal()
    }

    /// DEL: stops maintenance, sends DHCPRELEASE, and returns once that is done.
    func stop() {
        state.withLock { $0.stopping = true }
        wakeup.signal()
        finished.wait()
    }

    private func maintain(hooks: Hooks, phase start: Phase) {
        var phase = start
        var backoff = Backoff(max: settings.resendMax)
        while true {
            if state.withLock({ $0.stopping }) {
                release()
                return
            }
            // The interface must still be there (the reference checks at every wakeup).
            do {
                _ = try LeaseNetwork.open(path: record.netns, identity: record.identity, ifName: record.ifName, socket: false)
            } catch {
                if case .gone(let text)? = error as? LeaseNetwork.Failure {
                    DaemonLog.print("\(record.clientID): \(text), terminating lease maintenance")
                    hooks.ended(self)
                    return
                }
                DaemonLog.print("\(record.clientID): \(error)")
            }
            let t = times
            let now = wallClockSeconds()
            switch phase {
            case .bound:
                if now >= t.renew {
                    DaemonLog.print("\(record.clientID): renewing lease")
                    phase = .renewing
                    backoff = Backoff(max: settings.resendMax)
                    continue
                }
                sleep(until: t.renew)
                continue
            case .renewing, .rebinding, .rebooting:
                do {
                    let grant = try extend(phase)
                    let changed = grant.ack.yiaddr != self.grant.ack.yiaddr
                    state.withLock { $0.grant = grant }
                    hooks.changed(self)
                    DaemonLog.print(
                        "\(record.clientID): lease \(phase == .renewing ? "renewed" : "rebound"), expiration is \(Self.date(Times(grant).expire))"
                            + (changed ? " (the server gave a new address, \(grant.ack.yiaddr))" : ""))
                    phase = .bound
                    continue
                } catch is WakeupError {
                    // A stop (handled at the top) or a check, mid-exchange: the exchange is retried.
                    acknowledgeWakeup()
                    continue
                } catch let refused as DHCPExchange.Refused {
                    // The server no longer knows the lease: start over (INIT).
                    DaemonLog.print("\(record.clientID): \(refused), acquiring a new lease")
                    phase = .rebooting
                } catch {
                    DaemonLog.print("\(record.clientID): \(error)")
                }
                let now = wallClockSeconds()
                if now >= t.expire {
                    DaemonLog.print("\(record.clientID): lease expired, bringing interface DOWN")
                    takeInterfaceDown()
                    hooks.ended(self)
                    return
                }
                if phase == .renewing && now >= t.rebind {
                    DaemonLog.print("\(record.clientID): renewal time expired, rebinding")
                    phase = .rebinding
                    continue
                }
                let pause = backoff.next()
                DaemonLog.print("retrying in \(pause)")
                sleep(until: min(now + Self.seconds(pause), phase == .renewing ? t.rebind : t.expire))
            }
        }
    }

    /// One attempt of RENEWING/REBINDING, or of INIT-REBOOT then INIT when the lease is lost.
    private func extend(_ phase: Phase) throws -> DHCPExchange.Grant {
        let (network, _) = try LeaseNetwork.open(path: record.netns, identity: record.identity, ifName: record.ifName, socket: true)
        let exchange = Self.exchange(record, network, settings, wakeup: wakeup)
        switch phase {
        case .renewing: return try exchange.extend(grant, rebinding: false)
        case .rebinding: return try exchange.extend(grant, rebinding: true)
        default:
            do {
                return try exchange.reboot(grant.ack.yiaddr)
            } catch is DHCPExchange.Refused {
                return try exchange.acquire()
            } catch is DHCPExchange.NoAnswer {
                return try exchange.acquire()
            }
        }
    }

    /// Waits until `time` (wall clock) or a wakeup; a CHECK is logged and the wait goes on.
    private func sleep(until time: Double) {
        let seconds = max(0, time - wallClockSeconds())
        if wakeup.wait(until: .after(.milliseconds(Int64(seconds * 1000)))) { acknowledgeWakeup() }
    }

    /// Clears the wakeup; logs a CHECK that caused it.
    private func acknowledgeWakeup() {
        wakeup.consume()
        let checked = state.withLock { s -> Bool in
            defer { s.checkRequested = false }
            return s.checkRequested
        }
        if checked { DaemonLog.print("\(record.clientID): Checking lease") }
    }

    private func release() {
        DaemonLog.print("\(record.clientID): releasing lease")
        do {
            let (network, _) = try LeaseNetwork.open(path: record.netns, identity: record.identity, ifName: record.ifName, socket: true)
            try Self.exchange(record, network, settings, wakeup: nil).release(grant)
        } catch {
            DaemonLog.print("\(record.clientID): failed to release DHCP lease: \(error)")
        }
    }

    private func takeInterfaceDown() {
        do {
            let (network, _) = try LeaseNetwork.open(path: record.netns, identity: record.identity, ifName: record.ifName, socket: false)
            try network.netlink.setDown(network.link)
        } catch {
            DaemonLog.print("\(record.clientID): failed to bring \(record.ifName) interface DOWN: \(error)")
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// A wall-clock time as the log prints it.
    static func date(_ seconds: Double) -> String {
        var t = time_t(seconds)
        var parts = tm()
        localtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}

/// The pauses between attempts when the server does not answer, as the reference's
/// `backoffRetry`: 2 s (±1 s) four times, then 8 s doubling while below the maximum (±1 s).
struct Backoff {
    var max: Duration
    private var fast = 4
    private var delay: Duration = .seconds(4)

    init(max: Duration) { self.max = max }

    mutating func next() -> Duration {
        let jitter = Duration.milliseconds(Int64.random(in: -1000...999))
        let pause: Duration
        if fast > 0 {
            fast -= 1
            pause = .seconds(2) + jitter
        } else {
            pause = delay + jitter
        }
        if fast == 0 && delay < max { delay = delay * 2 }
        return pause
    }
}
