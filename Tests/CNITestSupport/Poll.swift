import Foundation

/// A condition a test waited for did not come true in time. Thrown by ``poll(_:timeout:interval:until:)``,
/// so the test fails there instead of carrying on with a half-settled kernel.
public struct PollTimedOut: Error, CustomStringConvertible {
    public var what: String
    public var timeout: Double
    public var description: String { "timed out after \(timeout) s waiting for \(what)" }
}

/// Checks `condition` every `interval` seconds until it is true; throws ``PollTimedOut`` (naming
/// `what`) when it is still false after `timeout` seconds. For state the kernel settles in the
/// background: veths of a deleted namespace, IPv6 DAD, a server starting to listen. The timeout
/// is a safety net, never a measurement.
public func poll(_ what: String, timeout: Double = 5, interval: Double = 0.02, until condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return }
        guard Date() < deadline else { throw PollTimedOut(what: what, timeout: timeout) }
        Thread.sleep(forTimeInterval: interval)
    }
}
